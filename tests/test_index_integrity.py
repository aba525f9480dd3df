"""A damaged index is refused, never served as healthy: the manifest's checksums, the quick checks at
load (sizes, a seeded sample of rows re-embedded, BM25 scoring a probe) and the bundled cache's rebuild."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from fakes import ROWS, VOCAB, OneHotEmbedder
from medqa.assistant.load import default_index_dir, ensure_index
from medqa.retrieval.corpus import passages_from_rows
from medqa.retrieval.index import Index, IndexConfig, IndexDamaged


@pytest.fixture
def folder(index: Index, tmp_path: Path) -> Path:
    """The five-row fake index, persisted."""
    index.persist(tmp_path / "idx")
    return tmp_path / "idx"


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "index.json").read_text())


def _overwrite_npy(path: Path, values: np.ndarray) -> None:
    """Replace an array file with `values` (same dtype and shape: same size, as an overwrite in place)."""
    size = path.stat().st_size
    np.save(path, values)
    assert path.stat().st_size == size


def test_the_manifest_holds_every_file_with_its_size_and_sha256_and_the_embedders_probe(folder: Path) -> None:
    meta = _manifest(folder)
    names = set(meta["files"])
    assert {"vectors.npy", "passages.jsonl", "bm25/data.csc.index.npy", "bm25/indices.csc.index.npy"} <= names
    assert "index.json" not in names
    for name, entry in meta["files"].items():
        assert entry["bytes"] == (folder / name).stat().st_size and len(entry["sha256"]) == 64
    assert meta["embedder"] == "fake-onehot" and len(meta["embedder_probe"]["vector"]) == len(VOCAB) + 1


def test_an_intact_index_loads_and_its_files_verify(folder: Path, index: Index) -> None:
    loaded = Index.load(folder, OneHotEmbedder())
    assert not loaded.files_verified
    loaded.verify_files()
    assert loaded.files_verified
    assert loaded.retrieve("eye pressure glaucoma", k=1) == index.retrieve("eye pressure glaucoma", k=1)


def test_permuted_vector_rows_are_refused(folder: Path) -> None:
    vectors = np.load(folder / "vectors.npy")
    _overwrite_npy(folder / "vectors.npy", vectors[[1, 2, 3, 4, 0]])
    with pytest.raises(IndexDamaged, match=r"5 of 5 sampled vectors do not match their passages.*reordered"):
        Index.load(folder, OneHotEmbedder())
    unchecked = Index.load(folder, OneHotEmbedder(), verify=False)
    with pytest.raises(IndexDamaged, match=r"vectors\.npy changed since it was built.*medqa index build"):
        unchecked.verify_files()


def test_permuted_rows_of_a_larger_index_are_found_by_the_seeded_sample(tmp_path: Path) -> None:
    rows = [{**ROWS[i % 5], "question": f"{ROWS[i % 5]['question']} ({i})", "qid": str(i)} for i in range(200)]
    # Distinct vectors per row: the one-hot embedder plus the row number in extra dimensions.
    embedder = NumberedEmbedder()
    Index.build(passages_from_rows(rows), embedder).persist(tmp_path / "idx")
    vectors = np.load(tmp_path / "idx" / "vectors.npy")
    _overwrite_npy(tmp_path / "idx" / "vectors.npy", vectors[np.random.default_rng(1).permutation(len(vectors))])
    with pytest.raises(IndexDamaged, match="sampled vectors do not match"):
        Index.load(tmp_path / "idx", embedder)


class NumberedEmbedder:
    """The number in a passage's question, in binary over 8 dimensions: every row its own vector."""

    name = "fake-numbered"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 9), dtype=np.float32)
        for row, text in enumerate(texts):
            number = int(text.split("(")[1].split(")")[0]) if "(" in text else 0
            out[row, :8] = [(number >> bit) & 1 for bit in range(8)]
            out[row, 8] = 0.5
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.mark.parametrize("array", ["indices", "data"])
def test_an_overwritten_bm25_file_is_refused(folder: Path, array: str) -> None:
    path = folder / "bm25" / f"{array}.csc.index.npy"
    values = np.load(path)
    # indices pointing past the corpus (every question failed with a 500), or all scores zero
    damaged = np.full_like(values, 10**6) if array == "indices" else np.zeros_like(values)
    _overwrite_npy(path, damaged)
    with pytest.raises(IndexDamaged, match=r"the BM25 arrays \(bm25/\) cannot score"):
        Index.load(folder, OneHotEmbedder())
    with pytest.raises(IndexDamaged, match=f"bm25/{array}.csc.index.npy changed"):
        Index.load(folder, OneHotEmbedder(), verify=False).verify_files()


