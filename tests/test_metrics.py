"""GET /metrics: the Prometheus text format (parsed with prometheus_client's own parser), counters
that move with requests, answers counted by kind, and the API key in front when one is set."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("prometheus_client")

from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from fakes import ASTHMA, SECRET, chat, fake_assistant, serve  # noqa: E402
from medqa.retrieval.index import Index  # noqa: E402


def scrape(client, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # noqa: ANN001
    """Every sample of /metrics: (name, sorted labels) -> value."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:  # noqa: ANN001
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


CHAT = (("method", "POST"), ("route", "/v1/chat/completions"), ("status", "200"))


def test_counters_move_after_a_streamed_chat_request(tmp_path: Path, index: Index) -> None:
    with serve(tmp_path, fake_assistant(index)) as client:
        before = scrape(client)
        assert value(before, "medqa_answers_total", kind="generated") == 0  # every kind exists from the start
        with client.stream(
            "POST", "/v1/chat/completions", json={"messages": [{"role": "user", "content": ASTHMA}], "stream": True}
        ) as response:
            assert response.status_code == 200
            response.read()
        after = scrape(client)
    assert value(after, "medqa_requests_total", **dict(CHAT)) == value(before, "medqa_requests_total", **dict(CHAT)) + 1
    kinds = ("generated", "quoted", "abstained", "emergency", "out_of_scope")
    assert sum(value(after, "medqa_answers_total", kind=k) for k in kinds) == 1
    assert sum(value(after, "medqa_answer_sentences_total", source=s) for s in ("generated", "quoted", "removed")) >= 1
    assert value(after, "medqa_time_to_first_text_seconds_count") == 1
    assert value(after, "medqa_answer_seconds_count") == 1
    assert value(after, "medqa_time_to_first_text_seconds_sum") <= value(after, "medqa_answer_seconds_sum") + 1.0
    assert value(after, "medqa_answers_in_flight") == 0
    # The scrape before was counted too, under its route: paths without a route are one series.
    assert value(after, "medqa_requests_total", method="GET", route="/metrics", status="200") >= 1


def test_answers_are_counted_by_kind(tmp_path: Path, index: Index) -> None:
    with serve(tmp_path, fake_assistant(index)) as client:
        assert chat(client, "Her face drooping on one side, what now?").status_code == 200  # the stub's emergency
        assert chat(client, "zzz qqq").status_code == 200  # nothing relevant in the corpus: abstains
        assert chat(client).status_code == 200
        client.get("/no/such/page")
        samples = scrape(client)
    assert value(samples, "medqa_answers_total", kind="emergency") == 1
    assert value(samples, "medqa_answers_total", kind="abstained") == 1
    # the scripted answer: generated, or quoted when too little of it survives the support check
    assert sum(value(samples, "medqa_answers_total", kind=kind) for kind in ("generated", "quoted")) == 1
    assert value(samples, "medqa_answer_seconds_count") == 3
    assert value(samples, "medqa_time_to_first_text_seconds_count") == 0  # only streamed answers have one
    assert value(samples, "medqa_requests_total", method="GET", route="unmatched", status="404") == 1


def test_a_quoted_answer_is_counted_as_quoted(tmp_path: Path, index: Index) -> None:
    with serve(tmp_path, fake_assistant(index, generator=None), allow_extractive=True) as client:  # no model
        assert chat(client).status_code == 200
        samples = scrape(client)
    assert value(samples, "medqa_answers_total", kind="quoted") == 1


def test_answer_kind_reads_the_structured_answer() -> None:
    from medqa.assistant.answer import Answer
    from medqa.assistant.compose import Sentence
    from medqa.server.metrics import answer_kind

    said = Sentence("Inhalers open the airways.", "generated", [1])
    quote = Sentence("An inhaler opens them.", "quoted", [1])

    def answer(sentences: list[Sentence], abstained: bool = False, **flags: bool) -> Answer:
        return Answer("ans-1", "text", [], "none", "none", abstained, "disclaimer", sentences=sentences, **flags)

    assert answer_kind(answer([said, quote])) == "generated"
    assert answer_kind(answer([said, quote], extractive=True)) == "quoted"
    assert answer_kind(answer([quote])) == "quoted"
    assert answer_kind(answer([], abstained=True)) == "abstained"
    assert answer_kind(answer([], out_of_scope=True)) == "out_of_scope"
    emergency = Answer("ans-2", "Call 911 now.", [], "emergency", "stroke", False, "disclaimer")
    assert answer_kind(emergency) == "emergency"


def test_metrics_need_the_api_key_when_one_is_set(tmp_path: Path, index: Index) -> None:
    with serve(tmp_path, fake_assistant(index), api_key=SECRET) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        samples = scrape(client, Authorization=f"Bearer {SECRET}")
    assert value(samples, "medqa_requests_total", method="GET", route="/metrics", status="401") == 2
