"""The HTTP contract: OpenAI-compatible chat requests and responses, feedback, with their limits.

Limits are declared on the fields, so a request beyond them is answered 422 naming the field
before any work is done. The structured answer travels in the extension field `medqa`.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_MESSAGE_CHARS = 4_000  # one message; a question plus context fits easily, a pasted book does not
MAX_MESSAGES = 40  # the assistant keeps only the last few turns anyway
MAX_TOKENS = 1_024  # the most new tokens an answer may ask for (CPU time per request)
MAX_COMMENT_CHARS = 2_000


class TextPart(BaseModel):
    """One part of a multi-part message (`[{"type": "text", "text": ...}]`); only text is accepted."""

    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    """One message of the conversation."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = None

    @field_validator("content")
    @classmethod
    def _not_too_long(cls, value: str | list[TextPart] | None) -> str | list[TextPart] | None:
        # Checked here rather than as a Field limit on the union, so the error names just this field.
        size = sum(len(p.text) for p in value) if isinstance(value, list) else len(value or "")
        if size > MAX_MESSAGE_CHARS:
            raise ValueError(f"a message may have at most {MAX_MESSAGE_CHARS} characters, this one has {size}")
        return value

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    """`POST /v1/chat/completions`. Unknown standard fields (presence_penalty, logprobs...) are ignored."""

    model_config = ConfigDict(extra="ignore")

    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    model: str | None = None  # there is one model per server: any name is accepted
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    top_p: float | None = Field(None, gt=0.0, le=1.0)
    max_tokens: int | None = Field(None, ge=1, le=MAX_TOKENS)
    max_completion_tokens: int | None = Field(None, ge=1, le=MAX_TOKENS)  # the newer name of max_tokens
    seed: int | None = Field(None, ge=0, le=2**32 - 1)
    stream: bool = False
    n: int = Field(1, ge=1, le=1)
    stop: str | list[str] | None = None  # accepted; the assistant ends answers itself
    user: str | None = Field(None, max_length=256)

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
    comment: str | None = Field(None, max_length=MAX_COMMENT_CHARS)


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def completion(cid: str, model: str, content: str, medqa: dict[str, Any]) -> dict[str, Any]:
    """A non-streamed `chat.completion`."""
    return {
        "id": cid,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "medqa": medqa,
    }


def chunk(
    cid: str, model: str, delta: dict[str, Any], finish_reason: str | None = None, medqa: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One streamed `chat.completion.chunk`; the chunk that ends the content also carries `medqa`."""
    data: dict[str, Any] = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    if medqa is not None:
        data["medqa"] = medqa
    return data


def error_body(message: str, kind: str, param: str | None = None) -> dict[str, Any]:
    """The OpenAI error shape, so OpenAI clients raise a readable exception."""
    return {"error": {"message": message, "type": kind, "param": param, "code": None}}
