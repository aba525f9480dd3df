"""The trusted corpus as passages: reading a dataset file or data folder, and chunking its answers.

Passages are answer chunks cut on paragraph boundaries, each prefixed with its question for
indexing (so the second chunk of a long answer still "knows" what it answers).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medqa.data.read import detect_columns, read_table
from medqa.errors import MedqaError
from medqa.resources import bundled_medquad

SPLITS = ("train", "validation", "test")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_PARAGRAPH = re.compile(r"\n\s*")


@dataclass(frozen=True)
class Passage:
    """One retrievable unit: a chunk of an answer with where it came from."""

    text: str
    question: str
    title: str
    url: str
    row_id: str
    chunk: int = 0

    def index_text(self) -> str:
        """What BM25 and the embedder read: the question gives every chunk its context."""
        return f"{self.question}\n{self.text}"


def chunk_answer(answer: str, max_words: int = 120) -> list[str]:
    """Cut `answer` into chunks of at most `max_words` words on paragraph, then sentence boundaries."""
    pieces: list[str] = []
    for paragraph in _PARAGRAPH.split(answer.strip()):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        if len(paragraph.split()) <= max_words:
            pieces.append(paragraph)
            continue
        for sentence in _SENTENCE_END.split(paragraph):
            words = sentence.split()
            # A "sentence" longer than a chunk (a long bullet list) is cut by words as a last resort.
            pieces.extend(" ".join(words[i : i + max_words]) for i in range(0, len(words), max_words))
    return pack(pieces, max_words)


def pack(pieces: Iterable[str], max_words: int, target: float = math.inf) -> list[str]:
    """Consecutive `pieces` joined into chunks of at most `max_words` words (a piece is never split, so one
    longer than that stands alone); a chunk also ends once it holds `target` words (even-sized chunks)."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for piece in pieces:
        n = len(piece.split())
        if current and (size + n > max_words or size >= target):
            chunks.append(" ".join(current))
            current, size = [], 0
        current.append(piece)
        size += n
    if current:
        chunks.append(" ".join(current))
    return chunks


def passages_from_rows(rows: Iterable[dict[str, Any]], max_words: int = 120) -> list[Passage]:
    """Chunk every row's answer; rows without a question or an answer are skipped; exact repeats dropped.

    `row_id` is the row's `row_id` field when it has one (data folders: "train:17"), else its position.
    """
    passages: list[Passage] = []
    seen: set[tuple[str, str]] = set()
    for i, row in enumerate(rows):
        question = _clean(row.get("question"))
        answer = str(row.get("answer") or "")
        if not question or not answer.strip():
            continue
        # Position, not a dataset id column: MedQuAD's qid repeats across its sources (12,133 for 16,407 rows).
        row_id = _clean(row.get("row_id")) or str(i)
        title = _clean(row.get("focus") or row.get("title")) or question
        url = _clean(row.get("url"))
        for n, chunk in enumerate(chunk_answer(answer, max_words)):
            if (question, chunk) in seen:
                continue
            seen.add((question, chunk))
            passages.append(Passage(text=chunk, question=question, title=title, url=url, row_id=row_id, chunk=n))
    return passages


def _clean(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


# ----------------------------------------------------------------------------------------- reading
def read_corpus(data: str | Path | None = None, all_splits: bool = False) -> list[dict[str, Any]]:
    """Rows (question, answer and extras) of a prepared data folder, a CSV/JSONL file or the bundled MedQuAD."""
    if data is None:
        return _read_file(bundled_medquad())
    path = Path(data)
    if path.is_dir():
        splits = SPLITS if all_splits else ("train",)
        if not (path / "train.jsonl").is_file():
            raise MedqaError(f"{path} is not a prepared data folder: it has no train.jsonl (run `medqa data prepare`)")
        rows: list[dict[str, Any]] = []
        for split in splits:
            split_path = path / f"{split}.jsonl"
            if split_path.is_file():
                for i, row in enumerate(_read_file(split_path)):
                    row.setdefault("row_id", f"{split}:{i}")
                    rows.append(row)
        return rows
    if not path.is_file():
        raise MedqaError(f"data file {path} does not exist")
    return _read_file(path)


def _read_file(path: Path) -> list[dict[str, Any]]:
    """Rows of any dataset file the data stage reads, with `question`/`answer` under those names."""
    table = read_table(path)
    question_col, answer_col = detect_columns(table.columns, None, None, str(path))
    rows = []
    for row in table.rows:
        extras = {str(k).strip().lower(): v for k, v in row.items() if k not in (question_col, answer_col)}
        rows.append({**extras, "question": row.get(question_col), "answer": row.get(answer_col)})
    return rows
