"""Grounded training examples: a question with its own answer's passages among distractors.

The assistant answers from retrieved passages; a model that only ever saw closed questions learns
to answer from memory and guess. So a seeded share of the training rows is asked the way the
assistant asks (the one `PromptTemplate`, numbered passages): the chunks of the row's own answer,
cut as the index cuts the corpus (`retrieval.corpus.chunk_answer`), among distractor passages that
BM25 (the index's own tokens) finds for the question in *other* topics, at shuffled positions. The
target stays the reference answer, up to the end of the last own chunk shown, so it never says
what no passage says (retrieval-augmented fine-tuning).

Nothing outside the rows given can enter a prompt: the distractor pool is built from those rows
only (the training split), never from the row's own topic: the same group id, the same focus
once case, spaces and punctuation are ignored, or the same question. Which rows are grounded,
their distractors and their order are a pure function of (rows, settings, seed), so a resumed run
and every process of a distributed run build the same examples.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from medqa.retrieval.corpus import chunk_answer
from medqa.retrieval.index import bm25_tokens
from medqa.train.config import GroundingSettings

CANDIDATES = 64  # BM25 hits looked at per question; the distractors are the best of other topics
_WORD = re.compile(r"\S+")
_KEY = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class TrainingExample:
    """One training example as text: `passages` empty for a closed prompt."""

    question: str
    answer: str
    passages: tuple[str, ...] = ()


def ground_rows(rows: Sequence[dict[str, Any]], settings: GroundingSettings, seed: int) -> list[TrainingExample]:
    """Every row as a training example, in order: round(fraction x rows) of them, chosen with `seed`,
    grounded in passages; the others closed."""
    closed = [TrainingExample(r["question"], r["answer"]) for r in rows]
    count = round(settings.fraction * len(rows))
    if count == 0:
        return closed
    pool = _Pool(rows, settings.max_words)
    for i in sorted(random.Random(seed).sample(range(len(rows)), count)):
        closed[i] = pool.grounded(i, settings.passages, random.Random(seed * 1_000_003 + i))
    return closed


def topic_keys(row: dict[str, Any], index: int) -> set[str]:
    """What makes two rows one topic: the row itself, its group, its focus and its question, the
    text ones compared without case, spaces or punctuation ("branchio-oculo-facial" = "Branchiooculofacial")."""
    keys = {f"row:{index}", f"question:{_normal(row['question'])}"}
    for field in ("group", "focus"):
        value = row.get(field)
        if value not in (None, ""):
            keys.add(f"{field}:{_normal(str(value))}")
    return keys


def _normal(text: str) -> str:
    return _KEY.sub("", text.lower())


class _Pool:
    """The passages of `rows` (chunks of their answers) with a BM25 index over them."""

    def __init__(self, rows: Sequence[dict[str, Any]], max_words: int) -> None:
        import bm25s

        self.rows = rows
        self.keys = [topic_keys(row, i) for i, row in enumerate(rows)]
        self.chunks = [chunk_answer(row["answer"], max_words) for row in rows]
        self.texts = [text for chunks in self.chunks for text in chunks]
        self.owner = [i for i, chunks in enumerate(self.chunks) for _ in chunks]
        self.bm25 = bm25s.BM25()
        # Indexed as the retrieval index reads a passage: its question, then its text.
        self.bm25.index(
            [bm25_tokens(f"{rows[i]['question']}\n{t}") for i, t in zip(self.owner, self.texts, strict=True)],
            show_progress=False,
        )

    def grounded(self, i: int, passages: int, rng: random.Random) -> TrainingExample:
        """Row `i` with up to passages - 1 of its own chunks and distractors to make `passages`, shuffled."""
        row, chunks = self.rows[i], self.chunks[i]
        own = chunks[: passages - 1] if len(chunks) >= passages else chunks
        answer = row["answer"] if len(own) == len(chunks) else _through_words(row["answer"], own)
        shown = [*own, *self._distractors(i, set(own), passages - len(own), rng)]
        rng.shuffle(shown)
        return TrainingExample(row["question"], answer, tuple(shown))

    def _distractors(self, i: int, own: set[str], count: int, rng: random.Random) -> list[str]:
        """`count` passages of other topics: the best BM25 hits for row i's question, one per row,
        then (a question with too few hits) seeded random ones."""
        picked: list[str] = []
        rows_used: set[int] = set()

        def take(j: int) -> None:
            row = self.owner[j]
            if row in rows_used or self.texts[j] in own or self.keys[i] & self.keys[row]:
                return
            rows_used.add(row)
            picked.append(self.texts[j])

        for j in self._hits(self.rows[i]["question"]):
            if len(picked) == count:
                return picked
            take(j)
        start = rng.randrange(len(self.texts))
        for k in range(len(self.texts)):
            if len(picked) == count:
                break
            take((start + k) % len(self.texts))
        return picked  # fewer only when the rows hold too few other topics

    def _hits(self, question: str) -> list[int]:
        """Passage indices by BM25 score for `question`, best first (ties: lower index), score > 0 only."""
        ids = self.bm25.get_tokens_ids(bm25_tokens(question))
        if not ids:
            return []
        scores = self.bm25.get_scores_from_ids(ids)
        depth = min(CANDIDATES, len(scores))
        top = np.argpartition(-scores, depth - 1)[:depth]
        top = top[np.lexsort((top, -scores[top]))]
        return [int(j) for j in top if scores[j] > 0]


def _through_words(answer: str, chunks: Sequence[str]) -> str:
    """`answer` up to the end of `chunks`, its first chunks (chunking keeps every word, in order), with
    the answer's own line breaks."""
    words = sum(len(c.split()) for c in chunks)
    ends = [m.end() for m in _WORD.finditer(answer)]
    return answer[: ends[words - 1]].strip()
