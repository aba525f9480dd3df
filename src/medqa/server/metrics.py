"""`GET /metrics`: the server's figures in the Prometheus text format, for Prometheus and Grafana.

Each app has its own registry (tests and several apps in one process do not share counters). On the
request path only cheap updates happen (a counter increment, a histogram bucket, a gauge add); the
generator's token counts and queue are read from its own counters when Prometheus scrapes, so an
answer never waits for the metrics.

Series (all prefixed `medqa_`):

- `requests_total{route, method, status}`: every HTTP response; `route` is the route's path template
  (`/v1/chat/completions`), `unmatched` for paths no route serves (so a scanner cannot create series);
- `time_to_first_text_seconds`: from the request to the first answer text of a streamed answer;
- `answer_seconds`: from the request to the complete answer (streamed or not);
- `answers_total{kind}`: `generated` (the model's checked sentences), `quoted` (passage sentences
  word for word: the model's text did not survive the support check, or there is no model),
  `abstained` (no trusted source), `emergency` (the emergency response), `out_of_scope` (declined);
- `answer_sentences_total{source}`: sentences shown, `generated` or `quoted`, and `removed` (written by
  the model, failed the checks, not shown): the share of the model's text that survives;
- `answers_in_flight`: chat requests being answered or waiting for a worker;
- `generator_prompt_tokens_total`, `generator_prompt_tokens_cached_total`, `generator_output_tokens_total`,
  `generator_waiting`, `generator_running`, `generator_prompt_tokens_pending`: from the llama.cpp
  engine (tokens read, of which reused from the cache, tokens written; sequences waiting for a slot,
  decoding, and prompt tokens not yet read: the queue a new question's first text waits behind).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, Literal, Protocol, get_args

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medqa.assistant.answer import Answer

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # the Prometheus text format
# Seconds: the serving targets (1 s first text, 3 s answer for one user; 3 s first text for 8) fall on edges.
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 60.0)
AnswerKind = Literal["generated", "quoted", "abstained", "emergency", "out_of_scope"]


class GeneratorStats(Protocol):
    """What a generator's `stats()` returns (the llama.cpp engine's counters)."""

    prompt_tokens: int
    cached_prompt_tokens: int
    output_tokens: int
    waiting: int
    running: int
    pending_prompt_tokens: int


def answer_kind(answer: Answer) -> AnswerKind:
    """Which kind of answer the reader got, from the structured answer."""
    if answer.triage == "emergency":
        return "emergency"
    if answer.out_of_scope:
        return "out_of_scope"
    if answer.abstained:
        return "abstained"
    # Completed with passage sentences (too little of the model's text survived, or no model), or the model's
    # sentences were all replaced by the passage sentences they tried to say.
    generated = any(sentence.source == "generated" for sentence in answer.sentences)
    return "generated" if generated and not answer.extractive else "quoted"


class _GeneratorCollector(Collector):
    """The generator's counters, read at scrape time (nothing is copied on the request path)."""

    def __init__(self, stats: Callable[[], GeneratorStats | None]) -> None:
        self.stats = stats

    def collect(self) -> Iterable[Metric]:
        stats = self.stats()
        if stats is None:  # loading, or a generator without counters (transformers, remote)
            return
        counters = (
            ("generator_prompt_tokens", "Prompt tokens given to the model", stats.prompt_tokens),
            (
                "generator_prompt_tokens_cached",
                "Prompt tokens reused from the key/value cache instead of read",
                stats.cached_prompt_tokens,
            ),
            ("generator_output_tokens", "Tokens the model generated", stats.output_tokens),
        )
        for name, doc, value in counters:
            yield CounterMetricFamily(f"medqa_{name}", doc, value=value)
        gauges = (
            ("generator_waiting", "Answers waiting for a sequence slot of the engine", stats.waiting),
            ("generator_running", "Answers the engine is reading or writing", stats.running),
            (
                "generator_prompt_tokens_pending",
                "Prompt tokens admitted but not yet read (the work ahead of a new question's first text)",
                stats.pending_prompt_tokens,
            ),
        )
        for name, doc, value in gauges:
            yield GaugeMetricFamily(f"medqa_{name}", doc, value=value)


class ServerMetrics:
    """The server's metrics, in a registry of their own."""

    def __init__(self, generator_stats: Callable[[], GeneratorStats | None] = lambda: None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "medqa_requests", "HTTP responses by route, method and status", ["route", "method", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.first_text = Histogram(
            "medqa_time_to_first_text_seconds",
            "Request to the first answer text of a streamed answer",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.answer_seconds = Histogram(
            "medqa_answer_seconds",
            "Request to the complete answer (streamed or not)",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.answers = Counter("medqa_answers", "Answers by kind", ["kind"], registry=self.registry)
        self.sentences = Counter(
            "medqa_answer_sentences",
            "Answer sentences shown (by source) or removed",
            ["source"],
            registry=self.registry,
        )
        for source in ("generated", "quoted", "removed"):
            self.sentences.labels(source)
        for kind in get_args(AnswerKind):  # every kind is a series from the start (rate() needs a zero)
            self.answers.labels(kind)
        self.in_flight = Gauge(
            "medqa_answers_in_flight", "Chat requests being answered or waiting for a worker", registry=self.registry
        )
        self.registry.register(_GeneratorCollector(generator_stats))

    def render(self) -> bytes:
        """The text Prometheus scrapes."""
        return generate_latest(self.registry)

    def answered(self, answer: Answer, started: float) -> None:
        """Count a complete answer; `started` is the request's `time.perf_counter()`."""
        self.answers.labels(answer_kind(answer)).inc()
        for sentence in answer.sentences:
            self.sentences.labels(sentence.source).inc()
        if answer.removed:
            self.sentences.labels("removed").inc(len(answer.removed))
        self.answer_seconds.observe(time.perf_counter() - started)

    async def watch_stream(self, chunks: AsyncIterator[str], started: float) -> AsyncIterator[str]:
        """`chunks` (server-sent events) passed on unchanged, timing the first one that carries answer
        text, and counted in flight until the stream ends."""
        self.in_flight.inc()
        waiting = True
        try:
            async for text in chunks:
                if waiting and _has_text(text):
                    self.first_text.observe(time.perf_counter() - started)
                    waiting = False
                yield text
        finally:
            self.in_flight.dec()
            await chunks.aclose()  # type: ignore[attr-defined]  # an async generator: close it now, not at GC


def _has_text(event: str) -> bool:
    """Whether a server-sent event carries answer text: a chunk whose delta content is not empty
    (the first chunk only announces the role; comment lines and errors carry none)."""
    return event.startswith("data: {") and '"content": "' in event and '"content": ""' not in event


class RequestMetrics:
    """ASGI middleware: counts every HTTP response by route template, method and status."""

    def __init__(self, app: ASGIApp, metrics: ServerMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client sees if the app fails before answering

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route: Any = scope.get("route")  # set by the router on the scope it was given
            path = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(path, scope["method"], str(status)).inc()
