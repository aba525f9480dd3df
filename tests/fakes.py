"""Plain helpers shared by the tests (their fixtures are in conftest.py): fakes built in the test
process, with no network and no weights on disk beyond tmp folders.

- training: a byte-level tokenizer, tiny random Llama and T5 models, a tiny dataset, a tiny TrainConfig;
- retrieval and the assistant: a one-hot embedder over a five-row corpus, a scripted generator, a stub triage;
- the server: the real app around the fake assistant, in-process (`serve`) or on a real uvicorn (`live_server`).

torch, transformers, the assistant, the index and the server are imported by the helpers that use them:
every test session imports this module (conftest.py does), and those imports cost seconds.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from medqa.assistant.support import content_terms
from medqa.assistant.triage import TriageResult

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from medqa.assistant.answer import Assistant
    from medqa.inference.base import GenerationSettings, Prompt
    from medqa.retrieval.index import Index
    from medqa.server.settings import ServerSettings

# ----------------------------------------------------------------------------------------- training
SPECIALS = ["<pad>", "<s>", "</s>", "<unk>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
FACTS = [
    ("What is asthma?", "Asthma is a disease of the airways that makes breathing hard."),
    ("What causes anemia?", "Anemia is caused by too few red blood cells or too little hemoglobin."),
    ("How is flu treated?", "Flu is treated with rest, fluids and sometimes antiviral medicine."),
    ("What is diabetes?", "Diabetes is a disease in which blood sugar is too high."),
    ("What are symptoms of measles?", "Measles causes fever, cough, a runny nose and a rash."),
    ("Who gets gout?", "Gout is most common in men and in people with high uric acid."),
]


def make_tokenizer(chat: bool = True, seq2seq: bool = False):
    """A byte-level BPE tokenizer trained in milliseconds on the test sentences (any text encodes)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    corpus = [f"{q} {a}" for q, a in FACTS] + ["Question: Answer: You are a careful medical assistant."]
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(corpus, trainer)
    if seq2seq:  # T5 style: the encoder input ends with </s>
        tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 2)])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token="<pad>",
        bos_token="<s>",
        eos_token="<|im_end|>" if chat else "</s>",
        unk_token="<unk>",
    )
    if chat:
        tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def save_tiny_llama(folder: Path, chat: bool = True) -> Path:
    """A 2-layer, 32-wide random Llama with the tiny tokenizer, saved as a transformers folder."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = make_tokenizer(chat=chat)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def save_tiny_t5(folder: Path) -> Path:
    """A 2-layer, 32-wide random T5 (encoder-decoder) with the tiny tokenizer."""
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    tokenizer = make_tokenizer(chat=False, seq2seq=True)
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=32,
        d_ff=64,
        d_kv=8,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=4,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    T5ForConditionalGeneration(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def write_data(folder: Path, repeats: int = 4) -> Path:
    """train/validation/test.jsonl from FACTS (the same facts repeated, so loss can fall fast)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [{"question": q, "answer": a, "group": str(i)} for i, (q, a) in enumerate(FACTS)]
    for split, times in (("train", repeats), ("validation", 1), ("test", 1)):
        lines = [json.dumps(r) for _ in range(times) for r in rows]
        (folder / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@contextmanager
def single_thread():
    """Tiny models gain nothing from threads, and spinning threads crawl when other jobs share the CPU."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def tiny_config(model: Path, data: Path, out: Path, **overrides):
    """A TrainConfig sized for the tiny models: a few fp32 steps, no surprises from the host CPU."""
    from medqa.train import TrainConfig

    values = dict(
        model=str(model),
        data=str(data),
        out=str(out),
        batch_size=4,
        max_length=160,
        learning_rate=1e-2,
        warmup_ratio=0.0,
        precision="fp32",
        eval_every=2,
        save_every=2,
        max_steps=4,
        log_every=1,
    )
    values.update(overrides)
    return TrainConfig(**values)


# ---------------------------------------------------------------------------------------- retrieval
VOCAB = ["asthma", "diabetes", "glaucoma", "migraine", "anemia", "inhaler", "insulin", "eye", "headache", "iron"]


class OneHotEmbedder:
    """Bag of known words, one dimension each (plus one for 'none of them'), L2-normalised."""

    name = "fake-onehot"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(VOCAB) + 1), dtype=np.float32)
        for row, text in enumerate(texts):
            words = text.lower().replace("?", " ").replace(".", " ").split()
            for j, term in enumerate(VOCAB):
                out[row, j] = float(term in words)
            out[row, -1] = float(not out[row].any())
        return out / np.linalg.norm(out, axis=1, keepdims=True)


class StemBagEmbedder:
    """Content stems of the support check hashed into 512 dimensions, L2-normalised: texts sharing words are close."""

    name = "fake-stembag"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 512), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in content_terms(text):
                out[row, zlib.crc32(term.encode()) % 511 + 1] += 1.0
            out[row, 0] = float(not out[row].any())
        return out / np.linalg.norm(out, axis=1, keepdims=True)


ROWS = [
    {
        "question": "What is asthma?",
        "answer": "Asthma narrows the airways. An inhaler opens them.",
        "url": "https://ex.org/asthma",
        "focus": "Asthma",
        "qid": "r1",
    },
    {
        "question": "What is diabetes?",
        "answer": "Diabetes means high blood sugar. Insulin lowers it.",
        "url": "https://ex.org/diabetes",
        "focus": "Diabetes",
        "qid": "r2",
    },
    {
        "question": "What is glaucoma?",
        "answer": "Glaucoma damages the optic nerve of the eye.",
        "url": "https://ex.org/glaucoma",
        "focus": "Glaucoma",
        "qid": "r3",
    },
    {
        "question": "What is migraine?",
        "answer": "Migraine is a recurring headache with nausea.",
        "url": "https://ex.org/migraine",
        "focus": "Migraine",
        "qid": "r4",
    },
    {
        "question": "What is anemia?",
        "answer": "Anemia is a lack of red blood cells; iron helps some kinds.",
        "url": "https://ex.org/anemia",
        "focus": "Anemia",
        "qid": "r5",
    },
]


# ------------------------------------------------------------------------------------ the assistant
@dataclass
class ScriptedGenerator:
    """Streams the given pieces; records every prompt; can fail after some pieces."""

    pieces: list[str]
    fail_after: int | None = None
    prompts: list[Prompt] = field(default_factory=list)
    name: str = "scripted"

    def generate(self, prompts: list[Prompt], settings: GenerationSettings) -> list[str]:
        return ["".join(self.stream(p, settings)) for p in prompts]

    def stream(self, prompt: Prompt, settings: GenerationSettings, should_stop=None) -> Iterator[str]:  # noqa: ANN001
        self.prompts.append(prompt)
        for number, piece in enumerate(self.pieces):
            if self.fail_after is not None and number == self.fail_after:
                raise RuntimeError("the model process died")
            yield piece


class StubTriage:
    """Returns a fixed verdict for messages containing a trigger word."""

    def __init__(self, verdicts: dict[str, TriageResult] | None = None) -> None:
        self.verdicts = verdicts or {}
        self.seen: list[tuple[str, list[str]]] = []

    def with_config(self, config: object) -> StubTriage:
        return self

    def assess(self, message: str, history: list[str] = ()) -> TriageResult:  # noqa: B006
        self.seen.append((message, list(history)))
        for trigger, verdict in self.verdicts.items():
            if trigger in message:
                return verdict
        return TriageResult("none", "none", 0.0, "")


EMERGENCY = TriageResult("emergency", "stroke", 0.97, "This may be a medical emergency. Call 911 now.")
PERSONAL = TriageResult("none", "personal", 0.1, "", personal=True)
OUT_OF_SCOPE = TriageResult("none", "out_of_scope", 0.0, "I can't help with that.", out_of_scope=True)


# --------------------------------------------------------------------------------------- the server
ASTHMA = "How is asthma treated with an inhaler?"
PIECES = ["An inhaler **opens** the airways [1", "]. It is used ", "every day [2]. "]
SECRET = "sk-test-very-secret-key"


def fake_assistant(index: Index, pieces: list[str] | None = None, generator: Any = "scripted") -> Assistant:
    """The real Assistant over a tiny index, a scripted generator and a stub triage."""
    from medqa.assistant.answer import Assistant, AssistantConfig

    if generator == "scripted":
        generator = ScriptedGenerator(list(pieces or PIECES))
    triage = StubTriage({"face drooping": EMERGENCY})
    return Assistant(index, triage, generator, AssistantConfig(k=2, min_relevance=0.5))


def settings(tmp_path: Path, **overrides: Any) -> ServerSettings:
    """Server settings for a test: the database in `tmp_path`, no rate limit in the way."""
    from medqa.server.settings import ServerSettings

    values: dict[str, Any] = {"db_path": tmp_path / "medqa.sqlite3", "rate_limit_burst": 1000, **overrides}
    return ServerSettings(**values)


def wait_ready(client: TestClient, status: int = 200) -> dict[str, Any]:
    """Poll /ready until it gives `status` (the assistant loads in a background thread)."""
    for _ in range(400):
        response = client.get("/ready")
        if response.status_code == status and response.json()["status"] != "loading":
            return response.json()
        time.sleep(0.025)
    raise AssertionError(f"/ready never answered {status}: {response.json()}")


@contextmanager
def serve(tmp_path: Path, assistant: Assistant, **overrides: Any) -> Iterator[TestClient]:
    """The app serving `assistant` in-process, once it is ready."""
    from fastapi.testclient import TestClient

    from medqa.server.app import create_app

    with TestClient(create_app(settings(tmp_path, **overrides), lambda: assistant)) as client:
        wait_ready(client)
        yield client


def chat(client: TestClient, content: str = ASTHMA, **fields: Any) -> Any:
    return client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": content}], **fields})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(tmp_path: Path, assistant: Assistant, **overrides: Any) -> Iterator[str]:
    """uvicorn in a thread on a free port, with `assistant` injected; yields the base URL once ready."""
    import uvicorn

    from medqa.server.app import create_app
    from medqa.server.connection import uvicorn_options

    port = free_port()
    app = create_app(settings(tmp_path, port=port, **overrides), lambda: assistant)
    options = uvicorn_options(app.state.settings)  # the deadlines `medqa serve` runs with
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, **options)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(400):
            if server.started and app.state.service is not None:
                break
            time.sleep(0.025)
        else:
            raise AssertionError("the server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
