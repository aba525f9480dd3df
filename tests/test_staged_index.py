"""Staged readiness: answers from BM25 before the dense vectors are complete (and /ready says so),
an atomic swap that never fails a query in flight, a restart that resumes the chunks already
computed, and a completed index whose manifest checksums hold."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from fakes import ASTHMA, ROWS, OneHotEmbedder, chat, fake_assistant, serve
from medqa.retrieval import staged
from medqa.retrieval.corpus import passages_from_rows
from medqa.retrieval.index import Index, IndexConfig
from medqa.retrieval.staged import BackgroundDense, fill_chunks, open_staged, prepare_staging, staging_dir


class GatedEmbedder(OneHotEmbedder):
    """The one-hot embedder as the background build's: every call waits until `gate` is set."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.bulk_texts = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        assert self.gate.wait(30), "the test never opened the gate"
        self.bulk_texts += len(texts)
        return super().encode(texts)


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IndexConfig:
    monkeypatch.setattr(staged, "CHUNK_ROWS", 2)  # several chunks from five rows
    data = tmp_path / "corpus.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    return IndexConfig(data=str(data))


def test_the_server_answers_from_bm25_before_the_vectors_are_complete_and_ready_says_so(
    tmp_path: Path, corpus: IndexConfig
) -> None:
    final, bulk = tmp_path / "index", GatedEmbedder()
    prepare_staging(corpus, final, OneHotEmbedder())
    index = open_staged(final, OneHotEmbedder())
    build = BackgroundDense(index, final, bulk, poll_s=0.02).start()
    try:
        with serve(tmp_path, fake_assistant(index)) as client:
            body = client.get("/ready").json()
            assert body["status"] == "ready"
            assert body["index"] == {"stage": "bm25", "dense_fraction": 0.0}
            assert body["progress"]["fraction"] == 0.0  # what the page shows under "Ready."
            reply = chat(client, ASTHMA)
            assert reply.status_code == 200, reply.text
            assert reply.json()["medqa"]["citations"][0]["url"] == "https://ex.org/asthma"  # found by BM25
            bulk.gate.set()
            assert build.wait(30)
            body = client.get("/ready").json()
            assert body["index"] == {"stage": "complete", "dense_fraction": 1.0} and "progress" not in body
            assert chat(client, ASTHMA).status_code == 200
    finally:
        build.stop()
    assert index.path == final and index.files_verified  # the completed folder, every checksum verified
    assert not staging_dir(final).exists()


def test_bm25_only_results_carry_their_true_cosine(tmp_path: Path, corpus: IndexConfig) -> None:
    complete = Index.build(passages_from_rows(ROWS), OneHotEmbedder())
    prepare_staging(corpus, tmp_path / "index", OneHotEmbedder())
    partial = open_staged(tmp_path / "index", OneHotEmbedder())
    assert partial.dense_fraction == 0.0
    hits = partial.retrieve("which insulin dose for diabetes", k=2)
    assert hits[0].url == "https://ex.org/diabetes"
    expected = {h.passage_id: h.dense_score for h in complete.retrieve("which insulin dose for diabetes", k=5)}
    assert hits[0].dense_score == pytest.approx(expected[hits[0].passage_id])  # the assistant abstains on it


def test_a_swap_during_a_query_does_not_fail_it(tmp_path: Path, corpus: IndexConfig) -> None:
    prepare_staging(corpus, tmp_path / "index", OneHotEmbedder())
    live = open_staged(tmp_path / "index", OneHotEmbedder())
    before = live.retrieve("eye pressure glaucoma", k=3)
    complete = Index.build(live.passages, OneHotEmbedder())

    class SwappingEmbedder(OneHotEmbedder):
        """Swaps the complete index in while the query is being embedded: mid-retrieve."""

        def encode(self, texts: list[str]) -> np.ndarray:
            if live.dense_ready is not None:
                live.swap_in(complete)
            return super().encode(texts)

    live.embedder = SwappingEmbedder()
    during = live.retrieve("eye pressure glaucoma", k=3)
    assert [h.passage_id for h in during] == [h.passage_id for h in before]  # the state it started with
    assert live.dense_fraction == 1.0
    assert live.retrieve("eye pressure glaucoma", k=3) == complete.retrieve("eye pressure glaucoma", k=3)


