"""The HTTP contract: OpenAI-compatible chat requests and responses, feedback, with their limits.

Limits are declared on the fields, so a request beyond them is answered 400 (in OpenAI's error
shape) naming the field before any work is done. What OpenAI accepts and costs nothing to honour
is accepted (`n: null`, `top_p: 0`, a negative `seed`, `max_tokens` above the server's maximum,
which is lowered to it); what would silently break a client's expectation is refused with the
reason (JSON output modes, a required tool call, image parts). The structured answer travels in
the extension field `medqa`.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_MESSAGE_CHARS = 4_000  # one message; a question plus context fits easily, a pasted book does not
MAX_MESSAGES = 40  # the assistant keeps only the last few turns anyway
MAX_TOKENS = 1_024  # the most new tokens an answer generates (CPU time per request); more is lowered to it
MAX_STOPS = 4  # `stop` sequences, as OpenAI allows
MAX_STOP_CHARS = 64
MAX_COMMENT_CHARS = 2_000
# NUL and the other C0 control characters (tab, newline and carriage return are text) and unpaired
# surrogates (not encodable as UTF-8: the tokenizer, SQLite and the JSON encoder would fail on them).
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
TEXT_PATTERN = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]*$"  # the same rule in the OpenAPI schema


def _plain_text(max_length: int | None = None) -> Callable[[dict[str, Any]], None]:
    """Puts `check_text`'s rule (and a length limit checked in code) on the string form of a field,
    so that the OpenAPI schema states what the server accepts."""

    def document(schema: dict[str, Any]) -> None:
        for branch in schema.get("anyOf", [schema]):
            if branch.get("type") == "string":
                branch["pattern"] = TEXT_PATTERN
                if max_length is not None:
                    branch["maxLength"] = max_length

    return document


def check_text(value: str) -> str:
    """`value` if it is plain text, else a ValueError that says why (answered 422 naming the field)."""
    bad = _NOT_TEXT.search(value)
    if bad is None:
        return value
    if "\ud800" <= bad.group() <= "\udfff":
        raise ValueError("is not valid Unicode: it holds an unpaired surrogate")
    raise ValueError(
        f"must be plain text: control character U+{ord(bad.group()):04X} at position {bad.start()} "
        "(NUL and control characters other than tab and newline are refused)"
    )


class TextPart(BaseModel):
    """One part of a multi-part message (`[{"type": "text", "text": ...}]`); only text is accepted."""

    type: Literal["text"]
    text: str = Field(json_schema_extra=_plain_text(MAX_MESSAGE_CHARS))

    @field_validator("text")
    @classmethod
    def _plain(cls, value: str) -> str:
        return check_text(value)


class ChatMessage(BaseModel):
    """One message of the conversation."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = Field(None, json_schema_extra=_plain_text(MAX_MESSAGE_CHARS))

    @field_validator("content", mode="before")
    @classmethod
    def _only_text_parts(cls, value: Any) -> Any:
        # Said plainly, instead of pydantic's error for each branch of the union.
        if isinstance(value, list):
            for number, part in enumerate(value):
                kind = part.get("type") if isinstance(part, dict) else None
                if isinstance(kind, str) and kind != "text":
                    raise ValueError(
                        f"part {number} is of type {kind[:40]!r}: medqa answers text only, so images, audio "
                        "and files are not accepted; send the question as text"
                    )
        return value

    @field_validator("content")
    @classmethod
    def _not_too_long(cls, value: str | list[TextPart] | None) -> str | list[TextPart] | None:
        # Checked here rather than as a Field limit on the union, so the error names just this field.
        size = sum(len(p.text) for p in value) if isinstance(value, list) else len(value or "")
        if size > MAX_MESSAGE_CHARS:
            raise ValueError(f"a message may have at most {MAX_MESSAGE_CHARS} characters, this one has {size}")
        if isinstance(value, str):
            check_text(value)
        return value

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""


