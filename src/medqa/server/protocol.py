"""The HTTP contract: OpenAI-compatible chat requests and responses, feedback, with their limits.

Limits are declared on the fields, so a request beyond them is answered 422 naming the field
before any work is done. The structured answer travels in the extension field `medqa`.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_MESSAGE_CHARS = 4_000  # one message; a question plus context fits easily, a pasted book does not
MAX_MESSAGES = 40  # the assistant keeps only the last few turns anyway
MAX_TOKENS = 1_024  # the most new tokens an answer may ask for (CPU time per request)
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
    """422: each problem names its field; the offending input is never echoed back."""

    detail: list[FieldProblem]


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "loading", "failed", "degraded"]
    generator: str | None = None
    extractive: bool | None = None
    reason: str | None = None


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


class AssistantMessage(BaseModel):
    role: Literal["assistant"]
    content: str


class Choice(BaseModel):
    index: int
    message: AssistantMessage
    finish_reason: Literal["stop"]


class ChatCompletion(BaseModel):
    """A non-streamed answer; with `stream: true` the same arrives as `chat.completion.chunk` events."""

    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[Choice]
    medqa: MedqaAnswer


class FeedbackStored(BaseModel):
    status: Literal["stored"]


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
