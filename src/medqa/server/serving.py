"""The chat logic between HTTP and the assistant: settings mapping, the worker pool, SSE chunks.

Generation is CPU-bound and blocking, so each answer's `Assistant.stream` runs in a bounded
thread pool (`workers` threads; torch, llama.cpp and the tokenizer release the GIL while they
compute). With the llama.cpp backend the threads mostly wait: its engine decodes every answer in
flight together (continuous batching, `medqa.inference.llamacpp_engine`), so 8 workers let 8 users be
answered at once instead of queueing behind each other. The event loop only relays pieces, so
health checks and other requests stay responsive while answers are being generated; requests
beyond the pool wait in its queue, and beyond `max_queue` waiting ones the server answers 503
"busy" instead of letting latency grow unbounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from medqa.assistant.answer import Answer, Assistant, Event
from medqa.inference.base import GenerationSettings
from medqa.server.feedback import FeedbackStore
from medqa.server.protocol import ChatCompletionRequest, Reply, error_body, medqa_field
from medqa.server.recent import RecentAnswers
from medqa.server.usage import Meter

MODEL_ID = "medqa"  # one assistant per server; the name clients send as `model` is not checked
KEEPALIVE_S = 1.0  # an SSE comment after this long without text while the answer's sentences are checked
_END = object()


class AnswerStopped(Exception):
    """Generation ended before the final answer: the client disconnected."""


class ChatService:
    """Answers chat requests with the assistant, off the event loop."""

    def __init__(
        self,
        assistant: Assistant,
        workers: int = 8,
        max_queue: int = 32,
        store: FeedbackStore | None = None,
        log_conversations: bool = False,
        answers_kept: int = 1000,
    ) -> None:
        self.assistant = assistant
        self.recent = RecentAnswers(answers_kept)  # for GET /api/answers/{id}
        self.workers = workers
        self.max_queue = max_queue
        self.store = store
        self.log_conversations = log_conversations
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix="medqa-answer")
        self._active = 0  # answers running or queued
        self._lock = threading.Lock()

    @property
    def busy(self) -> bool:
        """True when the pool and its queue are full: a new request would only wait too long."""
        return self._active >= self.workers + self.max_queue

    def close(self) -> None:
        """Let running answers finish (graceful shutdown), drop queued ones."""
        self.executor.shutdown(wait=True, cancel_futures=True)

    def settings_for(self, request: ChatCompletionRequest) -> GenerationSettings:
        """The request's decoding settings over the assistant's defaults."""
        return dataclasses.replace(self.assistant.config.generation, **request.generation_changes())

    async def events(
        self, request: ChatCompletionRequest, stop: threading.Event, meter: Meter | None = None
    ) -> AsyncIterator[Event]:
        """The assistant's events for `request`, generated in the pool; setting `stop` ends generation.
        `meter` counts the model's tokens and applies the request's stop sequences."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        settings = self.settings_for(request)
        assistant = meter.attach(self.assistant) if meter is not None else self.assistant

        def put(item: Any) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is gone (shutdown): nobody is listening any more
                stop.set()

        def work() -> None:
            events = assistant.stream(request.question, request.history, stop.is_set, settings)
            try:
                with contextlib.closing(events):  # closing it on stop closes the model's stream at once
                    for event in events:
                        put(event)
                        if stop.is_set():
                            break
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's task
                put(exc)
            finally:
                put(_END)

        with self._lock:
            self._active += 1
        try:
            self.executor.submit(work)
            while (item := await queue.get()) is not _END:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()  # the client went away or the answer is complete: stop generating either way
            with self._lock:
                self._active -= 1

    async def complete(
        self, request: ChatCompletionRequest, stop: threading.Event, on_answer: Callable[[Answer], None]
    ) -> dict[str, Any]:
        """A whole `chat.completion`."""
        answer, meter = None, Meter(request.stop_sequences)
        async for event in self.events(request, stop, meter):
            if event.kind == "final":
                answer = event.answer
        if answer is None:
            raise AnswerStopped
        await self._finish(request, answer, on_answer)
        truncated = meter.truncated(answer)
        medqa, reply = medqa_field(answer.as_dict(), request, truncated), Reply.new(MODEL_ID)
        self.recent.add(reply.id, medqa)
        return reply.completion(answer.full_text(), medqa, _finish_reason(truncated), meter.usage())

    async def stream(
        self, request: ChatCompletionRequest, stop: threading.Event, on_answer: Callable[[Answer], None]
    ) -> AsyncIterator[str]:
        """Server-sent events: role, checked answer text as it comes, sources + disclaimer with `medqa`,
        stop, the usage when asked for (`stream_options.include_usage`), [DONE]; a comment line keeps the
        connection alive while sentences are held back."""
        reply, meter = Reply.new(MODEL_ID), Meter(request.stop_sequences)
        yield sse(reply.chunk({"role": "assistant", "content": ""}))
        aligner = TextAligner()
        last_sent = time.monotonic()
        try:
            async for event in self.events(request, stop, meter):
                if event.kind == "delta":
                    if text := aligner.push(event.text):
                        yield sse(reply.chunk({"content": text}))
                        last_sent = time.monotonic()
                elif event.kind == "hold":
                    # The model's text is being held back or removed by the support check: a comment
                    # line (ignored by SSE clients) now and then tells the client and proxies we are alive.
                    if time.monotonic() - last_sent >= KEEPALIVE_S:
                        yield ": checking the answer against its sources\n\n"
                        last_sent = time.monotonic()
                elif event.answer is not None:
                    await self._finish(request, event.answer, on_answer)
                    rest = aligner.rest(event.answer)
                    truncated = meter.truncated(event.answer)
                    medqa = medqa_field(event.answer.as_dict(), request, truncated)
                    self.recent.add(reply.id, medqa)
                    yield sse(reply.chunk({"content": rest}, medqa=medqa))
                    yield sse(reply.chunk({}, finish_reason=_finish_reason(truncated)))
                    if request.include_usage:
                        yield sse(reply.usage_chunk(meter.usage()))
        except Exception:  # noqa: BLE001 - the status line is sent already: report in the stream
            yield sse(error_body("the answer failed; please try again", "server_error"))
        yield "data: [DONE]\n\n"

    async def _finish(
        self, request: ChatCompletionRequest, answer: Answer, on_answer: Callable[[Answer], None]
    ) -> None:
        on_answer(answer)
        if self.log_conversations and self.store is not None:
            await asyncio.to_thread(
                self.store.log_conversation, answer.id, request.question, answer.full_text(), answer.triage
            )


def _finish_reason(truncated: bool) -> str:
    return "length" if truncated else "stop"


class TextAligner:
    """Makes the streamed text a prefix of `Answer.full_text()`.

    The assistant strips the final answer, so leading whitespace is dropped and trailing
    whitespace is held back until more text follows; the final chunk then adds exactly the
    rest of `full_text()`, and streamed content == non-streamed content.
    """

    def __init__(self) -> None:
        self.sent = ""
        self._held = ""

    def push(self, text: str) -> str:
        text = self._held + text
        if not self.sent:
            text = text.lstrip()
        body = text.rstrip()
        self._held = text[len(body) :]
        self.sent += body
        return body

    def rest(self, answer: Answer) -> str:
        full = answer.full_text()
        if full.startswith(self.sent):
            return full[len(self.sent) :]
        # Only when the assistant changed text already sent (whitespace inside): add sources and disclaimer.
        return full[len(answer.answer) :]


def sse(data: dict[str, Any]) -> str:
    """One server-sent event."""
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"