def _document_stop(schema: dict[str, Any]) -> None:
    """`_few_short_stops`' rule in the OpenAPI schema."""
    text = {"minLength": 1, "maxLength": MAX_STOP_CHARS}
    for branch in schema.get("anyOf", []):
        if branch.get("type") == "string":
            branch.update(text)
        elif branch.get("type") == "array":
            branch["maxItems"] = MAX_STOPS
            branch.setdefault("items", {}).update(text)


def _document_text_format(schema: dict[str, Any]) -> None:
    """`_text_only`'s rule in the OpenAPI schema."""
    text_only = {"type": "object", "properties": {"type": {"const": "text"}}, "required": ["type"]}
    schema["anyOf"] = [text_only, {"type": "null"}]


def _document_no_tools(schema: dict[str, Any]) -> None:
    """`_no_required_tool`'s rule in the OpenAPI schema."""
    schema["anyOf"] = [{"type": "string", "enum": ["none", "auto"]}, {"type": "null"}]


class StreamOptions(BaseModel):
    """`stream_options`: `include_usage` adds a last chunk with `usage` (and empty `choices`)."""

    model_config = ConfigDict(extra="ignore")

    include_usage: bool | None = None


_TOKENS = "the most new tokens; above the server's maximum (1024) it is lowered to it (see `medqa.max_tokens`)"


