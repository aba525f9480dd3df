"""The continuous-batching llama.cpp engine on a tiny random Llama exported to GGUF (float32):
concurrent answers equal answers given alone, requests beyond the parallel slots wait and finish,
an answer closed early frees its cells, limits hold."""

from __future__ import annotations

import importlib.util
import threading
import time

import pytest

from medqa.errors import MedqaError
from medqa.inference.base import GenerationSettings

pytestmark = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python missing")

GREEDY = GenerationSettings(max_new_tokens=12, repetition_penalty=1.0)


@pytest.fixture(scope="module")
def gguf(tiny_llama, tmp_path_factory):
    from medqa.export.gguf import write_gguf
    from medqa.models import GGUF_FILE, load_model

    loaded = load_model(str(tiny_llama))
    return write_gguf(loaded.model, loaded.tokenizer, tmp_path_factory.mktemp("gguf") / GGUF_FILE, "f32")


@pytest.fixture
def engine(gguf):
    from medqa.inference.llamacpp_engine import BatchEngine

    engine = BatchEngine(gguf, n_threads=1, n_ctx=256, n_parallel=2, n_batch=32)
    yield engine
    engine.close()


PROMPTS = [
    [1, 5, 9, 13, 2],
    [1, 7, 7, 30, 4, 8],
    [1, 40, 2],
    [1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3],
]


