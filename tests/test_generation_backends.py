"""Backends behind the Generator interface: the OpenAI-compatible remote backend against a fake
server (httpx MockTransport), backend selection, and (slow, when installed) llama.cpp."""

from __future__ import annotations

import importlib.util
import json

import httpx
import pytest

from fakes import ROWS, StubTriage
from medqa.assistant.answer import Assistant, AssistantConfig
from medqa.errors import MedqaError
from medqa.inference.backends import OpenAIGenerator, RemoteGenerationError
from medqa.inference.base import GenerationSettings, Prompt, TransformersGenerator
from medqa.inference.load import load_generator
from medqa.prompt import PromptTemplate

pytestmark = pytest.mark.usefixtures("one_thread")  # torch single-threaded: see fakes.single_thread

needs_llama_cpp = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python missing")
PROMPT = Prompt("What is asthma?", ["Asthma narrows the airways."], [{"role": "user", "content": "hi"}])


def _sse(pieces: list[str]) -> bytes:
    chunks = [
        {
            "id": "c1",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "served",
            "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
        }
        for piece in pieces
    ]
    return "".join(f"data: {json.dumps(c)}\n\n" for c in chunks).encode() + b"data: [DONE]\n\n"


class FakeServer:
    """An OpenAI-compatible server in a MockTransport: records requests, streams fixed pieces."""

    def __init__(self, pieces: list[str], status: int = 200) -> None:
        self.pieces, self.status = pieces, status
        self.requests: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/models"):
            return httpx.Response(
                200,
                json={"object": "list", "data": [{"id": "served", "object": "model", "created": 0, "owned_by": "me"}]},
            )
        self.requests.append(json.loads(request.content))
        if self.status != 200:
            return httpx.Response(self.status, json={"error": {"message": "model overloaded"}})
        return httpx.Response(200, content=_sse(self.pieces), headers={"content-type": "text/event-stream"})

    def generator(self, **kwargs) -> OpenAIGenerator:  # noqa: ANN003
        client = httpx.Client(transport=httpx.MockTransport(self))
        return OpenAIGenerator("http://fake/v1", http_client=client, max_retries=0, **kwargs)


def _unreachable() -> OpenAIGenerator:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    return OpenAIGenerator("http://down/v1", "m", max_retries=0, http_client=client)


def test_openai_backend_sends_the_template_messages_and_streams():
    server = FakeServer(["Asthma ", "narrows ", "the airways [1]."])
    template = PromptTemplate(system="Be careful.")
    generator = server.generator(model="medqa-ft", template=template)
    settings = GenerationSettings(max_new_tokens=17, repetition_penalty=1.2)
    assert list(generator.stream(PROMPT, settings)) == ["Asthma ", "narrows ", "the airways [1]."]
    sent = server.requests[0]
    assert sent["messages"] == template.messages(PROMPT.question, PROMPT.passages, PROMPT.history)
    assert sent["model"] == "medqa-ft" and sent["stream"] is True and sent["max_tokens"] == 17
    assert sent["temperature"] == 0.0 and sent["repetition_penalty"] == 1.2 and "top_p" not in sent
    assert generator.generate([PROMPT], settings) == ["Asthma narrows the airways [1]."]
    list(generator.stream(PROMPT, GenerationSettings(max_new_tokens=17, min_new_tokens=8)))
    assert server.requests[-1]["min_tokens"] == 8 and "repetition_penalty" in server.requests[-1]  # vLLM's name
    # a request's max_tokens below a model's saved minimum wins (the API's "max_tokens": 16 on a 64-token minimum)
    assert GenerationSettings(max_new_tokens=16, min_new_tokens=64).min_new_tokens == 16


def test_openai_backend_asks_the_server_for_its_model_when_none_is_named():
    server = FakeServer(["ok"])
    generator = server.generator()
    assert generator.generate([PROMPT], GenerationSettings()) == ["ok"]
    assert server.requests[0]["model"] == "served"