class ChatCompletionRequest(BaseModel):
    """`POST /v1/chat/completions`. Unknown standard fields (presence_penalty, logprobs, an unused
    `tools` list...) are ignored; fields that promise what medqa cannot give are refused."""

    model_config = ConfigDict(extra="ignore")

    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    model: str | None = None  # there is one model per server: any name is accepted
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    top_p: float | None = Field(None, ge=0.0, le=1.0)  # 0: the most likely token only (greedy)
    max_tokens: int | None = Field(None, ge=1, le=2**63 - 1, description=_TOKENS)
    max_completion_tokens: int | None = Field(None, ge=1, le=2**63 - 1, description=_TOKENS)  # newer name
    seed: int | None = Field(None, ge=-(2**63), le=2**64 - 1)
    stream: bool | None = None
    stream_options: StreamOptions | None = None
    n: int | None = Field(None, ge=1, le=1)
    stop: str | list[str] | None = Field(
        None,
        description=f"up to {MAX_STOPS} sequences; the model's text ends before the first one it writes",
        json_schema_extra=_document_stop,
    )
    response_format: dict[str, Any] | None = Field(
        None, description='only `{"type": "text"}`', json_schema_extra=_document_text_format
    )
    tool_choice: str | dict[str, Any] | None = Field(
        None, description="only `none` or `auto`: medqa calls no tools", json_schema_extra=_document_no_tools
    )
    user: str | None = Field(None, max_length=256)

    @field_validator("stop")
    @classmethod
    def _few_short_stops(cls, value: str | list[str] | None) -> str | list[str] | None:
        stops = [value] if isinstance(value, str) else value or []
        if len(stops) > MAX_STOPS:
            raise ValueError(f"at most {MAX_STOPS} stop sequences, got {len(stops)}")
        if any(not s or len(s) > MAX_STOP_CHARS for s in stops):
            raise ValueError(f"each stop sequence must have 1 to {MAX_STOP_CHARS} characters")
        return value

    @field_validator("response_format")
    @classmethod
    def _text_only(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        kind = value.get("type") if value is not None else "text"
        if kind != "text":
            shown = repr(kind[:40]) if isinstance(kind, str) else "not a string"
            raise ValueError(
                f"type {shown} is not supported: medqa answers in cited prose (with sources and a disclaimer), "
                "never in JSON; leave response_format out or use {'type': 'text'}"
            )
        return value

    @field_validator("tool_choice")
    @classmethod
    def _no_required_tool(cls, value: str | dict[str, Any] | None) -> str | dict[str, Any] | None:
        if value is None or value in ("none", "auto"):
            return value
        raise ValueError(
            "medqa never calls tools, so it cannot honour 'required' or a named function; "
            "leave tool_choice out or use 'none' or 'auto'"
        )

    @model_validator(mode="after")
    def _ends_with_a_question(self) -> ChatCompletionRequest:
        last = self.messages[-1]
        if last.role != "user" or not last.text.strip():
            raise ValueError("the last message must be a non-empty 'user' message: it is the question answered")
        return self

    @property
    def question(self) -> str:
        return self.messages[-1].text

    @property
    def requested_max_tokens(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens

    @property
    def max_new_tokens(self) -> int | None:
        """The token limit the answer is generated with: the request's, lowered to MAX_TOKENS."""
        requested = self.requested_max_tokens
        return min(requested, MAX_TOKENS) if requested is not None else None

    @property
    def clamped(self) -> bool:
        """Whether the request asked for more tokens than the server's maximum."""
        requested = self.requested_max_tokens
        return requested is not None and requested > MAX_TOKENS

    @property
    def stop_sequences(self) -> list[str]:
        return [self.stop] if isinstance(self.stop, str) else list(self.stop or [])

    @property
    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)

    def generation_changes(self) -> dict[str, Any]:
        """The request's decoding settings, as `GenerationSettings` fields (only those it sets).
        `top_p: 0` keeps only the most likely token: greedy decoding. A seed outside llama.cpp's
        unsigned 32 bits (OpenAI's may be negative or 64-bit) is taken modulo 2^32."""
        changes: dict[str, Any] = {
            "temperature": 0.0 if self.top_p == 0 else self.temperature,
            "top_p": self.top_p or None,
            "max_new_tokens": self.max_new_tokens,
            "seed": self.seed % 2**32 if self.seed is not None else None,
        }
        return {name: value for name, value in changes.items() if value is not None}

    @property
    def history(self) -> list[dict[str, str]]:
        """Earlier user/assistant turns. System messages are dropped on purpose: a client must not be
        able to switch off triage, grounding or the disclaimer with a prompt."""
        return [
            {"role": m.role, "content": m.text}
            for m in self.messages[:-1]
            if m.role in ("user", "assistant") and m.text
        ]


class FeedbackRequest(BaseModel):
    """`POST /api/feedback`: a thumbs up or down on one answer."""

    answer_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=MAX_COMMENT_CHARS, json_schema_extra=_plain_text())

    @field_validator("comment")
    @classmethod
    def _plain(cls, value: str | None) -> str | None:
        return check_text(value) if value is not None else None


# ----------------------------------------------------------------------------------------- responses
# Declared so the OpenAPI schema documents every answer the API gives (and tests check it does).
class ErrorInfo(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    """Every error, in the OpenAI shape: OpenAI clients raise a readable exception."""

    error: ErrorInfo


class FieldProblem(BaseModel):
    loc: list[str | int]
    field: str
    msg: str


class ValidationErrorResponse(ErrorResponse):
    """400: each problem of a request that is not valid names its field (`detail`, absent when the
    body is not readable at all); the offending input is never echoed back."""

    detail: list[FieldProblem] | None = None


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "loading", "failed", "degraded"]
    generator: str | None = None
    extractive: bool | None = None
    reason: str | None = None
    index: dict[str, Any] | None = None  # retrieval's stage, dense_fraction, passages_per_s, eta_s
    progress: dict[str, Any] | None = None  # while the index is completed: stage, fraction, eta_s (for the page)


class ModelCard(BaseModel):
    id: str
    object: Literal["model"]
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"]
    data: list[ModelCard]


class CitationOut(BaseModel):
    number: int
    url: str
    title: str
    passage_id: int
    snippet: str
    original_url: str = ""  # the page's address in the corpus (2017) when `url` is where it lives today


