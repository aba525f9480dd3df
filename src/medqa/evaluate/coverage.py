"""K-QA must-have coverage: the share of required statements an answer entails.

Entailment is approximated with the bundled MiniLM: a statement counts as covered when some
sentence of the answer has cosine similarity >= COVERAGE_THRESHOLD with it. The threshold was
calibrated on K-QA itself (see `bench/README.md`): physicians' reference answers cover most of
their own statements at this value, and answers to other questions cover few.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

COVERAGE_THRESHOLD = 0.6
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[str]:
    """Sentences (and list items) of an answer, without empty pieces."""
    return [s.strip() for s in _SENTENCE_END.split(text) if len(s.strip()) > 2]


def statement_coverage(
    answers: Sequence[str], statements: Sequence[Sequence[str]], embedder: Any, threshold: float = COVERAGE_THRESHOLD
) -> list[tuple[int, int]]:
    """(covered, total) statements per answer."""
    result = []
    for answer, required in zip(answers, statements, strict=True):
        parts = sentences(answer)
        if not required:
            result.append((0, 0))
            continue
        if not parts:
            result.append((0, len(required)))
            continue
        vectors = embedder.encode([*required, *parts])  # rows are unit length: dot product = cosine
        similarity = vectors[: len(required)] @ vectors[len(required) :].T  # (statements, sentences)
        result.append((int((similarity.max(axis=1) >= threshold).sum()), len(required)))
    return result


def coverage_stats(pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    return np.asarray(pairs, dtype=np.float64).reshape(-1, 2)
