"""Staged readiness: an index that answers from BM25 in seconds while its dense vectors are computed
in the background, in chunks that survive a restart, and swapped in when complete.

MiniLM over the 38,485 passages of the bundled corpus is ~100 TFLOP: minutes on two idle cores and
half an hour on busy ones, while BM25 over the same passages takes seconds. So a server on a fresh
cache does not wait for it:

1. `prepare_staging` writes FINAL.partial/: passages.jsonl, bm25/ and staging.json (seconds);
2. `open_staged` opens it as an `Index` with `dense_ready` flags (BM25 alone ranks until every
   vector is there; the few passages it returns get their cosine from the vectors ready or computed
   on the fly), plus every chunk already computed;
3. a worker (`python -m medqa.retrieval.staged FINAL`, at the lowest CPU priority, so answering
   always comes first) embeds the missing chunks of `CHUNK_ROWS` passages, each written atomically
   to FINAL.partial/chunks/NNNNN.npy: a restart resumes where it stopped. One worker per folder
   (a file lock); it stops when the process that started it is gone. With every chunk done it writes
   FINAL as a normal index (manifest, checksums) and removes FINAL.partial;
4. `BackgroundDense` (in the serving process) loads new chunks into the live index every second
   (`Index.swap_dense`), logs a progress line every ~10 s, reports stage/fraction/ETA for /ready,
   and swaps in FINAL once it exists and verifies (`Index.swap_in`).

recall@5 (bench/retrieval.py): 0.893 from BM25 while the vectors are computed, 0.907 once complete.
"""

from __future__ import annotations

import argparse
import dataclasses
import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from medqa.errors import MedqaError
from medqa.fileio import atomic_file, atomic_output_dir, atomic_write_json
from medqa.progress import eta_text, progress_line
from medqa.retrieval.corpus import Passage, passages_from_rows, read_corpus
from medqa.retrieval.embedding import Embedder
from medqa.retrieval.index import (
    PROBE_TEXT,
    Index,
    IndexConfig,
    IndexDamaged,
    bm25_over,
    manifest_header,
)

STAGING = "staging.json"
CHUNK_ROWS = 1024  # passages per persisted chunk: seconds of work, so a restart loses little
LOG_EVERY_S = 10.0
log = logging.getLogger("medqa.retrieval")


def staging_dir(final: Path) -> Path:
    """Where the staged build of the index folder `final` lives until it is complete."""
    return final.with_name(final.name + ".partial")


def prepare_staging(config: IndexConfig, final: Path, embedder: Embedder) -> Path:
    """Passages, BM25 and the build settings of `final`'s staged build (seconds), unless already there."""

    folder = staging_dir(final)
    if (folder / STAGING).is_file():
        return folder
    started = time.perf_counter()
    rows = read_corpus(config.data, config.all_splits)
    passages = passages_from_rows(rows, config.max_words)
    if not passages:
        raise MedqaError(f"the corpus {config.data or 'bundled MedQuAD'} is empty: no row has a question and an answer")
    bm25 = bm25_over([p.index_text() for p in passages])
    meta = {
        **manifest_header(embedder, len(passages), config.rrf_k, config.candidates),
        "rows": len(rows),
        "config": dataclasses.asdict(config),
        "chunk_rows": CHUNK_ROWS,
        "bm25_seconds": round(time.perf_counter() - started, 2),
    }
    with atomic_output_dir(folder, overwrite=folder.exists()) as tmp:
        bm25.save(str(tmp / "bm25"), show_progress=False)
        with open(tmp / "passages.jsonl", "w", encoding="utf-8") as handle:
            for passage in passages:
                handle.write(json.dumps(dataclasses.asdict(passage), ensure_ascii=False) + "\n")
        (tmp / "chunks").mkdir()
        atomic_write_json(tmp / STAGING, meta)
    return folder


def _read_staging(folder: Path) -> tuple[dict[str, Any], list[Passage]]:
    try:
        meta = json.loads((folder / STAGING).read_text(encoding="utf-8"))
        with open(folder / "passages.jsonl", encoding="utf-8") as handle:
            passages = [Passage(**json.loads(line)) for line in handle]
    except (OSError, ValueError, TypeError) as exc:
        raise IndexDamaged(f"the staged index {folder} cannot be read ({exc}); delete the folder") from exc
    return meta, passages


