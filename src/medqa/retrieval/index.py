"""Hybrid retrieval over the trusted corpus: BM25 plus MiniLM vectors, fused by reciprocal rank.

The interface is llama_index-sized: `Index.build(passages)`, `index.persist(dir)`,
`Index.load(dir)`, `index.retrieve(query, k)`. An index folder holds

    index.json       format, embedder name and probe vector, build settings, timings, and the
                     manifest: size and sha256 of every other file
    passages.jsonl   one passage per line (text, question, title, url, row id, chunk number)
    vectors.npy      float32 (n_passages, dim), L2-normalised; memory-mapped on load
    bm25/            the bm25s sparse score matrix; memory-mapped on load
    dense_ready.npy  only in an index with part of its vectors: bool (n_passages,), True where the
                     row of vectors.npy is computed; the other passages are found by BM25 alone

An index can answer with part of its vectors (`dense_ready`): while the bundled corpus's vectors
are computed in the background (`medqa.retrieval.staged`), BM25 alone ranks (recall@5 0.893 vs
0.907 hybrid; a dense ranking over part of the rows does worse, see `retrieve`), and each passage
returned gets its true cosine (`dense_score`, on which the assistant abstains). `swap_dense`/`swap_in`
replace the vectors in one assignment, so a query in flight finishes on the state it started with.

Passages are answer chunks cut on paragraph boundaries, each prefixed with its question for
indexing (so the second chunk of a long answer still "knows" what it answers). MiniLM reads at
most 128 word pieces (its training length): passages of <= 120 words keep most of each chunk
visible to the dense side, while BM25 always sees the whole chunk.

A third ranking joins the fusion: the passages' questions alone (`QuestionRanker`), TF-IDF cosine
with the query, for questions at cosine >= MIN_QUESTION_COSINE only, with its own RRF constant
(QUESTION_RRF_K = 10 against 60, so its first rank counts). Measured (issue 13) on the validation split
of the main job's data against the bundled-corpus index, with the assistant's k=3 and relevance filter:
the question's own answer (same question, same page) was among the passages given for 84.4% of the
1,631 questions, and 96.0% with it (with the question ranking weighted like the others: 90.2%). The
misses had been the question's topic found, but not what it asks: a summary chunk ("What is (are) X?",
whose Key Points name symptoms, outlook and risk) or another question of the same page outranking
"What is the outlook for X?". What is left is mostly the same question, word for word, on two or more
pages (several CancerGov pages ask "What is (are) Breast Cancer ?"): nothing in the question says which
is meant. Lay questions are not near any question of the corpus (TF-IDF cosine: median 0.31, 90th
percentile 0.49 on bench/relevance.py's dev set; 1.0 for MedQuAD's own questions), so the threshold
keeps the question ranking out of their way: without it bench/relevance.py dev fell from 0.885 to 0.721
answered from the right page. The ranking is built when the index is opened (0.65 s for the bundled
corpus's 14,979 questions on 2 busy cores), not stored: no index needs rebuilding.

By default a prepared data folder contributes only `train.jsonl`, so questions of the held-out
splits never find their own answers (`all_splits=True` indexes every split).

A damaged index must never be served as healthy: overwritten BM25 arrays made every question fail,
and permuted vector rows cited unrelated pages with answers that looked normal. `Index.load`
therefore checks quickly (the manifest's sizes, a seeded sample of rows re-embedded and compared
with the stored vectors, BM25 scoring a probe) and `Index.verify_files` checks every file's sha256
(a full read: the server runs it in the background). Either raises `IndexDamaged`.
Indexes written before the manifest existed (same FORMAT_VERSION, no "files") still load, with a
warning, and get the sample and probe checks: the version was not bumped because that would force
every user to rebuild (minutes to hours of embedding on a laptop CPU, and a custom corpus may no
longer be at hand), while the checks that find the reported damage work without checksums.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import hashlib
import json
import logging
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
MANIFEST = "index.json"
SAMPLE_ROWS = 16  # rows re-embedded at load: ~0.3 s with MiniLM on llama.cpp
# The same text embedded again, by either MiniLM engine, gives cosine >= 0.9999 (measured on 600
# passages); the most similar *other* passage of the bundled corpus reaches 0.91.
MIN_ROW_COSINE = 0.99
PROBE_TEXT = "How is high blood pressure treated?"  # embedded at build: the embedder's fingerprint
# The question ranker's RRF constant: smaller than `rrf_k`, so that its first ranks (the question that
# is asked, rather than another question about the same topic) weigh more than the others' first ranks,
# which differ by 1/60 - 1/61 (module docstring; 5, 10, 20 and 60 compared on the validation split).
QUESTION_RRF_K = 10
# Only questions this close to the query (TF-IDF cosine) are ranked by it: a question of the corpus asked
# again, in its words or nearly. A lay question shares a word or two with many questions, and ranked
# on them it pushed the right page out of the top 3 (bench/relevance.py dev: right 0.885 -> 0.721).
MIN_QUESTION_COSINE = 0.7
log = logging.getLogger("medqa.retrieval")


class IndexDamaged(MedqaError):
    """The files of an index folder do not match its manifest, or it cannot answer: rebuild it."""


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
def bm25_over(texts: Sequence[str]) -> Any:
    """The BM25 half of an index: one tokenisation for every builder (full, staged, borrowed)."""
    import bm25s

    bm25 = bm25s.BM25()
    bm25.index([bm25_tokens(t) for t in texts], show_progress=False)
    return bm25


def manifest_header(embedder: Embedder, passages: int, rrf_k: int, candidates: int) -> dict[str, Any]:
    """The manifest fields every index folder starts with: its format and the embedder's identity
    (a probe vector, checked at load), so full, staged and borrowed indexes are verified alike."""
    probe = np.asarray(embedder.encode([PROBE_TEXT])[0], dtype=np.float32)
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "embedder": embedder.name,
        "embedder_probe": {"text": PROBE_TEXT, "vector": [round(float(x), 6) for x in probe]},
        "dim": int(probe.shape[0]),
        "passages": passages,
        "rrf_k": rrf_k,
        "candidates": candidates,
    }


@dataclass
class Index:
    """A hybrid BM25 + dense index over passages. Build, persist, load, retrieve."""

    passages: list[Passage]
    vectors: np.ndarray  # (n_passages, dim) float32, L2-normalised; a read-only memmap after load
    bm25: Any  # bm25s.BM25
    embedder: Embedder
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None  # the folder it was loaded from (None: built in memory)
    files_verified: bool = False  # every file's sha256 matched the manifest (`verify_files`)
    dense_ready: np.ndarray | None = None  # bool (n_passages,): rows of `vectors` computed; None: all
    background: Any = None  # the background build completing the vectors (`staged.BackgroundDense`), if any

    def __post_init__(self) -> None:
        # What `retrieve` reads, in ONE attribute: a swap replaces it whole, never half.
        self._view: tuple[np.ndarray, np.ndarray | None, Any] = (self.vectors, self.dense_ready, self.bm25)
        # Depends on the passages alone, which a swap never changes: built here, not stored in the folder.
        self._questions = QuestionRanker(self.passages)

    @property
    def dense_fraction(self) -> float:
        """The share of passages whose dense vector is ready (1.0 for a complete index)."""
        ready = self._view[1]
        return 1.0 if ready is None else float(np.count_nonzero(ready)) / max(1, len(ready))

    def dense_view(self) -> tuple[np.ndarray, np.ndarray | None]:
        """The vectors and their ready flags (None: all) as one consistent pair, even mid-swap."""
        vectors, ready, _ = self._view
        return vectors, ready

    def swap_dense(self, vectors: np.ndarray, ready: np.ndarray | None) -> None:
        """Serve `vectors` (rows where `ready`; None: all) from now on; queries in flight keep theirs."""
        self.vectors, self.dense_ready = vectors, ready
        self._view = (vectors, ready, self._view[2])

    def swap_in(self, other: Index) -> None:
        """Serve `other`'s vectors, BM25, files and manifest (the same passages) from now on, atomically
        for `retrieve`: the completed index replacing the staged one."""
        if [p.index_text() for p in other.passages[:1]] != [p.index_text() for p in self.passages[:1]] or len(
            other.passages
        ) != len(self.passages):
            raise MedqaError("cannot swap in an index of other passages")
        self.vectors, self.dense_ready, self.bm25 = other.vectors, other.dense_ready, other.bm25
        self.meta, self.path, self.files_verified = other.meta, other.path, other.files_verified
        self._view = (other.vectors, other.dense_ready, other.bm25)

    def readiness(self) -> dict[str, Any]:
        """What /ready says about retrieval: the stage, and the background build's progress if any."""
        if self.background is not None:
            return dict(self.background.status())
        fraction = self.dense_fraction
        return {"stage": "complete" if fraction >= 1.0 else "partial", "dense_fraction": round(fraction, 4)}

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

        if not passages:
            raise MedqaError("the corpus has no passages: no row has both a question and an answer")
        embedder = embedder or MiniLMEmbedder(batch_size=batch_size)
        texts = [p.index_text() for p in passages]
        started = time.perf_counter()
        vectors = _embed_all(embedder, texts, batch_size, progress)
        embed_seconds = time.perf_counter() - started
        bm25 = bm25_over(texts)
        meta = {
            **manifest_header(embedder, len(passages), rrf_k, candidates),
            "embed_seconds": round(embed_seconds, 2),
            "build_seconds": round(time.perf_counter() - started, 2),
        }
        return cls(list(passages), vectors, bm25, embedder, meta)

    def persist(self, out: Path, overwrite: bool = False) -> None:
        """Write the index folder atomically (a temporary folder renamed into place)."""
        with atomic_output_dir(Path(out), overwrite=overwrite) as tmp:
            np.save(tmp / "vectors.npy", np.ascontiguousarray(self.vectors, dtype=np.float32))
            if self.dense_ready is not None and not self.dense_ready.all():
                np.save(tmp / "dense_ready.npy", np.asarray(self.dense_ready, dtype=bool))
            self.meta["dense_rows"] = int(round(self.dense_fraction * len(self.passages)))
            self.bm25.save(str(tmp / "bm25"), show_progress=False)
            with open(tmp / "passages.jsonl", "w", encoding="utf-8") as handle:
                for passage in self.passages:
                    handle.write(json.dumps(dataclasses.asdict(passage), ensure_ascii=False) + "\n")
            self.meta["files"] = file_manifest(tmp)
            atomic_write_json(tmp / MANIFEST, self.meta)

    @classmethod
    def load(cls, path: Path, embedder: Embedder | None = None, verify: bool = True) -> Index:
        """Open an index folder; vectors and BM25 scores are memory-mapped, not read into memory.
        With `verify` (the default), quick checks first: every file has the size the manifest gives,
        then `verify_quick`. IndexDamaged if any fails."""
        import bm25s

        path = Path(path)
        meta = _read_meta(path)
        if verify and "files" in meta:
            _check_sizes(path, meta["files"])
        elif verify:
            log.warning(
                "index %s has no checksums (built by an older medqa): only a sample of it can be checked; "
                "rebuild it with `medqa index build --overwrite` to have every file verified",
                path,
            )
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
            ready = np.load(path / "dense_ready.npy") if (path / "dense_ready.npy").is_file() else None
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise IndexDamaged(damaged(path, f"{type(exc).__name__}: {exc}")) from exc
        if vectors.ndim != 2 or len(passages) != vectors.shape[0] or vectors.shape[1] != meta["dim"]:
            raise IndexDamaged(damaged(path, "passages.jsonl and vectors.npy disagree on the number of passages"))
        if ready is not None and (ready.dtype != bool or ready.shape != (len(passages),)):
            raise IndexDamaged(damaged(path, "dense_ready.npy does not hold one flag per passage"))
        index = cls(passages, vectors, bm25, embedder, meta, path, dense_ready=ready)
        if ready is not None:
            log.warning(
                "index %s has dense vectors for %d of %d passages; BM25 alone finds the others",
                path,
                int(ready.sum()),
                len(passages),
            )
        if verify:
            index.verify_quick()
        return index

    def verify_quick(self, sample: int = SAMPLE_ROWS) -> None:
        """Cheap checks that find a damaged index before it answers (IndexDamaged naming the problem):
        a seeded sample of passages re-embedded and compared with their stored vectors (permuted or
        overwritten rows, another embedder), and BM25 scoring those passages."""
        where = self.path or Path("(in memory)")
        ready = self._view[1]
        candidates = np.arange(len(self.passages)) if ready is None else np.flatnonzero(ready)
        rows = [int(candidates[i]) for i in _sample_rows(len(candidates), sample)]
        if not rows:  # no vector yet: only BM25 can be checked
            self._probe_bm25(where, _sample_rows(len(self.passages), sample))
            return
        stored = np.asarray(self.vectors[rows], dtype=np.float32)  # (sample, dim)
        fresh = np.asarray(self.embedder.encode([self.passages[i].index_text() for i in rows]), dtype=np.float32)
        cosine = np.sum(stored * fresh, axis=1)  # both L2-normalised
        bad = [(int(i), float(c)) for i, c in zip(rows, cosine, strict=True) if not c >= MIN_ROW_COSINE]
        if bad:
            raise IndexDamaged(damaged(where, self._vector_problem(bad, len(rows))))
        self._probe_bm25(where, rows)

    def _vector_problem(self, bad: list[tuple[int, float]], sampled: int) -> str:
        probe = self.meta.get("embedder_probe")
        if probe:
            vector = np.asarray(probe["vector"], dtype=np.float32)
            now = np.asarray(self.embedder.encode([probe["text"]])[0], dtype=np.float32)
            similarity = float(now @ vector / max(float(np.linalg.norm(vector)), 1e-12))
            if similarity < MIN_ROW_COSINE:
                return (
                    f"the embedder {self.embedder.name!r} gives other vectors than the one that built it "
                    f"(cosine {similarity:.3f} on a fixed probe sentence), e.g. another version of the model"
                )
        rows = ", ".join(f"{i} (cosine {c:.2f})" for i, c in bad[:5])
        return (
            f"{len(bad)} of {sampled} sampled vectors do not match their passages: rows {rows}; "
            "vectors.npy or passages.jsonl was overwritten or reordered"
        )

    def _probe_bm25(self, where: Path, rows: list[int]) -> None:
        """Each sampled passage must score above 0 for its own words, and the arrays must agree in size."""
        try:
            scores = self.bm25.scores
            nnz = len(scores["data"])
            if len(scores["indices"]) != nnz or int(scores["indptr"][-1]) != nnz:
                raise ValueError(f"the sparse arrays disagree ({nnz} scores, {len(scores['indices'])} indices)")
            if int(scores.get("num_docs", len(self.passages))) != len(self.passages):
                raise ValueError(f"it has {scores['num_docs']} documents for {len(self.passages)} passages")
            for i in rows:
                ids = self.bm25.get_tokens_ids(bm25_tokens(self.passages[i].index_text()))
                if not ids:
                    continue
                result = np.asarray(self.bm25.get_scores_from_ids(ids))
                if result.shape != (len(self.passages),) or not np.isfinite(result).all():
                    raise ValueError(f"scores of shape {result.shape} (or not finite) for passage {i}")
                if not result[i] > 0:
                    raise ValueError(f"passage {i} scores {float(result[i])} for its own words")
        except (ValueError, IndexError, KeyError, TypeError, OverflowError, OSError) as exc:
            raise IndexDamaged(damaged(where, f"the BM25 arrays (bm25/) cannot score: {exc}")) from exc

    def verify_files(self) -> None:
        """Compare every file's sha256 with the manifest written at build (a full read: ~1 GB/s);
        IndexDamaged naming the files that differ. A no-op for an in-memory or pre-manifest index."""
        if self.path is None or "files" not in self.meta:
            return
        _check_sizes(self.path, self.meta["files"])
        try:
            changed = [n for n, entry in self.meta["files"].items() if _sha256(self.path / n) != entry["sha256"]]
        except OSError as exc:
            raise IndexDamaged(damaged(self.path, f"a file cannot be read ({exc})")) from exc
        if changed:
            raise IndexDamaged(
                damaged(self.path, f"{', '.join(changed)} changed since it was built (sha256 differs from index.json)")
            )
        self.files_verified = True

    def retrieve(self, query: str, k: int = 5, exact_scores: bool = True) -> list[RetrievedPassage]:
        """The `k` best passages for `query`, by reciprocal rank fusion of BM25, cosine and question
        (`QuestionRanker`) rankings. While vectors are missing (`dense_ready`), the passages found by
        BM25 alone get their cosine computed now (`exact_scores`; off when only the ranking matters,
        e.g. a recall benchmark)."""
        if not query.strip() or k < 1:
            return []
        vectors, ready, bm25 = self._view  # one state for the whole query, even if a swap happens now
        n = len(self.passages)
        depth = min(n, max(k, int(self.meta.get("candidates", 50))))
        rrf_k = int(self.meta.get("rrf_k", 60))
        query_vector = self.embedder.encode([query])[0]
        cosine = np.asarray(vectors @ query_vector, dtype=np.float32)  # (n_passages,)
        if ready is not None:  # rows not computed yet take no part in the dense ranking
            cosine = np.where(ready, cosine, -np.inf).astype(np.float32)
        # (RRF constant, {passage: rank}) of each ranker.
        rankings = [(rrf_k, _ranks(_top(self._bm25_scores(bm25, query), depth, positive_only=True)))]
        # Part of the vectors ranks only the passages that have one and pushes the others (the right
        # page, as often as not) down: recall@5 fell from 0.893 (BM25 alone) to 0.594 with half of them
        # (bench/README.md). So the dense ranking joins only once every vector is there.
        if ready is None:
            rankings.append((rrf_k, _ranks(_top(cosine, depth))))
        rankings.append((QUESTION_RRF_K, self._questions.ranks(query, depth)))
        fused: dict[int, float] = {}
        # A passage sharing no word with the query has BM25 score 0: it gets no BM25 rank at all.
        for constant, ranking in rankings:
            for i, rank in ranking.items():
                fused[i] = fused.get(i, 0.0) + 1.0 / (constant + rank)
        # Ties (equal fused score) go to the higher cosine, then to the earlier passage: deterministic.
        best = sorted(fused, key=lambda i: (-fused[i], -cosine[i], i))[:k]
        if ready is not None and exact_scores:  # the assistant abstains on `dense_score`: compute the few
            missing = [i for i in best if not ready[i]]
            if missing:
                fresh = self.embedder.encode([self.passages[i].index_text() for i in missing])
                for i, vector in zip(missing, np.asarray(fresh, dtype=np.float32), strict=True):
                    cosine[i] = float(vector @ query_vector)
        return [self._result(i, fused[i], float(cosine[i])) for i in best]

    def _bm25_scores(self, bm25: Any, query: str) -> np.ndarray:
        ids = bm25.get_tokens_ids(bm25_tokens(query))
        if not ids:  # no query word is in the vocabulary: BM25 has no opinion
            return np.zeros(len(self.passages), dtype=np.float32)
        return np.asarray(bm25.get_scores_from_ids(ids))

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


