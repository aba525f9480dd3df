"""Grounded evaluation: answers from the assistant (retrieval + citations), and how well they
stick to their sources.

Two indexes, two questions answered:
- mode=grounded retrieves from an index of the training split only: a held-out question never
  finds its own answer page, so the scores measure generalisation to unseen questions;
- mode=open-book retrieves from an index of every split: the question's own page is there, so the
  scores measure faithful reading of the right page, not generalisation (`own_page_retrieved`
  says how often the page was among the passages the assistant was given).

Metrics (besides the faithfulness of `medqa.evaluate.faithfulness`):
- groundedness: the share of answer sentences supported by a cited passage, where "supported"
  means MiniLM cosine similarity >= SUPPORT_THRESHOLD with some sentence of a cited passage (the
  same embedding proxy for entailment as K-QA coverage, see bench/kqa_coverage.py);
- citation_validity: the share of `[n]` markers in the answer that point at a passage the
  assistant retrieved for that question;
- abstention: the share of questions the assistant declined for lack of a relevant passage.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from medqa.errors import MedqaError
from medqa.evaluate.coverage import COVERAGE_THRESHOLD, sentences
from medqa.evaluate.faithfulness import MARKER, Source
from medqa.evaluate.metrics import MetricStats, _ratio

SUPPORT_THRESHOLD = COVERAGE_THRESHOLD


@dataclass
class GroundedAnswers:
    """What the assistant said for each question, with its sources."""

    answers: list[str] = field(default_factory=list)
    cited_texts: list[list[str]] = field(default_factory=list)  # texts of the passages each answer cites
    retrieved: list[int] = field(default_factory=list)  # how many passages were retrieved
    abstained: list[bool] = field(default_factory=list)
    details: list[dict[str, Any]] = field(default_factory=list)  # citations and flags, for predictions.jsonl
    sources: list[dict[int, Source]] = field(default_factory=list)  # [n] -> the passage it points at
    passage_keys: list[set[tuple[str, str]]] = field(default_factory=list)  # (question, url) of each passage given


def train_index_path(data: str) -> Path:
    """Where the index of a prepared folder's training split lives (built on first use)."""
    return Path(data) / "index-train"


def all_splits_index_path(data: str) -> Path:
    """Where the open-book index of a prepared folder's every split lives (built on first use)."""
    return Path(data) / "index-all"


def open_eval_index(
    data: str, index: str | None, scoring_heldout: bool, console: Console, open_book: bool = False
) -> Any:
    """The index for grounded answers. Scoring a held-out split of a prepared folder needs an index
    of that folder's training split only; anything else would let questions see their answers.
    `open_book` wants the opposite on purpose: an index of every split (the question's own page too)."""
    from medqa.retrieval.index import Index, IndexConfig, build_index

    if index is None:
        if not Path(data).is_dir():
            raise MedqaError(
                f"{'open-book' if open_book else 'grounded'} mode on a file or on kqa needs --set index=INDEX "
                "(see `medqa index build`)"
            )
        path = all_splits_index_path(data) if open_book else train_index_path(data)
        if not (path / "index.json").is_file():
            what = "every split" if open_book else "train.jsonl (training split only)"
            console.print(f"building the index of {data}: {what}, into {path} ...")
            started = time.perf_counter()
            embedder = reusing_embedder()
            build_index(IndexConfig(data=data, all_splits=open_book), path, overwrite=path.exists(), embedder=embedder)
            seconds = time.perf_counter() - started
            if embedder is None:
                console.print(f"built the index in {seconds:.0f} s")
            else:
                console.print(
                    f"built the index in {seconds:.0f} s: {embedder.reused} passage vectors reused from "
                    f"{embedder.source}, {embedder.embedded} embedded"
                )
        return Index.load(path)
    opened = Index.load(Path(index))
    if scoring_heldout and not open_book:
        built = opened.meta.get("config", {})
        same_folder = built.get("data") and Path(built["data"]).resolve() == Path(data).resolve()
        if not same_folder or built.get("all_splits"):
            raise MedqaError(
                f"index {index} was not built from {data}/train.jsonl alone, so held-out questions could retrieve "
                f"their own answers; leave out --set index=... to build the right one"
            )
    return opened


class ReusedVectors:
    """An embedder that takes each text's vector from an index already built with the same model,
    and embeds only the texts that index lacks. The bundled-corpus index the server builds holds
    nearly every passage of the bundled data's training split, so the evaluation's training-only
    index costs BM25 and a lookup instead of minutes of embedding. Only vectors are borrowed: what
    the new index holds is decided by its own corpus (the training split), never by the donor."""

    def __init__(self, donor: Any, embedder: Any) -> None:
        self.name = embedder.name
        self.donor, self.embedder = donor, embedder
        self.source = str(getattr(donor, "path", None) or "an index")
        self.rows = {p.index_text(): i for i, p in enumerate(donor.passages)}
        self.reused = self.embedded = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        found = [self.rows.get(text) for text in texts]
        known = [i for i, row in enumerate(found) if row is not None]
        missing = [i for i, row in enumerate(found) if row is None]
        vectors = np.empty((len(texts), self.donor.vectors.shape[1]), dtype=np.float32)
        if known:
            vectors[known] = self.donor.vectors[[found[i] for i in known]]
        if missing:
            vectors[missing] = self.embedder.encode([texts[i] for i in missing])
        self.reused, self.embedded = self.reused + len(known), self.embedded + len(missing)
        return vectors