def _chunk_count(meta: dict[str, Any]) -> int:
    return -(-int(meta["passages"]) // int(meta["chunk_rows"]))


def _chunk_path(folder: Path, number: int) -> Path:
    return folder / "chunks" / f"{number:05d}.npy"


def _read_chunk(folder: Path, meta: dict[str, Any], number: int) -> np.ndarray | None:
    """Chunk `number`'s vectors, or None when it is not computed (or not usable: then it is recomputed)."""
    path = _chunk_path(folder, number)
    if not path.is_file():
        return None
    rows = min(int(meta["chunk_rows"]), int(meta["passages"]) - number * int(meta["chunk_rows"]))
    try:
        vectors = np.load(path)
    except (OSError, ValueError) as exc:
        log.warning("recomputing %s: %s", path, exc)
        return None
    if vectors.shape != (rows, int(meta["dim"])) or vectors.dtype != np.float32 or not np.isfinite(vectors).all():
        log.warning(
            "recomputing %s: %s %s instead of (%d, %s) float32", path, vectors.shape, vectors.dtype, rows, meta["dim"]
        )
        return None
    return vectors


def open_staged(final: Path, embedder: Embedder) -> Index:
    """The staged build of `final` as an Index: BM25 over every passage, the chunks computed so far."""
    import bm25s

    folder = staging_dir(final)
    meta, passages = _read_staging(folder)
    if meta.get("embedder") != embedder.name:
        raise MedqaError(
            f"the staged index {folder} is for the embedder {meta.get('embedder')!r}, not {embedder.name!r}"
        )
    try:
        bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=True, show_progress=False)
    except (OSError, ValueError, KeyError) as exc:
        raise IndexDamaged(f"the staged index {folder} cannot be read ({exc}); delete the folder") from exc
    vectors = np.zeros((len(passages), int(meta["dim"])), dtype=np.float32)
    ready = np.zeros(len(passages), dtype=bool)
    index = Index(passages, vectors, bm25, embedder, {**meta, "stage": "staged"}, None, dense_ready=ready)
    load_chunks(index, folder)
    return index


def load_chunks(index: Index, folder: Path) -> int:
    """Copy chunks computed since the last call into `index` (rows first, then the new `ready` flags
    in one assignment); return how many were added."""
    assert index.dense_ready is not None
    size = int(index.meta["chunk_rows"])
    ready = index.dense_ready
    added = 0
    new_ready = ready.copy()
    for number in range(_chunk_count(index.meta)):
        if ready[number * size]:
            continue
        vectors = _read_chunk(folder, index.meta, number)
        if vectors is None:
            continue
        index.vectors[number * size : number * size + len(vectors)] = vectors
        new_ready[number * size : number * size + len(vectors)] = True
        added += 1
    if added:
        index.swap_dense(index.vectors, new_ready)
    return added


# ----------------------------------------------------------------------------------------- the worker
def fill_chunks(final: Path, embedder: Embedder, keep_going: Callable[[], bool] = lambda: True) -> bool:
    """Embed every missing chunk of `final`'s staged build, then write `final` and remove the staging
    folder. Returns False when `keep_going` said stop first (the chunks written so far stay)."""
    folder = staging_dir(final)
    meta, passages = _read_staging(folder)
    size = int(meta["chunk_rows"])
    for number in range(_chunk_count(meta)):
        if _read_chunk(folder, meta, number) is not None:
            continue
        if not keep_going():
            return False
        texts = [p.index_text() for p in passages[number * size : (number + 1) * size]]
        vectors = np.ascontiguousarray(embedder.encode(texts), dtype=np.float32)
        with atomic_file(_chunk_path(folder, number)) as temporary, open(temporary, "wb") as handle:
            np.save(handle, vectors)
    finish(final, embedder)
    return True