class QuestionRanker:
    """TF-IDF cosine between the query and the passages' questions alone: which question of the
    corpus the query asks.

    Every chunk of a page's answer carries its question for indexing, but in the whole text the
    topic's words (in every chunk of every question about it) outweigh the few that say what is
    asked ("outlook", "risk", "inherited"), so "What is the outlook for Anal Cancer?" found the
    chunks of "What is (are) Anal Cancer?" first. Cosine, not BM25: BM25 rewards a short question
    that lacks a query word ("What is (are) X?" for "What are the symptoms of X?", by its length
    normalisation) while the cosine is highest for the question with the query's words and no
    others. All chunks of one question share its rank (equal scores, equal ranks). Written here with numpy
    rather than scikit-learn's TfidfVectorizer (the same smoothed idf and l2 norm): the server does not import
    scikit-learn, and importing it would add ~1.9 s to its start (measured on this machine)."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        ids: dict[str, int] = {}
        self.of_passage = np.array([ids.setdefault(p.question, len(ids)) for p in passages], dtype=np.int64)
        order = np.argsort(self.of_passage, kind="stable")  # passages grouped by question, in passage order
        self._passages = np.split(order, np.flatnonzero(np.diff(self.of_passage[order])) + 1) if ids else []
        counts = [collections.Counter(bm25_tokens(q)) for q in ids]
        df = collections.Counter(t for c in counts for t in c)
        self.idf = {t: float(np.log((1 + len(counts)) / (1 + n)) + 1.0) for t, n in df.items()}
        norms = [float(np.sqrt(sum((tf * self.idf[t]) ** 2 for t, tf in c.items()))) or 1.0 for c in counts]
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for q, (c, norm) in enumerate(zip(counts, norms, strict=True)):
            for t, tf in c.items():
                rows, weights = postings.setdefault(t, ([], []))
                rows.append(q)
                weights.append(tf * self.idf[t] / norm)
        self.postings = {t: (np.array(r, dtype=np.int64), np.array(w)) for t, (r, w) in postings.items()}
        self.questions = len(ids)
        self.unseen_idf = float(np.log(1 + len(counts)) + 1.0)

    def ranks(self, query: str, depth: int) -> dict[int, int]:
        """{passage: rank} for the passages of the `depth` best-matching questions (positive scores only)."""
        words = collections.Counter(bm25_tokens(query))
        if not self.questions or not words:
            return {}
        scores = np.zeros(self.questions)
        for t, tf in words.items():
            if t in self.postings:
                rows, weights = self.postings[t]
                scores[rows] += tf * self.idf[t] * weights
        # A word no question has weighs as the rarest: "my knees hurt on stairs" is not a question of the corpus.
        scores /= np.sqrt(sum((tf * self.idf.get(t, self.unseen_idf)) ** 2 for t, tf in words.items()))
        scores[scores < MIN_QUESTION_COSINE] = 0.0
        ranks: dict[int, int] = {}
        rank, previous = 0, None
        for position, q in enumerate(_top(scores, depth, positive_only=True), start=1):
            if scores[q] != previous:
                rank, previous = position, scores[q]
            for i in self._passages[q]:
                ranks[int(i)] = rank
        return ranks


def _ranks(ranking: list[int]) -> dict[int, int]:
    """{item: 1-based position} of a ranking, best first."""
    return {i: rank for rank, i in enumerate(ranking, start=1)}


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


def damaged(path: Path, problem: str) -> str:
    """The message of IndexDamaged: what is wrong and how to get a good index again."""
    return f"index {path} is damaged: {problem}; rebuild it with `medqa index build --out {path} --overwrite`"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def file_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """{relative path: {"bytes", "sha256"}} of every file in an index folder but its index.json."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)
    return {p.relative_to(folder).as_posix(): {"bytes": p.stat().st_size, "sha256": _sha256(p)} for p in files}


def _check_sizes(path: Path, files: dict[str, dict[str, Any]]) -> None:
    problems = []
    for name, entry in files.items():
        file = path / name
        if not file.is_file():
            problems.append(f"{name} is missing")
        elif file.stat().st_size != entry["bytes"]:
            problems.append(f"{name} has {file.stat().st_size} bytes, not {entry['bytes']}")
    if problems:
        raise IndexDamaged(damaged(path, "; ".join(problems)))


def _sample_rows(n: int, size: int) -> list[int]:
    """A fixed (seeded) sample of row numbers, always with the first and the last row."""
    if n <= size:
        return list(range(n))
    middle = np.random.default_rng(0).choice(np.arange(1, n - 1), size - 2, replace=False)
    return [0, *sorted(int(i) for i in middle), n - 1]


def _read_meta(path: Path) -> dict[str, Any]:
    if not path.is_dir():
        raise MedqaError(f"index folder {path} does not exist")
    meta_path = path / MANIFEST
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
