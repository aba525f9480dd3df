"""Hybrid retrieval over the trusted corpus: BM25 plus MiniLM vectors, fused by reciprocal rank.

The interface is llama_index-sized: `Index.build(passages)`, `index.persist(dir)`,
`Index.load(dir)`, `index.retrieve(query, k)`. An index folder holds

    index.json       format, embedder name, build settings and timings
    passages.jsonl   one passage per line (text, question, title, url, row id, chunk number)
    vectors.npy      float32 (n_passages, dim), L2-normalised; memory-mapped on load
    bm25/            the bm25s sparse score matrix; memory-mapped on load

Passages are answer chunks cut on paragraph boundaries, each prefixed with its question for
indexing (so the second chunk of a long answer still "knows" what it answers). MiniLM reads at
most 128 word pieces (its training length): passages of <= 120 words keep most of each chunk
visible to the dense side, while BM25 always sees the whole chunk.

By default a prepared data folder contributes only `train.jsonl`, so questions of the held-out
splits never find their own answers (`all_splits=True` indexes every split).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from medqa.config import check, raise_problems
from medqa.errors import MedqaError
from medqa.fileio import atomic_output_dir, atomic_write_json, check_output_dir
from medqa.progress import progress_bar
from medqa.resources import MINILM_NAME
from medqa.retrieval.corpus import Passage, passages_from_rows, read_corpus
from medqa.retrieval.embedding import Embedder, MiniLMEmbedder

FORMAT = "medqa-hybrid-index"
FORMAT_VERSION = 1

_WORD = re.compile(r"[a-z0-9]+")


# ----------------------------------------------------------------------------------------- data types
@dataclass(frozen=True)
class RetrievedPassage:
    """A passage returned by `Index.retrieve`, best first (`score` is the fused score)."""

    text: str
    score: float
    url: str
    title: str
    question: str
    row_id: str
    passage_id: int
    dense_score: float = 0.0  # cosine similarity of query and passage (useful to abstain)


@dataclass
class IndexConfig:
    """Settings of `medqa index build`."""

    data: str | None = None
    """Prepared data folder (train.jsonl...) or a CSV/JSONL file; None means the bundled MedQuAD."""
    all_splits: bool = False
    """Index validation.jsonl and test.jsonl of a data folder too (their questions then see their answers)."""
    max_words: int = 120
    """Longest passage in words; longer answers are cut on paragraph, then sentence boundaries."""
    batch_size: int = 64
    """Passages embedded per forward pass."""
    rrf_k: int = 60
    """Reciprocal rank fusion constant: score = sum over rankers of 1 / (rrf_k + rank)."""
    candidates: int = 50
    """How many top passages each ranker contributes to the fusion."""

    def __post_init__(self) -> None:
        problems: list[str] = []
        check(problems, self.max_words >= 20, f"'max_words' must be at least 20, got {self.max_words}")
        check(problems, self.batch_size >= 1, f"'batch_size' must be positive, got {self.batch_size}")
        check(problems, self.rrf_k >= 1, f"'rrf_k' must be positive, got {self.rrf_k}")
        check(problems, self.candidates >= 1, f"'candidates' must be positive, got {self.candidates}")
        raise_problems(problems, "index configuration")


@dataclass(frozen=True)
class BuildResult:
    """What `build_index` did."""

    path: Path
    rows: int
    passages: int
    seconds: float
    embed_seconds: float


# ----------------------------------------------------------------------------------------- BM25 text
@functools.lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def bm25_tokens(text: str) -> list[str]:
    """Lower-cased, stop-word-free, Snowball-stemmed words (the same function at build and query time)."""
    stop = _stopwords()
    words = [w for w in _WORD.findall(text.lower()) if w not in stop and (len(w) > 1 or w.isdigit())]
    return _stemmer().stemWords(words)


# ----------------------------------------------------------------------------------------- the index
@dataclass
class Index:
    """A hybrid BM25 + dense index over passages. Build, persist, load, retrieve."""

    passages: list[Passage]
    vectors: np.ndarray  # (n_passages, dim) float32, L2-normalised; a read-only memmap after load
    bm25: Any  # bm25s.BM25
    embedder: Embedder
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        passages: Sequence[Passage],
        embedder: Embedder | None = None,
        batch_size: int = 64,
        rrf_k: int = 60,
        candidates: int = 50,
        progress: bool = False,
    ) -> Index:
        """Embed and BM25-index `passages` (a rich progress bar when `progress`)."""
        import bm25s

        if not passages:
            raise MedqaError("the corpus has no passages: no row has both a question and an answer")
        embedder = embedder or MiniLMEmbedder(batch_size=batch_size)
        texts = [p.index_text() for p in passages]
        started = time.perf_counter()
        vectors = _embed_all(embedder, texts, batch_size, progress)
        embed_seconds = time.perf_counter() - started
        bm25 = bm25s.BM25()
        bm25.index([bm25_tokens(t) for t in texts], show_progress=False)
        meta = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "embedder": embedder.name,
            "dim": int(vectors.shape[1]),
            "passages": len(passages),
            "rrf_k": rrf_k,
            "candidates": candidates,
            "embed_seconds": round(embed_seconds, 2),
            "build_seconds": round(time.perf_counter() - started, 2),
        }
        return cls(list(passages), vectors, bm25, embedder, meta)

    def persist(self, out: Path, overwrite: bool = False) -> None:
        """Write the index folder atomically (a temporary folder renamed into place)."""
        with atomic_output_dir(Path(out), overwrite=overwrite) as tmp:
            np.save(tmp / "vectors.npy", np.ascontiguousarray(self.vectors, dtype=np.float32))
            self.bm25.save(str(tmp / "bm25"), show_progress=False)
            with open(tmp / "passages.jsonl", "w", encoding="utf-8") as handle:
                for passage in self.passages:
                    handle.write(json.dumps(dataclasses.asdict(passage), ensure_ascii=False) + "\n")
            atomic_write_json(tmp / "index.json", self.meta)

    @classmethod
    def load(cls, path: Path, embedder: Embedder | None = None) -> Index:
        """Open an index folder; vectors and BM25 scores are memory-mapped, not read into memory."""
        import bm25s

        path = Path(path)
        meta = _read_meta(path)
        if embedder is None:
            if meta["embedder"] != MINILM_NAME:
                raise MedqaError(f"index {path} was built with the embedder {meta['embedder']!r}; pass that embedder")
            embedder = MiniLMEmbedder()
        elif embedder.name != meta["embedder"]:
            raise MedqaError(
                f"index {path} was built with the embedder {meta['embedder']!r}, not {embedder.name!r}; rebuild it"
            )
        try:
            vectors = np.load(path / "vectors.npy", mmap_mode="r")
            bm25 = bm25s.BM25.load(str(path / "bm25"), mmap=True, show_progress=False)
            with open(path / "passages.jsonl", encoding="utf-8") as handle:
                passages = [Passage(**json.loads(line)) for line in handle]
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise MedqaError(f"index {path} is damaged ({type(exc).__name__}: {exc}); rebuild it") from exc
        if len(passages) != vectors.shape[0] or vectors.shape[1] != meta["dim"]:
            raise MedqaError(f"index {path} is damaged: passages and vectors disagree; rebuild it")
        return cls(passages, vectors, bm25, embedder, meta)

    def retrieve(self, query: str, k: int = 5) -> list[RetrievedPassage]:
        """The `k` best passages for `query`, by reciprocal rank fusion of BM25 and cosine rankings."""
        if not query.strip() or k < 1:
            return []
        n = len(self.passages)
        depth = min(n, max(k, int(self.meta.get("candidates", 50))))
        rrf_k = int(self.meta.get("rrf_k", 60))
        query_vector = self.embedder.encode([query])[0]
        cosine = np.asarray(self.vectors @ query_vector, dtype=np.float32)  # (n_passages,)
        fused: dict[int, float] = {}
        # A passage sharing no word with the query has BM25 score 0: it gets no BM25 rank at all.
        for ranking in (_top(cosine, depth), _top(self._bm25_scores(query), depth, positive_only=True)):
            for rank, i in enumerate(ranking, start=1):
                fused[i] = fused.get(i, 0.0) + 1.0 / (rrf_k + rank)
        # Ties (equal fused score) go to the higher cosine, then to the earlier passage: deterministic.
        best = sorted(fused, key=lambda i: (-fused[i], -cosine[i], i))[:k]
        return [self._result(i, fused[i], float(cosine[i])) for i in best]

    def _bm25_scores(self, query: str) -> np.ndarray:
        ids = self.bm25.get_tokens_ids(bm25_tokens(query))
        if not ids:  # no query word is in the vocabulary: BM25 has no opinion
            return np.zeros(len(self.passages), dtype=np.float32)
        return self.bm25.get_scores_from_ids(ids)

    def _result(self, i: int, score: float, cosine: float) -> RetrievedPassage:
        p = self.passages[i]
        return RetrievedPassage(
            text=p.text,
            score=score,
            url=p.url,
            title=p.title,
            question=p.question,
            row_id=p.row_id,
            passage_id=i,
            dense_score=cosine,
        )


def _top(scores: np.ndarray, depth: int, positive_only: bool = False) -> list[int]:
    """Indices of the `depth` highest scores, best first (ties: lower index first)."""
    depth = min(depth, len(scores))
    part = np.argpartition(-scores, depth - 1)[:depth]
    order = part[np.lexsort((part, -scores[part]))]
    return [int(i) for i in order if scores[i] > 0 or not positive_only]


def _embed_all(embedder: Embedder, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
    # Longest first: batches of similar length waste less padding, and the ETA errs on the safe side.
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    step = max(batch_size * 4, 256)
    parts: list[np.ndarray] = []
    with progress_bar("passages", disable=not progress) as bar:
        task = bar.add_task("embedding passages", total=len(texts))
        for start in range(0, len(order), step):
            batch = [texts[i] for i in order[start : start + step]]
            parts.append(np.asarray(embedder.encode(batch), dtype=np.float32))
            bar.advance(task, len(batch))
    vectors = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)
    vectors[order] = np.concatenate(parts)
    return vectors


def _read_meta(path: Path) -> dict[str, Any]:
    if not path.is_dir():
        raise MedqaError(f"index folder {path} does not exist")
    meta_path = path / "index.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        meta = None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise MedqaError(f"{path} is not a medqa index (no valid index.json); build one with `medqa index build`")
    if meta.get("version") != FORMAT_VERSION:
        raise MedqaError(f"index {path} has format version {meta.get('version')}, this medqa reads {FORMAT_VERSION}")
    return meta


# ----------------------------------------------------------------------------------------- entry points
def build_index(
    config: IndexConfig, out: Path, overwrite: bool = False, embedder: Embedder | None = None, progress: bool = True
) -> BuildResult:
    """Read the corpus, chunk, embed, index and persist it to `out` (refused if it exists, unless overwrite)."""
    check_output_dir(Path(out), overwrite)  # before minutes of embedding, not after
    started = time.perf_counter()
    rows = read_corpus(config.data, config.all_splits)
    passages = passages_from_rows(rows, config.max_words)
    if not passages:
        raise MedqaError(f"the corpus {config.data or 'bundled MedQuAD'} is empty: no row has a question and an answer")
    index = Index.build(
        passages,
        embedder,
        batch_size=config.batch_size,
        rrf_k=config.rrf_k,
        candidates=config.candidates,
        progress=progress,
    )
    seconds = time.perf_counter() - started
    index.meta.update({"config": dataclasses.asdict(config), "rows": len(rows), "total_seconds": round(seconds, 2)})
    index.persist(Path(out), overwrite=overwrite)
    return BuildResult(Path(out), len(rows), len(passages), seconds, float(index.meta["embed_seconds"]))


def query_index(path: Path, query: str, k: int = 5) -> list[RetrievedPassage]:
    """Load the index at `path` and return the top `k` passages for `query`."""
    return Index.load(Path(path)).retrieve(query, k)
