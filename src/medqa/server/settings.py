"""Server settings: one class, read from `MEDQA_*` environment variables; CLI flags override.

Every replica is configured the same way and keeps no state that others need (the rate limiter
is per replica, in memory), so replicas can sit behind any load balancer.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from medqa.errors import MedqaError
from medqa.server.middleware import parse_networks


class ServerSettings(BaseSettings):
    """Settings of `medqa serve`; the environment variable of each field is MEDQA_<FIELD NAME>."""

    model_config = SettingsConfigDict(env_prefix="MEDQA_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    model: str | None = Field(None, description="Run/exported folder or base model (default: latest run, else bundled)")
    index: Path | None = Field(None, description="Index folder (default: the bundled corpus, built on first start)")
    backend: Literal["auto", "llamacpp", "transformers", "openai"] = Field("auto", description="Generation backend")
    base_url: str | None = Field(None, description="OpenAI-compatible server that generates, for backend=openai")
    api_model: str | None = Field(None, description="Model name on the base_url server (default: its first)")
    api_key: SecretStr | None = Field(
        None,
        description="When set, every API call needs 'Authorization: Bearer KEY'; several keys (comma-separated) "
        "give each client application its own key and its own rate limit",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed to call the API from a browser (comma-separated); none"
    )
    workers: int = Field(
        8, ge=1, le=64, description="Answers in flight at once (threads); llama.cpp decodes up to 8 of them together"
    )
    max_queue: int = Field(32, ge=0, le=10_000, description="Answers waiting for a worker before 503 'busy'")
    max_body_bytes: int = Field(256_000, ge=1_024, le=10_000_000, description="Largest request body (413 above)")
    rate_limit_per_minute: float = Field(
        30.0,
        gt=0,
        description="Sustained requests per minute per API key (per client IP without one); metadata calls "
        "(/v1/models, /ready, /api/answers, the page) are not counted",
    )
    rate_limit_burst: int = Field(10, ge=1, description="Requests a client may send at once before being limited")
    rate_limit_clients: int = Field(
        100_000, ge=1, le=10_000_000, description="Clients the rate limiter remembers (least recently seen forgotten)"
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Reverse proxies (addresses or CIDR blocks, comma-separated) whose X-Forwarded-For is "
        "believed; none by default: the connection's address is the client",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["*"],
        description="Host header values served (comma-separated; '*.example.org' for subdomains); '*' is any",
    )
    answers_kept: int = Field(
        1000,
        ge=0,
        le=100_000,
        description="Recent structured answers kept in memory for GET /api/answers/{id} (~10 kB each; 0: none)",
    )
    db_path: Path = Field(Path("runs/server/medqa.sqlite3"), description="SQLite file for feedback (and conversations)")
    log_conversations: bool = Field(False, description="Store messages and answers in the database (health data!)")
    allow_extractive: bool = Field(
        False, description="Report ready even when the language model failed to load (answers are then extractive)"
    )
    allow_fallback: bool = Field(
        False,
        description="Serve with transformers (float32, several times slower) when the model's GGUF exists but "
        "llama.cpp cannot load it; refused by default",
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    graceful_shutdown_s: int = Field(30, ge=0, le=3600, description="Time in-flight answers get to finish on stop")
    header_timeout_s: float = Field(
        10.0, gt=0, le=600, description="A request's headers must arrive within this time, else the connection closes"
    )
    body_timeout_s: float = Field(
        30.0, gt=0, le=3600, description="A request's body must arrive within this time after its headers (408 above)"
    )
    keep_alive_s: int = Field(5, ge=1, le=600, description="An idle keep-alive connection is closed after this time")

    @field_validator("cors_origins", "trusted_proxies", "allowed_hosts", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        """`MEDQA_CORS_ORIGINS=https://a.org,https://b.org` (a plain list when given in code)."""
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        parse_networks(value)  # a ValueError naming the entry that is no address or CIDR block
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _some_host(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("name at least one host, or '*' for any")
        return value

    @field_validator("api_key", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        """An empty MEDQA_API_KEY (compose's `${MEDQA_API_KEY:-}`) means no key, not the key ''."""
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        return None if isinstance(raw, str) and not raw.strip() else value

    def api_keys(self) -> list[str]:
        """The accepted API keys (MEDQA_API_KEY, comma-separated); empty when none is required."""
        raw = self.api_key.get_secret_value() if self.api_key is not None else ""
        return [key.strip() for key in raw.split(",") if key.strip()]

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value


_URL_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")


def redact(text: str, settings: ServerSettings) -> str:
    """`text` (an error message shown by /ready or logged) without the API keys or URL credentials it
    may quote: an exception from the generator can name the base URL or the key it was given."""
    secrets = [*settings.api_keys(), os.environ.get("OPENAI_API_KEY", "")]
    for secret in secrets:
        if len(secret) >= 4:  # too short a value would mask ordinary words
            text = text.replace(secret, "**********")
    return _URL_CREDENTIALS.sub("***@", text)


# An absolute path (POSIX or Windows); not the path part of a URL ("http://host/v1"): that follows a word or ':'.
_PATH = re.compile(r"(?<![\w.:/\\])(?:[A-Za-z]:)?(?:[/\\][^\s/\\:'\"(),;]+)+[/\\]?")


def hide_paths(text: str) -> str:
    """`text` (a reason shown to clients) with each absolute file path shortened to its last part:
    the layout of the server's disk is not the business of whoever asks /ready."""
    return _PATH.sub(lambda m: m.group().rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1] or "/", text)


def load_settings(**overrides: Any) -> ServerSettings:
    """Settings from the environment, with the given (non-None) overrides; problems as one MedqaError."""
    try:
        return ServerSettings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as exc:
        problems = [
            f"{'.'.join(map(str, error['loc'])) or 'settings'} (MEDQA_{str(error['loc'][0]).upper()}): {error['msg']}"
            if error["loc"]
            else error["msg"]
            for error in exc.errors()
        ]
        raise MedqaError("invalid server settings:\n  - " + "\n  - ".join(problems)) from None
