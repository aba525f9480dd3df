"""Evaluation sets: a split of a prepared data folder, any Q&A file, or the bundled K-QA."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medqa.data.read import detect_columns, read_table
from medqa.errors import MedqaError
from medqa.resources import bundled_kqa

KQA = "kqa"


@dataclass
class EvalExample:
    """One question with its reference answer (and K-QA's must-have statements when present)."""

    id: str
    question: str
    reference: str
    must_have: list[str] = field(default_factory=list)
    qtype: str = ""  # the dataset's question type (MedQuAD's qtype column); "" when the file has none
    focus: str = ""  # what the question is about (MedQuAD's focus column): the subject of a yes/no question
    url: str = ""  # the page the reference answer comes from


def load_examples(data: str, split: str = "test", limit: int | None = None, seed: int = 0) -> list[EvalExample]:
    """Examples from `data`: 'kqa', a prepared folder (its `split`.jsonl), or a file; `limit` samples with the seed."""
    if data == KQA:
        examples = _kqa()
    else:
        path = Path(data)
        if path.is_dir():
            split_file = path / f"{split}.jsonl"
            if not split_file.is_file():
                found = sorted(p.stem for p in path.glob("*.jsonl"))
                raise MedqaError(
                    f"{path} has no {split}.jsonl (splits found: {', '.join(found) or 'none'}); "
                    "prepare it with `medqa data prepare` or pick --split"
                )
            path = split_file
        examples = _from_file(path)
    if not examples:
        raise MedqaError(f"{data}: no question/answer rows to evaluate")
    if limit is not None and limit < len(examples):
        keep = sorted(random.Random(seed).sample(range(len(examples)), limit))  # a seeded sample, in file order
        examples = [examples[i] for i in keep]
    return examples


def _from_file(path: Path) -> list[EvalExample]:
    table = read_table(path)
    question_col, answer_col = detect_columns(table.columns, None, None, str(path))
    examples = []
    for row, line in zip(table.rows, table.lines, strict=True):
        question, answer = str(row.get(question_col) or "").strip(), str(row.get(answer_col) or "").strip()
        if question and answer:
            examples.append(
                EvalExample(
                    str(row.get("id") or f"line{line}"),
                    question,
                    answer,
                    qtype=_text(row.get("qtype")),
                    focus=_text(row.get("focus")),
                    url=_text(row.get("url")),
                )
            )
    return examples


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _kqa() -> list[EvalExample]:
    table = read_table(bundled_kqa())
    examples = []
    for number, row in enumerate(table.rows, start=1):
        answer = (row.get("answer") or "").strip()
        if not answer:
            continue
        examples.append(EvalExample(f"kqa{number:03d}", row["question"].strip(), answer, _statements(row)))
    return examples


def _statements(row: dict[str, Any]) -> list[str]:
    try:
        statements = json.loads(row.get("must_have_json") or "[]")
    except json.JSONDecodeError:
        return []
    return [s.strip() for s in statements if isinstance(s, str) and s.strip()]