def reusing_embedder() -> ReusedVectors | None:
    """MiniLM that reuses the vectors of the bundled-corpus index in the cache, when it is there and
    intact; None otherwise (nothing is built for it)."""
    from medqa.assistant.load import default_index_dir
    from medqa.retrieval.embedding import MiniLMEmbedder
    from medqa.retrieval.index import Index

    path = default_index_dir()
    if not (path / "index.json").is_file():
        return None
    embedder = MiniLMEmbedder()
    try:
        donor = Index.load(path, embedder)
        donor.verify_files()
    except MedqaError:
        return None
    return ReusedVectors(donor, embedder)


def answer_all(
    assistant: Any, questions: Sequence[str], progress: Any, task: Any, parallel: int = 1
) -> GroundedAnswers:
    """Ask the assistant every question, as a user would (streamed answers, sources, safety), with up
    to `parallel` questions in flight: the llama.cpp engine decodes concurrent answers together."""
    from concurrent.futures import ThreadPoolExecutor

    def ask(question: str) -> Any:
        answer = assistant.answer(question)
        progress.advance(task)
        return answer

    with ThreadPoolExecutor(max(1, parallel), thread_name_prefix="medqa-eval") as pool:
        answers = list(pool.map(ask, questions))  # in question order
    result = GroundedAnswers()
    for answer in answers:
        by_number = {c.number: c for c in answer.citations}
        cited = sorted({int(n) for n in MARKER.findall(answer.answer)} & set(by_number)) or sorted(by_number)
        passages = {p.passage_id: p.text for p in answer.passages}
        sources = numbered_sources(answer)
        result.answers.append(_without_notes(answer.answer, answer.notes))
        result.cited_texts.append([passages.get(by_number[n].passage_id, "") for n in cited])
        result.retrieved.append(len(answer.passages))
        result.abstained.append(answer.abstained)
        result.sources.append(sources)
        result.passage_keys.append({(_normal(p.question), p.url) for p in answer.passages})
        result.details.append(
            {
                "citations": [vars(c) for c in answer.citations],
                "abstained": answer.abstained,
                "extractive": answer.extractive,
                "triage": answer.triage,
                "passages": {str(n): {"title": s.title, "text": s.text} for n, s in sources.items()},
            }
        )
    return result


def numbered_sources(answer: Any) -> dict[int, Source]:
    """What each `[n]` of an answer points at: the n-th passage the assistant was given, or the
    passage its citation names (where the two differ, the citation wins)."""
    sources = {n: Source(p.text, p.title) for n, p in enumerate(answer.passages, start=1)}
    by_id = {p.passage_id: p for p in answer.passages}
    for citation in answer.citations:
        passage = by_id.get(citation.passage_id)
        if passage is not None:
            sources[citation.number] = Source(passage.text, passage.title)
    return sources


def own_page_metric(grounded: GroundedAnswers, questions: Sequence[str], urls: Sequence[str]) -> MetricStats:
    """own_page_retrieved: the share of questions whose own answer (same question, same page) was
    among the passages the assistant was given: ~0 with a training-only index, high in open book."""
    found = [
        float(any(q == _normal(question) and (not url or u == url) for q, u in keys))
        for keys, question, url in zip(grounded.passage_keys, questions, urls, strict=True)
    ]
    return MetricStats("own_page_retrieved", np.column_stack([found, np.ones(len(found))]), _ratio)


def _normal(question: str) -> str:
    return " ".join(question.lower().split()).rstrip(" ?")


def grounding_metrics(grounded: GroundedAnswers, embedder: Any) -> list[MetricStats]:
    """groundedness, citation_validity and abstention as bootstrappable statistics."""
    support, validity = [], []
    for answer, cited, retrieved, abstained in zip(
        grounded.answers, grounded.cited_texts, grounded.retrieved, grounded.abstained, strict=True
    ):
        parts = [] if abstained else sentences(MARKER.sub("", answer))
        source_parts = [s for text in cited for s in sentences(text)]
        if parts and source_parts:
            vectors = embedder.encode([*parts, *source_parts])
            similarity = vectors[: len(parts)] @ vectors[len(parts) :].T
            support.append((int((similarity.max(axis=1) >= SUPPORT_THRESHOLD).sum()), len(parts)))
        else:
            support.append((0, len(parts)))
        numbers = [int(n) for n in MARKER.findall(answer)]
        validity.append((sum(1 for n in numbers if 1 <= n <= retrieved), len(numbers)))
    abstention = np.column_stack([np.asarray(grounded.abstained, dtype=np.float64), np.ones(len(grounded.abstained))])
    return [
        MetricStats("groundedness", np.asarray(support, dtype=np.float64).reshape(-1, 2), _ratio),
        MetricStats("citation_validity", np.asarray(validity, dtype=np.float64).reshape(-1, 2), _ratio),
        MetricStats("abstention_rate", abstention, _ratio, higher_is_better=False),
    ]


def _without_notes(text: str, notes: str) -> str:
    """The answer without the assistant's notes (the crisis line, the personal-advice note, "The sources found
    do not say whether ..."): statements about the answer, not claims of a source, so neither scored against
    the reference nor judged for support or polarity."""
    for note in (n.strip() for n in notes.split("\n\n")):
        if note:
            text = text.replace(note, " ", 1)
    return text.strip()
