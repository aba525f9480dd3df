"""The API as real clients use it (issue 16): the official `openai` client and the `llm` CLI against a
real server on a free port, with the real assistant over the tiny index (fakes.py). Usage, finish
reasons, token limits, refused promises, OpenAI's error statuses, history with medqa's own
boilerplate, one line per source page, the smaller contract details, and answers by id."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

openai = pytest.importorskip("openai")

import httpx  # noqa: E402

from fakes import ASTHMA, ROWS, SECRET, OneHotEmbedder, fake_assistant, live_server  # noqa: E402
from medqa.inference.base import GenerationSettings, Prompt  # noqa: E402
from medqa.retrieval.index import Index  # noqa: E402
from medqa.server.protocol import MAX_TOKENS  # noqa: E402
from medqa.server.recent import RecentAnswers  # noqa: E402

ANSWER = "Asthma narrows the airways [1]. An inhaler opens them [1]. "  # both sentences of the asthma passage


class WordTokenizer:
    """One token per whitespace-separated word: counts a test can check by hand."""

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        return list(range(len(text.split())))


@dataclass
class WordGenerator:
    """Writes `text` one word (= one token) at a time and, like a real engine, stops at max_new_tokens."""

    text: str = ANSWER
    name: str = "words"
    tokenizer: WordTokenizer = field(default_factory=WordTokenizer)
    prompts: list[Prompt] = field(default_factory=list)
    settings: list[GenerationSettings] = field(default_factory=list)
    pulled: int = 0  # words the last answer took from it

    def prompt_ids(self, prompt: Prompt) -> list[int]:
        words = " ".join([prompt.question, *prompt.passages, *(t["content"] for t in prompt.history)]).split()
        return list(range(len(words)))

    def generate(self, prompts: list[Prompt], settings: GenerationSettings) -> list[str]:
        return ["".join(self.stream(p, settings)) for p in prompts]

    def stream(
        self, prompt: Prompt, settings: GenerationSettings, should_stop: Callable[[], bool] | None = None
    ) -> Iterator[str]:
        self.prompts.append(prompt)
        self.settings.append(settings)
        self.pulled = 0
        for word in self.text.split()[: settings.max_new_tokens]:
            self.pulled += 1
            yield word + " "


@pytest.fixture
def words(index: Index) -> WordGenerator:
    return WordGenerator()


@pytest.fixture
def server(tmp_path: Path, index: Index, words: WordGenerator) -> Iterator[str]:
    with live_server(tmp_path, fake_assistant(index, generator=words)) as url:
        yield url


def client_for(url: str, key: str = "none") -> Any:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0)


def ask(client: Any, content: str = ASTHMA, **fields: Any) -> Any:
    return client.chat.completions.create(model="medqa", messages=[{"role": "user", "content": content}], **fields)


# ----------------------------------------------------------------------------------------- 1. usage
def test_usage_counts_the_prompt_read_and_the_tokens_written(server: str, words: WordGenerator) -> None:
    client = client_for(server)
    completion = ask(client)
    usage = completion.usage
    assert usage.prompt_tokens == len(words.prompt_ids(words.prompts[-1])) > 0
    assert usage.completion_tokens == len(ANSWER.split())
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    chunks = list(ask(client, stream=True, stream_options={"include_usage": True}))
    assert chunks[-1].choices == [] and chunks[-1].usage == usage  # the usage chunk comes last
    assert all(c.usage is None for c in chunks[:-1])
    without = list(ask(client, stream=True))
    assert all(c.usage is None for c in without) and without[-1].choices[0].finish_reason == "stop"
    emergency = ask(client, "my dad's face drooping right now")  # answered without the model
    assert emergency.usage.total_tokens == 0 and emergency.model_extra["medqa"]["triage"] == "emergency"


# ----------------------------------------------------------------------------------------- 4, 5. limits
def test_finish_reason_is_length_when_max_tokens_cut_the_answer(server: str) -> None:
    client = client_for(server)
    cut = ask(client, max_tokens=5)
    assert cut.choices[0].finish_reason == "length" and cut.model_extra["medqa"]["truncated"] is True
    assert cut.usage.completion_tokens == 5
    streamed = list(ask(client, max_tokens=5, stream=True))
    assert streamed[-1].choices[0].finish_reason == "length"
    whole = ask(client)
    assert whole.choices[0].finish_reason == "stop" and whole.model_extra["medqa"]["truncated"] is False


def test_max_tokens_above_the_maximum_is_lowered_and_said_so(server: str, words: WordGenerator) -> None:
    client = client_for(server)
    raw = client.chat.completions.with_raw_response.create(
        model="medqa", messages=[{"role": "user", "content": ASTHMA}], max_tokens=4096
    )
    completion = raw.parse()
    assert raw.headers["x-medqa-max-tokens"] == str(MAX_TOKENS) and words.settings[-1].max_new_tokens == MAX_TOKENS
    medqa = completion.model_extra["medqa"]
    assert medqa["max_tokens"] == MAX_TOKENS and medqa["max_tokens_clamped"] is True
    streamed = client.chat.completions.with_raw_response.create(
        model="medqa", messages=[{"role": "user", "content": ASTHMA}], max_completion_tokens=5000, stream=True
    )
    assert streamed.headers["x-medqa-max-tokens"] == str(MAX_TOKENS)
    list(streamed.parse())
    plain = client.chat.completions.with_raw_response.create(
        model="medqa", messages=[{"role": "user", "content": ASTHMA}], max_tokens=64
    )
    assert "x-medqa-max-tokens" not in plain.headers and plain.parse().model_extra["medqa"]["max_tokens"] == 64
    for invalid in (0, -1):
        with pytest.raises(openai.BadRequestError) as error:
            ask(client, max_tokens=invalid)
        assert error.value.body["param"] == "max_tokens"


# ----------------------------------------------------------------------------------------- 6. promises
def test_json_output_and_required_tools_are_refused_with_the_reason(server: str) -> None:
    from pydantic import BaseModel

    class Summary(BaseModel):
        summary: str

    client = client_for(server)
    for response_format in ({"type": "json_object"}, {"type": "json_schema", "json_schema": {"name": "x"}}):
        with pytest.raises(openai.BadRequestError) as error:
            ask(client, response_format=response_format)
        assert error.value.status_code == 400 and error.value.body["param"] == "response_format"
        assert "never in JSON" in error.value.message
    with pytest.raises(openai.BadRequestError, match="never in JSON"):
        client.chat.completions.parse(
            model="medqa", messages=[{"role": "user", "content": ASTHMA}], response_format=Summary
        )
    tool = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}
    with pytest.raises(openai.BadRequestError, match="never calls tools"):
        ask(client, tools=[tool], tool_choice="required")
    with pytest.raises(openai.BadRequestError, match="never calls tools"):
        ask(client, tools=[tool], tool_choice={"type": "function", "function": {"name": "lookup"}})
    # an unused tools list, plain text output and sampling hints are fine
    fine = ask(client, tools=[tool], tool_choice="auto", response_format={"type": "text"}, presence_penalty=0.5)
    assert fine.choices[0].message.content


def test_stop_sequences_end_the_models_text_but_not_the_disclaimer(server: str, words: WordGenerator) -> None:
    client = client_for(server)
    full = ask(client)
    assert words.pulled == len(ANSWER.split())
    completion = ask(client, stop=["An inhaler"])
    assert words.pulled == ANSWER.split().index("inhaler") + 1  # generation ended at the stop sequence
    medqa = completion.model_extra["medqa"]
    written = [s["text"] for s in medqa["sentences"] if s["source"] == "generated"]
    assert not [text for text in written + [r["text"] for r in medqa["removed"]] if "inhaler" in text]
    content = completion.choices[0].message.content
    assert content.endswith(medqa["disclaimer"]) and "https://ex.org/asthma" in content  # medqa's own parts stay
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.completion_tokens < full.usage.completion_tokens
    streamed = list(ask(client, stop="An inhaler", stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in streamed if c.choices) == content


# ----------------------------------------------------------------------------------------- 7. errors
def test_invalid_requests_are_400_in_openais_shape(server: str) -> None:
    client = client_for(server)
    with pytest.raises(openai.BadRequestError) as error:
        ask(client, temperature=3)
    assert error.value.status_code == 400 and error.value.body["param"] == "temperature"
    malformed = httpx.post(
        f"{server}/v1/chat/completions", content=b'{"messages": [', headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400 and "invalid JSON" in malformed.json()["error"]["message"]
    image = [
        {"type": "text", "text": "What is this rash?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
    ]
    with pytest.raises(openai.BadRequestError) as error:
        client.chat.completions.create(model="medqa", messages=[{"role": "user", "content": image}])
    assert error.value.body["param"] == "messages.0.content"
    assert "part 1 is of type 'image_url'" in error.value.message and "text only" in error.value.message


def test_what_openai_accepts_is_accepted(server: str, words: WordGenerator) -> None:
    client = client_for(server)
    completion = ask(client, n=None, stream=None, top_p=0, seed=-7, temperature=0.8)
    assert completion.choices[0].message.content
    used = words.settings[-1]
    assert used.temperature == 0.0 and used.seed == (-7) % 2**32  # top_p 0: the most likely token only
    ask(client, seed=2**63, top_p=None)


# ----------------------------------------------------------------------------------------- 3. history
def test_history_with_medqas_own_additions_gives_the_same_prompt(server: str, words: WordGenerator) -> None:
    client = client_for(server)
    first = ask(client, "What is asthma?")
    shown = first.choices[0].message.content  # what every third-party client sends back
    medqa = first.model_extra["medqa"]
    assert "Sources:" in shown and medqa["disclaimer"] in shown
    follow_up = "And how is asthma treated with an inhaler?"

    def prompt_after(previous: str) -> Prompt:
        messages = [
            {"role": "user", "content": "What is asthma?"},
            {"role": "assistant", "content": previous},
            {"role": "user", "content": follow_up},
        ]
        client.chat.completions.create(model="medqa", messages=messages)
        return words.prompts[-1]

    with_boilerplate, without = prompt_after(shown), prompt_after(medqa["answer"])
    assert with_boilerplate == without
    assert "Sources" not in str(with_boilerplate.history) and medqa["disclaimer"] not in str(with_boilerplate.history)


# ----------------------------------------------------------------------------------------- 8. sources
def test_a_page_with_several_passages_is_one_line_of_the_sources(tmp_path: Path) -> None:
    rows = [
        *ROWS,
        {
            "question": "How is asthma treated?",
            "answer": "An inhaler with medicine treats asthma every day.",
            "url": "https://ex.org/asthma",
            "focus": "Asthma",
            "qid": "r6",
        },
    ]
    from medqa.retrieval.corpus import passages_from_rows

    index = Index.build(passages_from_rows(rows), embedder=OneHotEmbedder())
    pieces = ["An inhaler opens the airways [1]. ", "An inhaler with medicine treats asthma every day [2]. "]
    with live_server(tmp_path, fake_assistant(index, pieces)) as url:
        completion = ask(client_for(url))
    content = completion.choices[0].message.content
    citations = completion.model_extra["medqa"]["citations"]
    assert {c["url"] for c in citations} == {"https://ex.org/asthma"}
    sources = content.split("Sources:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert content.count("https://ex.org/asthma") == 1
    assert len([line for line in sources if "https://" in line]) == 1


# ----------------------------------------------------------------------------------------- 9. smaller things
def test_one_stream_has_one_id_and_one_created_time(server: str) -> None:
    chunks = list(ask(client_for(server), stream=True, stream_options={"include_usage": True}))
    assert len(chunks) > 3 and len({c.created for c in chunks}) == 1 and len({c.id for c in chunks}) == 1


def test_models_retrieve_request_ids_and_no_blank_docs(server: str) -> None:
    client = client_for(server)
    assert client.models.retrieve("medqa").id == "medqa"
    with pytest.raises(openai.NotFoundError, match="serves 'medqa'"):
        client.models.retrieve("gpt-4o")
    completion = ask(client)
    assert completion._request_id and completion._request_id.startswith("req_")
    echoed = httpx.get(f"{server}/health", headers={"X-Request-ID": "trace-42"})
    assert echoed.headers["x-request-id"] == "trace-42"
    assert httpx.get(f"{server}/health", headers={"X-Request-ID": "<script>"}).headers["x-request-id"] != "<script>"
    # /docs and /redoc would load their scripts from a CDN, which the security policy blocks: they are off
    for page in ("/docs", "/redoc"):
        assert httpx.get(f"{server}{page}").status_code == 404
    assert httpx.get(f"{server}/openapi.json").json()["paths"]["/v1/models/{model_id}"]


def test_ready_needs_the_key_for_details_and_never_shows_paths(tmp_path: Path, index: Index) -> None:
    with live_server(tmp_path, fake_assistant(index), api_key=SECRET) as url:
        public = httpx.get(f"{url}/ready")
        assert public.status_code == 200 and public.json() == {"status": "ready"}
        full = httpx.get(f"{url}/ready", headers={"Authorization": f"Bearer {SECRET}"}).json()
        assert full["status"] == "ready" and full["generator"] == "scripted"

    from fastapi.testclient import TestClient

    from fakes import settings, wait_ready
    from medqa.server.app import create_app

    def broken() -> Any:
        raise OSError("/srv/medqa/private/index/vectors.npy: unreadable")

    with TestClient(create_app(settings(tmp_path), broken)) as client:
        reason = wait_ready(client, 503)["reason"]
    assert "vectors.npy: unreadable" in reason and "/srv" not in reason and "private" not in reason


# ----------------------------------------------------------------------------------------- 2. rate limits
def test_the_rate_limit_is_per_api_key_and_metadata_calls_are_free(tmp_path: Path, index: Index) -> None:
    keys = f"{SECRET},{SECRET}-team-b"
    with live_server(tmp_path, fake_assistant(index), api_key=keys, rate_limit_burst=2, rate_limit_per_minute=1) as url:
        webui, other = client_for(url, SECRET), client_for(url, f"{SECRET}-team-b")
        for _ in range(5):  # what Open WebUI asks around every chat: not counted
            assert [m.id for m in webui.models.list()] == ["medqa"]
            assert httpx.get(f"{url}/ready").status_code == 200
        ask(webui)
        ask(webui)
        with pytest.raises(openai.RateLimitError):
            ask(webui)
        assert ask(other).choices[0].message.content  # another key, another bucket, same address
        assert webui.models.list().data  # metadata still answers
        guesser = client_for(url, "guess")
        with pytest.raises(openai.AuthenticationError):
            guesser.models.list()
        with pytest.raises(openai.AuthenticationError):
            guesser.models.list()
        with pytest.raises(openai.RateLimitError):  # wrong keys are counted per address, even on metadata
            guesser.models.list()


# ----------------------------------------------------------------------------------------- 10. answers by id
def test_the_structured_answer_is_found_by_completion_id(server: str) -> None:
    client = client_for(server)
    completion = ask(client)
    medqa = completion.model_extra["medqa"]
    for any_id in (completion.id, medqa["id"]):
        kept = httpx.get(f"{server}/api/answers/{any_id}")
        assert kept.status_code == 200 and kept.json() == {**medqa, "completion_id": completion.id}
    streamed = list(ask(client, stream=True))
    assert httpx.get(f"{server}/api/answers/{streamed[0].id}").json()["citations"]
    missing = httpx.get(f"{server}/api/answers/chatcmpl-unknown")
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found"


def test_kept_answers_are_bounded() -> None:
    recent = RecentAnswers(2)
    for number in range(3):
        recent.add(f"chatcmpl-{number}", {"id": f"ans-{number}"})
    assert len(recent) == 2 and recent.get("chatcmpl-0") is None and recent.get("ans-0") is None
    assert recent.get("chatcmpl-2") == {"id": "ans-2", "completion_id": "chatcmpl-2"}
    none_kept = RecentAnswers(0)
    none_kept.add("chatcmpl-0", {"id": "ans-0"})
    assert none_kept.get("ans-0") is None


# ----------------------------------------------------------------------------------------- the llm CLI
def test_the_llm_cli_gets_the_answer_and_logs_its_tokens(tmp_path: Path, index: Index) -> None:
    llm = shutil.which("llm", path=str(Path(sys.executable).parent))
    if llm is None:
        pytest.skip("the llm CLI is not installed (pip install -e '.[dev]')")
    with live_server(tmp_path, fake_assistant(index), api_key=SECRET) as url:
        home = tmp_path / "llm"
        home.mkdir()
        (home / "extra-openai-models.yaml").write_text(
            f"- model_id: medqa\n  model_name: medqa\n  api_base: {url}/v1\n  api_key_name: medqa\n", encoding="utf-8"
        )
        (home / "keys.json").write_text(json.dumps({"medqa": SECRET}), encoding="utf-8")
        env = {**os.environ, "LLM_USER_PATH": str(home)}
        answered = subprocess.run(
            [llm, "-m", "medqa", "--no-stream", ASTHMA], env=env, capture_output=True, text=True, timeout=120
        )
        assert answered.returncode == 0, answered.stderr
        assert "https://ex.org/asthma" in answered.stdout
        assert "not medical advice" in answered.stdout
        logged = subprocess.run(
            [llm, "logs", "--json", "-n", "1"], env=env, capture_output=True, text=True, timeout=120
        )
    entry = json.loads(logged.stdout)[0]
    assert entry["input_tokens"] > 0 and entry["output_tokens"] > 0