def test_a_changed_passage_passes_the_sample_but_not_the_checksums(folder: Path) -> None:
    text = (folder / "passages.jsonl").read_text()
    (folder / "passages.jsonl").write_text(text.replace("optic nerve", "optic nervi"))  # same size
    loaded = Index.load(folder, OneHotEmbedder())  # the vectors still fit: only the checksum can tell
    with pytest.raises(IndexDamaged, match=r"passages\.jsonl changed since it was built"):
        loaded.verify_files()


def test_a_truncated_or_missing_file_is_refused_at_load(folder: Path) -> None:
    data = (folder / "passages.jsonl").read_bytes()
    (folder / "passages.jsonl").write_bytes(data + b"\n")
    with pytest.raises(IndexDamaged, match=r"passages\.jsonl has \d+ bytes, not \d+"):
        Index.load(folder, OneHotEmbedder())
    (folder / "bm25" / "vocab.index.json").unlink()
    with pytest.raises(IndexDamaged, match="damaged"):
        Index.load(folder, OneHotEmbedder())


def test_another_embedder_under_the_same_name_is_named_as_the_cause(folder: Path) -> None:
    class Reversed(OneHotEmbedder):
        def encode(self, texts: list[str]) -> np.ndarray:
            return super().encode(texts)[:, ::-1].copy()

    with pytest.raises(IndexDamaged, match="gives other vectors than the one that built it"):
        Index.load(folder, Reversed())


def test_an_index_without_checksums_loads_with_a_warning_and_is_still_sampled(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    meta = _manifest(folder)
    del meta["files"], meta["embedder_probe"]
    (folder / "index.json").write_text(json.dumps(meta))
    with caplog.at_level(logging.WARNING, logger="medqa.retrieval"):
        loaded = Index.load(folder, OneHotEmbedder())
    assert "has no checksums" in caplog.text and str(folder) in caplog.text
    loaded.verify_files()  # nothing to compare with: a no-op
    assert not loaded.files_verified
    vectors = np.load(folder / "vectors.npy")
    np.save(folder / "vectors.npy", vectors[::-1])
    with pytest.raises(IndexDamaged, match="do not match their passages"):
        Index.load(folder, OneHotEmbedder())


def test_the_bundled_cache_index_is_rebuilt_when_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MEDQA_CACHE", str(tmp_path / "cache"))
    data = tmp_path / "corpus.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    corpus = IndexConfig(data=str(data))
    first = ensure_index(None, embedder=OneHotEmbedder(), corpus=corpus)  # staged, completed in the background
    assert first.background.wait(30)
    assert first.files_verified and first.path == default_index_dir()
    path = default_index_dir()
    text = (path / "passages.jsonl").read_text()
    (path / "passages.jsonl").write_text(text.replace("optic nerve", "optic nervi"))
    with caplog.at_level(logging.WARNING, logger="medqa"):
        rebuilt = ensure_index(None, embedder=OneHotEmbedder(), corpus=corpus)
    assert "passages.jsonl changed since it was built" in caplog.text and "rebuilding it now" in caplog.text
    assert rebuilt.background.wait(30)
    assert rebuilt.files_verified and "optic nerve" in (path / "passages.jsonl").read_text()