def _idle(engine, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(engine._free_ids) == 2:
            return True
        time.sleep(0.01)
    return False


def test_answers_in_flight_together_equal_answers_given_alone(engine):
    alone = ["".join(engine.stream(p, GREEDY)) for p in PROMPTS]
    streams = [engine.stream(p, GREEDY) for p in PROMPTS]  # 4 requests, 2 slots: two wait for a free one
    together = ["".join(s) for s in streams]
    assert together == alone
    assert any(alone)
    assert _idle(engine)


def test_concurrent_callers_from_threads_all_finish(engine):
    results: dict[int, str] = {}

    def ask(i: int) -> None:
        results[i] = "".join(engine.stream(PROMPTS[i % len(PROMPTS)], GREEDY))

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == list(range(8))
    assert results[0] == results[4] and results[1] == results[5]


def test_closing_a_stream_early_frees_its_slot_and_cells(engine):
    stream = engine.stream(PROMPTS[0], GenerationSettings(max_new_tokens=200, repetition_penalty=1.0))
    next(stream)
    stream.close()
    assert _idle(engine)
    assert "".join(engine.stream(PROMPTS[1], GREEDY))  # the engine goes on serving


def test_should_stop_ends_the_answer(engine):
    pieces = []
    for piece in engine.stream(
        PROMPTS[0], GenerationSettings(max_new_tokens=200), should_stop=lambda: len(pieces) >= 3
    ):
        pieces.append(piece)
    assert len(pieces) <= 4
    assert _idle(engine)


def test_max_new_tokens_bounds_the_answer(engine):
    short = list(engine.stream(PROMPTS[1], GenerationSettings(max_new_tokens=5, repetition_penalty=1.0)))
    longer = "".join(engine.stream(PROMPTS[1], GREEDY))
    assert 0 < len(short) <= 5 + 1  # at most a piece per token, and bytes of a split character at the end
    assert longer.startswith("".join(short).rstrip("\ufffd")) and len(longer) > len("".join(short))


def test_limits_give_clear_errors(engine):
    with pytest.raises(MedqaError, match="sequence holds 256"):
        engine.stream([1] * 300, GREEDY)
    with pytest.raises(MedqaError, match="beam search"):
        engine.stream(PROMPTS[0], GenerationSettings(num_beams=2))
    engine.close()
    with pytest.raises(MedqaError, match="closed"):
        engine.stream(PROMPTS[0], GREEDY)


def test_the_generator_raises_a_too_long_prompt_while_it_is_read(gguf, tiny_llama):
    # The assistant reads the stream inside its fallback handler: an error at call time would escape it.
    from medqa.inference.backends import LlamaCppGenerator
    from medqa.inference.base import Prompt
    from medqa.models import load_tokenizer
    from medqa.prompt import PromptTemplate

    generator = LlamaCppGenerator(gguf, load_tokenizer(str(tiny_llama)), PromptTemplate(), n_ctx=64, n_parallel=1)
    try:
        stream = generator.stream(Prompt("word " * 200), GREEDY)
        with pytest.raises(MedqaError, match="a llama.cpp sequence holds"):
            next(stream)
    finally:
        generator.close()


def test_a_long_conversation_leaves_out_its_oldest_turns_to_fit(gguf, tiny_llama):
    from medqa.inference.backends import LlamaCppGenerator
    from medqa.inference.base import Prompt
    from medqa.models import load_tokenizer
    from medqa.prompt import PromptTemplate, encode_prompt

    tokenizer, template = load_tokenizer(str(tiny_llama)), PromptTemplate()
    generator = LlamaCppGenerator(gguf, tokenizer, template, n_ctx=128, n_parallel=1)
    roles = ["user", "assistant"] * 4
    history = [{"role": role, "content": f"turn {i} " + "word " * 12} for i, role in enumerate(roles)]
    try:
        ids = generator.prompt_ids(Prompt("what now?", [], history), max_new_tokens=GREEDY.max_new_tokens)
        assert len(ids) + GREEDY.max_new_tokens <= generator.engine.n_ctx
        fits = (encode_prompt(template, tokenizer, "what now?", [], history[n:]) for n in range(len(history) + 1))
        kept = next(n for n, candidate in enumerate(fits) if candidate == ids)
        assert 0 < kept < len(history)  # some turns had to go, the most recent ones stayed
        assert len(encode_prompt(template, tokenizer, "what now?", [], history[kept - 1 :])) + 12 > 128
        assert len("".join(generator.stream(Prompt("what now?", [], history), GREEDY))) > 0
    finally:
        generator.close()


def test_a_prompt_sharing_a_cached_start_reads_only_the_rest_and_answers_the_same(gguf):
    from medqa.inference.llamacpp_engine import BatchEngine

    first, second = [1, 5, 9, 13, 2, 8, 8, 3], [1, 5, 9, 13, 2, 40, 7]  # the same 5-token start
    answers = {}
    for reuse in (False, True):
        engine = BatchEngine(gguf, n_threads=1, n_ctx=256, n_parallel=2, n_batch=32, reuse_prefix=reuse)
        try:
            answers[reuse] = ["".join(engine.stream(p, GREEDY)) for p in (first, second, second)]
            stats = engine.stats()
        finally:
            engine.close()
        assert stats.prompt_tokens == len(first) + 2 * len(second)
        # 5 shared tokens, then the whole prompt but its last token (read again for its logits)
        assert stats.cached_prompt_tokens == (5 + len(second) - 1 if reuse else 0)
    assert answers[True] == answers[False] and any(answers[True])


def test_small_prefill_chunks_change_the_schedule_not_the_answers(gguf):
    from medqa.inference.llamacpp_engine import BatchEngine

    answers = []
    for chunk in (1, 32):
        engine = BatchEngine(gguf, n_threads=1, n_ctx=256, n_parallel=2, n_batch=32, prefill_chunk=chunk)
        try:
            streams = [engine.stream(p, GREEDY) for p in PROMPTS]  # prompts read while others answer
            answers.append(["".join(s) for s in streams])
        finally:
            engine.close()
    assert answers[0] == answers[1]


def test_stats_count_tokens_and_the_queue(engine):
    before = engine.stats()
    text = "".join(engine.stream(PROMPTS[1], GREEDY))
    assert text and _idle(engine)
    after = engine.stats()
    assert after.prompt_tokens - before.prompt_tokens == len(PROMPTS[1])
    assert 0 < after.output_tokens - before.output_tokens <= GREEDY.max_new_tokens
    assert (after.waiting, after.running, after.pending_prompt_tokens) == (0, 0, 0)


def test_engine_stats_reach_the_metrics_page(engine):
    from prometheus_client.parser import text_string_to_metric_families

    from medqa.server.metrics import ServerMetrics

    "".join(engine.stream(PROMPTS[0], GREEDY))
    _idle(engine)
    metrics = ServerMetrics(engine.stats)
    families = {f.name: f for f in text_string_to_metric_families(metrics.render().decode())}
    assert families["medqa_generator_prompt_tokens"].samples[0].value == len(PROMPTS[0])
    assert families["medqa_generator_output_tokens"].samples[0].value > 0
    assert families["medqa_generator_prompt_tokens_pending"].samples[0].value == 0
