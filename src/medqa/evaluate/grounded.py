"""Grounded evaluation: answers from the assistant (retrieval + citations), and how well they
stick to their sources.

- groundedness: the share of answer sentences supported by a cited passage, where "supported"
  means MiniLM cosine similarity >= SUPPORT_THRESHOLD with some sentence of a cited passage (the
  same embedding proxy for entailment as K-QA coverage, see bench/kqa_coverage.py);
- citation_validity: the share of `[n]` markers in the answer that point at a passage the
  assistant retrieved for that question;
- abstention: the share of questions the assistant declined for lack of a relevant passage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from medqa.assistant.answer import CITATION
from medqa.errors import MedqaError
from medqa.evaluate.coverage import COVERAGE_THRESHOLD, sentences
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


def train_index_path(data: str) -> Path:
    """Where the index of a prepared folder's training split lives (built on first use)."""
    return Path(data) / "index-train"


def open_eval_index(data: str, index: str | None, scoring_heldout: bool, console: Console) -> Any:
    """The index for grounded answers. Scoring a held-out split of a prepared folder needs an index
    of that folder's training split only; anything else would let questions see their answers."""
    from medqa.retrieval.index import Index, IndexConfig, build_index

    if index is None:
        if not Path(data).is_dir():
            raise MedqaError("grounded mode on a file or on kqa needs --set index=INDEX (see `medqa index build`)")
        path = train_index_path(data)
        if not (path / "index.json").is_file():
            console.print(f"building the index of {data}/train.jsonl (training split only) into {path} ...")
            build_index(IndexConfig(data=data), path, overwrite=path.exists())
        return Index.load(path)
    opened = Index.load(Path(index))
    if scoring_heldout:
        built = opened.meta.get("config", {})
        same_folder = built.get("data") and Path(built["data"]).resolve() == Path(data).resolve()
        if not same_folder or built.get("all_splits"):
            raise MedqaError(
                f"index {index} was not built from {data}/train.jsonl alone, so held-out questions could retrieve "
                f"their own answers; leave out --set index=... to build the right one"
            )
    return opened


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
        cited = sorted({int(n) for n in CITATION.findall(answer.answer)} & set(by_number)) or sorted(by_number)
        passages = {p.passage_id: p.text for p in answer.passages}
        result.answers.append(answer.answer)
        result.cited_texts.append([passages.get(by_number[n].passage_id, "") for n in cited])
        result.retrieved.append(len(answer.passages))
        result.abstained.append(answer.abstained)
        result.details.append(
            {
                "citations": [vars(c) for c in answer.citations],
                "abstained": answer.abstained,
                "extractive": answer.extractive,
                "triage": answer.triage,
            }
        )
    return result


def grounding_metrics(grounded: GroundedAnswers, embedder: Any) -> list[MetricStats]:
    """groundedness, citation_validity and abstention as bootstrappable statistics."""
    support, validity = [], []
    for answer, cited, retrieved, abstained in zip(
        grounded.answers, grounded.cited_texts, grounded.retrieved, grounded.abstained, strict=True
    ):
        parts = [] if abstained else sentences(CITATION.sub("", answer))
        source_parts = [s for text in cited for s in sentences(text)]
        if parts and source_parts:
            vectors = embedder.encode([*parts, *source_parts])
            similarity = vectors[: len(parts)] @ vectors[len(parts) :].T
            support.append((int((similarity.max(axis=1) >= SUPPORT_THRESHOLD).sum()), len(parts)))
        else:
            support.append((0, len(parts)))
        numbers = [int(n) for n in CITATION.findall(answer)]
        validity.append((sum(1 for n in numbers if 1 <= n <= retrieved), len(numbers)))
    abstention = np.column_stack([np.asarray(grounded.abstained, dtype=np.float64), np.ones(len(grounded.abstained))])
    return [
        MetricStats("groundedness", np.asarray(support, dtype=np.float64).reshape(-1, 2), _ratio),
        MetricStats("citation_validity", np.asarray(validity, dtype=np.float64).reshape(-1, 2), _ratio),
        MetricStats("abstention_rate", abstention, _ratio, higher_is_better=False),
    ]