def test_openai_backend_stops_when_asked():
    server = FakeServer(["one ", "two ", "three"])
    received: list[str] = []
    for piece in server.generator(model="m").stream(PROMPT, GenerationSettings(), should_stop=lambda: bool(received)):
        received.append(piece)
    assert received == ["one "]


def test_openai_backend_errors_become_one_clear_exception():
    down = _unreachable()
    with pytest.raises(RemoteGenerationError, match="http://down/v1 failed: APIConnectionError"):
        list(down.stream(PROMPT, GenerationSettings()))
    with pytest.raises(RemoteGenerationError, match="HTTP 503"):
        list(FakeServer([], status=503).generator(model="m").stream(PROMPT, GenerationSettings()))
    assert issubclass(RemoteGenerationError, MedqaError)


def test_unreachable_server_gives_the_extractive_answer(index):
    down = _unreachable()
    assistant = Assistant(index, StubTriage(), down, AssistantConfig(k=2, min_relevance=0.5))
    answer = assistant.answer("What is asthma and the inhaler?")
    assert answer.extractive and answer.sentences and all(s.source == "quoted" for s in answer.sentences)


def test_backend_selection(tiny_llama, monkeypatch):
    import medqa.inference.backends as backends

    with pytest.raises(MedqaError, match="unknown backend"):
        load_generator(str(tiny_llama), backend="vllm")
    with pytest.raises(MedqaError, match="--base-url"):
        load_generator(None, backend="openai")
    remote, error, _ = load_generator(None, backend="openai", base_url="http://x/v1", api_model="m")
    assert isinstance(remote, OpenAIGenerator) and error is None and remote.template == PromptTemplate()
    # auto: no GGUF for this folder -> transformers, whether or not llama.cpp is installed
    auto, error, _ = load_generator(str(tiny_llama), backend="auto")
    assert isinstance(auto, TransformersGenerator) and error is None
    monkeypatch.setattr(backends, "llama_cpp_available", lambda: False)
    auto, error, _ = load_generator(str(tiny_llama), backend="auto")
    assert isinstance(auto, TransformersGenerator)
    # explicit llamacpp without a GGUF: no generator, and the reason (the assistant goes extractive)
    missing, error, _ = load_generator(str(tiny_llama), backend="llamacpp")
    assert missing is None and "no GGUF" in error


def test_llama_cpp_missing_is_explained(tmp_path, monkeypatch):
    import medqa.inference.backends as backends

    monkeypatch.setattr(backends, "llama_cpp_available", lambda: False)
    with pytest.raises(MedqaError, match="llama-cpp-python"):
        backends.LlamaCppGenerator(tmp_path / "model.gguf", None, PromptTemplate())


# ------------------------------------------------------------------------------ llama.cpp, real model
@pytest.fixture(scope="module")
def bundled_llama_cpp():
    generator, error, _ = load_generator("smollm2-135m", backend="llamacpp")
    assert error is None, error
    return generator


@pytest.mark.slow
@needs_llama_cpp
def test_llama_cpp_on_the_bundled_gguf_answers(bundled_llama_cpp):
    settings = GenerationSettings(max_new_tokens=24)
    [answer] = bundled_llama_cpp.generate([Prompt("What is asthma?")], settings)
    assert len(answer.split()) >= 5 and "<|im_end|>" not in answer
    assert bundled_llama_cpp.generate([Prompt("What is asthma?")], settings) == [answer]  # greedy: repeatable


@pytest.mark.slow
@needs_llama_cpp
def test_llama_cpp_streams_and_stops(bundled_llama_cpp):
    settings = GenerationSettings(max_new_tokens=64)
    pieces = list(bundled_llama_cpp.stream(Prompt("What is diabetes?"), settings))
    assert len(pieces) > 3
    stopped: list[str] = []
    for piece in bundled_llama_cpp.stream(Prompt("What is diabetes?"), settings, should_stop=lambda: len(stopped) >= 2):
        stopped.append(piece)
    assert len(stopped) == 2 and "".join(stopped) == "".join(pieces[:2])