def test_queries_in_threads_never_fail_while_chunks_and_the_final_index_arrive(
    tmp_path: Path, corpus: IndexConfig
) -> None:
    final, bulk = tmp_path / "index", GatedEmbedder()
    prepare_staging(corpus, final, OneHotEmbedder())
    index = open_staged(final, OneHotEmbedder())
    build = BackgroundDense(index, final, bulk, poll_s=0.001)
    errors: list[BaseException] = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                assert index.retrieve("asthma inhaler airways", k=2)[0].url == "https://ex.org/asthma"
            except BaseException as exc:  # noqa: BLE001 - collected and reported by the test
                errors.append(exc)
                return

    askers = [threading.Thread(target=ask) for _ in range(4)]
    for thread in askers:
        thread.start()
    build.start()
    bulk.gate.set()
    try:
        assert build.wait(30)
    finally:
        stop.set()
        for thread in askers:
            thread.join()
        build.stop()
    assert not errors, errors[0]


def test_a_restart_resumes_the_chunks_already_computed(tmp_path: Path, corpus: IndexConfig) -> None:
    final = tmp_path / "index"
    prepare_staging(corpus, final, OneHotEmbedder())
    n = len(open_staged(final, OneHotEmbedder()).passages)
    first, calls = GatedEmbedder(), []
    first.gate.set()
    # Stopped after one chunk (as a server stopped mid-build): that chunk stays on disk.
    assert not fill_chunks(final, first, keep_going=lambda: not calls.append(1) and len(calls) <= 1)
    assert first.bulk_texts == 2
    reopened = open_staged(final, OneHotEmbedder())
    assert reopened.dense_fraction == pytest.approx(2 / n)
    second = GatedEmbedder()
    second.gate.set()
    assert fill_chunks(final, second)
    assert second.bulk_texts == n - 2  # only what was missing
    assert not staging_dir(final).exists()
    complete = Index.load(final, OneHotEmbedder())
    complete.verify_files()  # the manifest's sizes and sha256 hold for the final index
    assert complete.files_verified and complete.dense_ready is None
    built = Index.build(passages_from_rows(ROWS), OneHotEmbedder())
    np.testing.assert_allclose(np.asarray(complete.vectors), built.vectors)
    assert complete.retrieve("iron anemia", k=3) == built.retrieve("iron anemia", k=3)


def test_a_damaged_chunk_is_recomputed(tmp_path: Path, corpus: IndexConfig) -> None:
    final = tmp_path / "index"
    prepare_staging(corpus, final, OneHotEmbedder())
    chunk = staging_dir(final) / "chunks" / "00000.npy"
    np.save(chunk, np.zeros((2, 3), dtype=np.float32))  # wrong shape: e.g. another embedder's
    assert open_staged(final, OneHotEmbedder()).dense_fraction == 0.0
    assert fill_chunks(final, OneHotEmbedder())
    Index.load(final, OneHotEmbedder()).verify_files()


def test_a_partial_index_persists_and_loads_with_its_ready_flags(tmp_path: Path, corpus: IndexConfig) -> None:
    prepare_staging(corpus, tmp_path / "index", OneHotEmbedder())
    partial = open_staged(tmp_path / "index", OneHotEmbedder())
    ready = np.zeros(len(partial.passages), dtype=bool)
    ready[:2] = True
    partial.vectors[:2] = OneHotEmbedder().encode([p.index_text() for p in partial.passages[:2]])
    partial.swap_dense(partial.vectors, ready)
    partial.persist(tmp_path / "saved")
    loaded = Index.load(tmp_path / "saved", OneHotEmbedder())  # the quick checks sample ready rows only
    loaded.verify_files()
    assert loaded.dense_fraction == pytest.approx(2 / len(partial.passages))
    assert loaded.readiness() == {"stage": "partial", "dense_fraction": round(loaded.dense_fraction, 4)}
    assert loaded.retrieve("glaucoma", k=2) == partial.retrieve("glaucoma", k=2)


@pytest.mark.slow
def test_the_worker_process_completes_a_real_minilm_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The production path: the bundled MiniLM in `python -m medqa.retrieval.staged`, at nice 19."""
    from medqa.retrieval.embedding import MiniLMEmbedder
    from medqa.retrieval.staged import open_or_stage

    data = tmp_path / "corpus.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    index, complete = open_or_stage(tmp_path / "index", IndexConfig(data=str(data)), MiniLMEmbedder())
    assert not complete and index.readiness()["stage"] == "bm25"
    assert index.retrieve("asthma inhaler", k=1)[0].url == "https://ex.org/asthma"
    try:
        assert index.background.wait(300), index.readiness()
    finally:
        index.background.stop()
    assert index.files_verified and index.dense_fraction == 1.0
    assert index.retrieve("asthma inhaler", k=1)[0].url == "https://ex.org/asthma"