def finish(final: Path, embedder: Embedder) -> None:
    """Write `final` (a normal index: vectors, BM25, passages, manifest) from the complete staged build."""
    import bm25s

    folder = staging_dir(final)
    meta, passages = _read_staging(folder)
    parts = [_read_chunk(folder, meta, n) for n in range(_chunk_count(meta))]
    if any(part is None for part in parts):
        raise MedqaError(f"the staged index {folder} is not complete")
    vectors = np.concatenate([p for p in parts if p is not None])
    bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
    meta = {k: v for k, v in meta.items() if k not in ("chunk_rows", "stage")}
    meta["staged"] = True  # built in the background, chunk by chunk
    Index(passages, vectors, bm25, embedder, meta).persist(final, overwrite=final.exists())
    shutil.rmtree(folder, ignore_errors=True)


def launch_worker(final: Path) -> subprocess.Popen[bytes] | None:
    """Start `python -m medqa.retrieval.staged FINAL` (the bundled MiniLM, lowest CPU priority), unless
    a worker holds the staging folder's lock already (then None)."""
    if _locked(staging_dir(final)):
        return None
    return subprocess.Popen(
        [sys.executable, "-m", "medqa.retrieval.staged", str(final)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        close_fds=True,
    )


def _locked(folder: Path) -> bool:
    """Whether a worker holds `folder`'s lock now."""
    try:
        with open(folder / "lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(handle, fcntl.LOCK_UN)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def worker_main(argv: list[str] | None = None) -> int:
    """The background worker: embed the missing chunks of FINAL's staged build, at nice 19."""
    parser = argparse.ArgumentParser(description="Complete the dense vectors of a staged medqa index.")
    parser.add_argument("final", type=Path)
    args = parser.parse_args(argv)
    os.nice(19)  # the server's answers (and the main job's training) always come first
    folder = staging_dir(args.final)
    parent = os.getppid()
    with open(folder / "lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0  # another worker is on it
        from medqa.retrieval.embedding import MiniLMEmbedder

        embedder = MiniLMEmbedder(engine="torch")  # bulk work: see bench/embed_engines.py
        try:
            done = fill_chunks(args.final, embedder, keep_going=lambda: os.getppid() == parent)
        except MedqaError as exc:  # the server's log shows it; the server answers from BM25 meanwhile
            print(f"medqa: the background index build failed: {exc}", file=sys.stderr)
            return 2
    return 0 if done else 1


# ----------------------------------------------------------------------------------------- the server side
class BackgroundDense:
    """Keeps a staged `index` up to date with its background build, and reports on it.

    With `embedder` (tests, or a caller that wants it in-process) the chunks are computed in a thread
    of this process; without, by the worker process (`launch_worker`)."""

    def __init__(
        self,
        index: Index,
        final: Path,
        embedder: Embedder | None = None,
        poll_s: float = 1.0,
        log_every_s: float = LOG_EVERY_S,
    ) -> None:
        self.index, self.final, self.embedder = index, Path(final), embedder
        self.poll_s, self.log_every_s = poll_s, log_every_s
        self.stage = "bm25" if index.dense_fraction < 1.0 else "complete"
        self.error: str | None = None
        self.started = time.monotonic()
        self._first_fraction = index.dense_fraction
        self._stop = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._threads: list[threading.Thread] = []

    def start(self) -> BackgroundDense:
        """Start computing (worker or thread) and following (a daemon thread)."""
        self.index.background = self
        if self.embedder is not None:
            embedder = self.embedder
            self._spawn(lambda: fill_chunks(self.final, embedder, keep_going=lambda: not self._stop.is_set()), "fill")
        else:
            self._process = launch_worker(self.final)
        self._spawn(self._follow, "follow")
        log.info(
            "answering from BM25 and %.0f%% of the dense vectors while the rest is computed in the background",
            100 * self.index.dense_fraction,
        )
        return self

    def _spawn(self, target: Callable[[], Any], name: str) -> None:
        thread = threading.Thread(target=target, name=f"medqa-index-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def status(self) -> dict[str, Any]:
        """stage ('bm25' while the vectors are computed, 'complete', 'failed'), dense_fraction, rate, ETA."""
        fraction = self.index.dense_fraction
        body: dict[str, Any] = {"stage": self.stage, "dense_fraction": round(fraction, 4)}
        rate = self.rate()
        if self.stage == "bm25" and rate:
            body["passages_per_s"] = round(rate, 1)
            body["eta_s"] = round((1.0 - fraction) * len(self.index.passages) / rate)
        if self.error:
            body["error"] = self.error
        return body

    def rate(self) -> float | None:
        """Passages per second since this process started following the build (None before the first chunk)."""
        done = (self.index.dense_fraction - self._first_fraction) * len(self.index.passages)
        elapsed = time.monotonic() - self.started
        return done / elapsed if done > 0 and elapsed > 0 else None

    def _follow(self) -> None:
        folder = staging_dir(self.final)
        last_line = time.monotonic()
        while not self._stop.wait(self.poll_s):
            try:
                if (self.final / "index.json").is_file():
                    self._swap_final()
                    return
                load_chunks(self.index, folder)
            except (MedqaError, OSError) as exc:
                self.stage, self.error = "failed", str(exc)
                log.error("the background index build failed: %s; answering from BM25 and the vectors ready", exc)
                return
            if self._process is not None and self._process.poll() not in (None, 0):
                self._process = launch_worker(self.final)  # it died (killed, out of memory): start another
            if time.monotonic() - last_line >= self.log_every_s:
                last_line = time.monotonic()
                done = self.index.dense_fraction * len(self.index.passages)
                log.info("%s", progress_line("dense index", done, len(self.index.passages), self.rate(), "passages"))

    def _swap_final(self) -> None:
        complete = Index.load(self.final, self.index.embedder)
        complete.verify_files()
        self.index.swap_in(complete)
        self.stage = "complete"
        log.info(
            "dense index complete: every passage has its vector (%s after this process started)",
            eta_text(time.monotonic() - self.started),
        )

    def wait(self, timeout: float) -> bool:
        """Block until the build is complete (or `timeout` seconds pass); True when complete."""
        deadline = time.monotonic() + timeout
        while self.stage == "bm25" and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.stage == "complete"

    def stop(self) -> None:
        """Stop following and computing (the chunks written stay for the next start)."""
        self._stop.set()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
        for thread in self._threads:
            thread.join(timeout=30)


def open_or_stage(
    final: Path, config: IndexConfig, embedder: Embedder, bulk: Embedder | None = None
) -> tuple[Index, bool]:
    """The index at `final` when complete (loaded and fully verified: (index, True)); otherwise its
    staged build, answering at once, completed in the background (`BackgroundDense`): (index, False)."""
    if (final / "index.json").is_file():
        complete = Index.load(final, embedder)
        complete.verify_files()
        return complete, True
    prepare_staging(config, final, embedder)
    index = open_staged(final, embedder)
    BackgroundDense(index, final, bulk).start()
    return index, False


def borrowed_index(config: IndexConfig, donor: Index | None, embedder: Embedder) -> Index:
    """An index of `config`'s corpus in seconds: BM25 over every passage, and each passage's vector
    taken from `donor` (an index of the same embedder, complete or staged) where it has it ready;
    the others are found by BM25 alone (`dense_ready`). Nothing is embedded but the probe text."""

    rows = read_corpus(config.data, config.all_splits)
    passages = passages_from_rows(rows, config.max_words)
    if not passages:
        raise MedqaError(f"the corpus {config.data or 'bundled MedQuAD'} is empty: no row has a question and an answer")
    probe = np.asarray(embedder.encode([PROBE_TEXT])[0], dtype=np.float32)
    vectors = np.zeros((len(passages), probe.shape[0]), dtype=np.float32)
    ready = np.zeros(len(passages), dtype=bool)
    if donor is not None and donor.embedder.name == embedder.name:
        donor_vectors, donor_ready = donor.dense_view()  # one consistent state of a donor still being built
        rows_of = {p.index_text(): i for i, p in enumerate(donor.passages)}
        for i, passage in enumerate(passages):
            j = rows_of.get(passage.index_text())
            if j is not None and (donor_ready is None or donor_ready[j]):
                vectors[i], ready[i] = donor_vectors[j], True
    bm25 = bm25_over([p.index_text() for p in passages])
    meta = {
        **manifest_header(embedder, len(passages), config.rrf_k, config.candidates),
        "rows": len(rows),
        "config": dataclasses.asdict(config),
        "vectors_from": str(donor.path or "a staged index") if donor is not None else None,
    }
    return Index(passages, vectors, bm25, embedder, meta, dense_ready=None if ready.all() else ready)


if __name__ == "__main__":
    sys.exit(worker_main())