@pytest.mark.slow
@needs_llama_cpp
def test_llama_cpp_does_not_end_an_answer_before_its_minimum(bundled_llama_cpp):
    """A degenerate one-line answer is not possible: the end is not sampled before min_new_tokens."""
    question = [Prompt("What is 2+2? Answer with a number only.")]
    [short] = bundled_llama_cpp.generate(question, GenerationSettings(max_new_tokens=60))
    [longer] = bundled_llama_cpp.generate(question, GenerationSettings(max_new_tokens=60, min_new_tokens=40))
    count = lambda text: len(bundled_llama_cpp.tokenizer(text, add_special_tokens=False)["input_ids"])  # noqa: E731
    assert count(short) < 20 and count(longer) >= 38  # pieces re-tokenised: a token or two may merge
    assert longer.startswith(short.rstrip("."))


@pytest.mark.slow
@needs_llama_cpp
def test_llama_cpp_samples_with_temperature(bundled_llama_cpp):
    settings = GenerationSettings(max_new_tokens=16, temperature=0.8, top_p=0.9, seed=3)
    [first] = bundled_llama_cpp.generate([Prompt("What is gout?")], settings)
    assert first and bundled_llama_cpp.generate([Prompt("What is gout?")], settings) == [first]  # seeded


@pytest.mark.slow
@needs_llama_cpp
def test_auto_picks_llama_cpp_for_the_bundled_model():
    generator, error, _ = load_generator("smollm2-135m")
    assert error is None and generator.name == "llamacpp"


@pytest.mark.slow
@needs_llama_cpp
def test_a_llama_cpp_assistant_answers_without_torch(tmp_path):
    """Serving on llama.cpp loads neither torch, transformers nor scikit-learn (~0.5 GB of memory)."""
    import subprocess
    import sys

    from medqa.models import resolve_model
    from medqa.retrieval.corpus import passages_from_rows
    from medqa.retrieval.embedding import MiniLMEmbedder
    from medqa.retrieval.index import Index

    resolve_model("smollm2-135m")  # the bundled model's tokenizer folder, converted once (with torch)
    Index.build(passages_from_rows(ROWS), MiniLMEmbedder()).persist(tmp_path / "index")
    code = f"""
import json, sys
from medqa.assistant.answer import AssistantConfig
from medqa.assistant.load import load_assistant
from medqa.inference.base import GenerationSettings
config = AssistantConfig(generation=GenerationSettings(max_new_tokens=16))
assistant = load_assistant("smollm2-135m", {str(tmp_path / "index")!r}, config, backend="llamacpp")
answer = assistant.answer("How is asthma treated?")
heavy = [m for m in ("torch", "transformers", "sklearn", "sentence_transformers") if m in sys.modules]
print(json.dumps({{"error": assistant.generator_error, "url": answer.citations[0].url, "heavy": heavy}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"error": None, "url": "https://ex.org/asthma", "heavy": []}


def test_engine_tuning_reads_the_environment_and_names_a_bad_value(monkeypatch):
    from medqa.inference.backends import engine_tuning

    assert engine_tuning() == {}
    monkeypatch.setenv("MEDQA_LLAMACPP_PREFILL_CHUNK", "128")
    monkeypatch.setenv("MEDQA_LLAMACPP_PREFIX_CACHE", "0")
    assert engine_tuning() == {"prefill_chunk": 128, "reuse_prefix": False}
    monkeypatch.setenv("MEDQA_LLAMACPP_PREFILL_CHUNK", "lots")
    with pytest.raises(MedqaError, match="MEDQA_LLAMACPP_PREFILL_CHUNK must be a whole number"):
        engine_tuning()
    monkeypatch.setenv("MEDQA_LLAMACPP_PREFILL_CHUNK", "64")
    monkeypatch.setenv("MEDQA_LLAMACPP_PREFIX_CACHE", "maybe")
    with pytest.raises(MedqaError, match="MEDQA_LLAMACPP_PREFIX_CACHE must be 0 or 1"):
        engine_tuning()