class SentenceOut(BaseModel):
    """One sentence of the answer: generated by the model or quoted from a passage, with its sources."""

    text: str
    source: Literal["generated", "quoted"]
    citations: list[int]
    evidence: list[str]  # per citation, the passage sentence it rests on


class RemovedOut(BaseModel):
    """A sentence of the model the reader did not see, and why (unsupported, refused, cut off...)."""

    text: str
    reason: str


class MedqaAnswer(BaseModel):
    """The structured answer, in the extension field `medqa`."""

    id: str
    answer: str
    citations: list[CitationOut]
    triage: Literal["emergency", "none"]
    triage_category: str
    abstained: bool
    extractive: bool
    out_of_scope: bool
    disclaimer: str
    notes: str = ""  # said before the sentences (the personal-advice note)
    sentences: list[SentenceOut] = []
    removed: list[RemovedOut] = []
    truncated: bool = False  # the model stopped at its token limit (`finish_reason: "length"`)
    max_tokens: int | None = None  # the token limit the answer was generated with (None: the server's default)
    max_tokens_clamped: bool = False  # the request asked for more than the server's maximum, MAX_TOKENS


class KeptAnswer(MedqaAnswer):
    """`GET /api/answers/{id}`: the `medqa` field of a recent answer, and the completion it came in."""

    completion_id: str


class AssistantMessage(BaseModel):
    role: Literal["assistant"]
    content: str


class Choice(BaseModel):
    index: int
    message: AssistantMessage
    finish_reason: Literal["stop", "length"]  # length: the model stopped at max_tokens


class Usage(BaseModel):
    """The language model's tokens: the prompt it read and what it generated (0 and 0 when the answer
    needed no model: an emergency, an abstention)."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    """A non-streamed answer; with `stream: true` the same arrives as `chat.completion.chunk` events."""

    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    medqa: MedqaAnswer


class FeedbackStored(BaseModel):
    status: Literal["stored"]


MAX_TOKENS_HEADER = "x-medqa-max-tokens"  # the token limit used, when the request asked for more


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def medqa_field(answer: dict[str, Any], request: ChatCompletionRequest, truncated: bool) -> dict[str, Any]:
    """The extension field `medqa`: the structured answer and the limits it was generated under."""
    return {
        **answer,
        "truncated": truncated,
        "max_tokens": request.max_new_tokens,
        "max_tokens_clamped": request.clamped,
    }


@dataclass(frozen=True)
class Reply:
    """The frame of one answer: its id, creation time and model are the same in every chunk."""

    id: str
    created: int
    model: str

    @classmethod
    def new(cls, model: str) -> Reply:
        return cls(completion_id(), int(time.time()), model)

    def _head(self, kind: str) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    def completion(
        self, content: str, medqa: dict[str, Any], finish_reason: str, usage: dict[str, int]
    ) -> dict[str, Any]:
        """A non-streamed `chat.completion`."""
        message = {"role": "assistant", "content": content}
        return {
            **self._head("chat.completion"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
            "usage": usage,
            "medqa": medqa,
        }

    def chunk(
        self, delta: dict[str, Any], finish_reason: str | None = None, medqa: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """One streamed `chat.completion.chunk`; the chunk that ends the content also carries `medqa`."""
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        data = {**self._head("chat.completion.chunk"), "choices": [choice]}
        if medqa is not None:
            data["medqa"] = medqa
        return data

    def usage_chunk(self, usage: dict[str, int]) -> dict[str, Any]:
        """The last chunk with `stream_options: {"include_usage": true}`: no choices, the usage."""
        return {**self._head("chat.completion.chunk"), "choices": [], "usage": usage}


def error_body(message: str, kind: str, param: str | None = None) -> dict[str, Any]:
    """The OpenAI error shape, so OpenAI clients raise a readable exception."""
    return {"error": {"message": message, "type": kind, "param": param, "code": None}}
