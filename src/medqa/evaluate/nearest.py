"""The no-model yardstick `nearest`: answer each question with the answer of the most similar
training question.

Similarity is BM25 over the training questions' words (lower-case letters and digits), stop words
kept and nothing stemmed: the template words ("what are the symptoms of", "how to diagnose") say
which kind of answer fits, and keeping them copies better. Chosen on the validation split, ROUGE-L
0.264 against 0.254 with bm25s's English stop words removed (the stronger yardstick is the honest
one). MedQuAD's questions are templated ("What are the symptoms of X ?"), so the nearest training
question usually asks the same thing about a neighbouring topic, and its answer shares much of the
wording a reference answer uses. A model whose answers score below this does worse than no model
at all: every evaluation and report shows it (`medqa eval --model nearest`).

Only `train.jsonl` of a prepared data folder is read: no validation or test answer can be copied.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from medqa.errors import MedqaError

_WORD = re.compile(r"[a-z0-9]+")
NEAREST = "nearest"  # the system name `medqa eval --model nearest` answers with


@dataclass(frozen=True)
class NearestMatch:
    """The training row a question was answered from."""

    answer: str
    question: str  # the training question whose answer was copied
    row: int  # its line in train.jsonl, from 0
    score: float  # BM25 score of the match


class NearestAnswers:
    """BM25 over training questions; `match(question)` gives the most similar one's answer."""

    def __init__(self, questions: Sequence[str], answers: Sequence[str]) -> None:
        import bm25s

        if len(questions) != len(answers):
            raise ValueError("questions and answers differ in length")
        if not questions:
            raise MedqaError("nearest: the training split has no question/answer rows to copy from")
        self.questions, self.answers = list(questions), list(answers)
        self.bm25 = bm25s.BM25()
        self.bm25.index(_tokens(self.questions), show_progress=False)

    @classmethod
    def from_data(cls, data: str | Path) -> NearestAnswers:
        """From the training split of a prepared data folder (its `train.jsonl` and nothing else)."""
        path = Path(data) / "train.jsonl"
        if not Path(data).is_dir() or not path.is_file():
            raise MedqaError(
                f"nearest answers from the training split of a prepared data folder, and {data} is not one "
                "(no train.jsonl); pass --data FOLDER made by `medqa data prepare`"
            )
        questions, answers = [], []
        with open(path, encoding="utf-8") as handle:
            for line_number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                row = _row(line, path, line_number)
                questions.append(" ".join(str(row.get("question") or "").split()))
                answers.append(str(row.get("answer") or "").strip())
        return cls(questions, answers)

    def match(self, question: str) -> NearestMatch | None:
        """The most similar training question's row (ties: the earlier row); None when no word is shared."""
        ids = self.bm25.get_tokens_ids(_tokens([question])[0])
        if not ids:
            return None
        scores = np.asarray(self.bm25.get_scores_from_ids(ids))
        best = int(np.argmax(scores))  # the first of equal scores: deterministic
        if scores[best] <= 0:
            return None
        return NearestMatch(self.answers[best], self.questions[best], best, float(scores[best]))

    def answer_all(self, questions: Sequence[str]) -> tuple[list[str], list[dict[str, Any]]]:
        """Answers (empty where nothing matches) and, per question, which training row it copied."""
        answers, details = [], []
        for question in questions:
            found = self.match(question)
            answers.append(found.answer if found else "")
            details.append(
                {"question": found.question, "train_row": found.row, "score": round(found.score, 4)}
                if found
                else {"question": None, "train_row": None, "score": 0.0}
            )
        return answers, details


def _tokens(texts: Sequence[str]) -> list[list[str]]:
    return [_WORD.findall(text.lower()) for text in texts]


def _row(line: str, path: Path, line_number: int) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise MedqaError(f"{path}, line {line_number}: not JSON ({exc.msg})") from exc
    if not isinstance(row, dict):
        raise MedqaError(f"{path}, line {line_number}: not a JSON object")
    return row
