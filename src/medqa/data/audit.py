"""Leakage audit: exact and near-duplicate questions and answers across splits.

Counts are of held-out rows that have at least one match on the other side, with examples.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any

from rich.console import Console
from rich.table import Table as RichTable

from medqa.data.group import GroupConfig, TextSketches, sketch_texts
from medqa.data.near_dup import Sketches, matching_key, near_duplicate_pairs
from medqa.data.read import detect_columns, read_table

CHECKS = ("exact_question", "exact_answer", "near_duplicate_question", "near_duplicate_answer")


def audit_splits(
    splits: dict[str, Sequence[dict[str, Any]]],
    config: GroupConfig | None = None,
    sketches: dict[str, TextSketches] | None = None,
    max_examples: int = 5,
    question_key: str = "question",
    answer_key: str = "answer",
) -> dict[str, Any]:
    """Audit every pair of splits (train first). Pass `sketches` to reuse the ones grouping made."""
    config = config or GroupConfig()
    names = [n for n in splits if splits[n]]
    texts = {n: ([r[question_key] for r in splits[n]], [r[answer_key] for r in splits[n]]) for n in names}
    if sketches is None:
        sketches = {n: sketch_texts(*texts[n], num_perm=config.num_perm) for n in names}
    pairs_report: dict[str, Any] = {}
    total = 0
    for left, right in combinations(names, 2):
        result: dict[str, Any] = {}
        for check in CHECKS:
            field = "question" if check.endswith("question") else "answer"
            index = 0 if field == "question" else 1
            if check.startswith("exact"):
                matches = _exact_matches(texts[left][index], texts[right][index])
            else:
                threshold = config.question_threshold if field == "question" else config.answer_threshold
                matches = _near_matches(
                    _pick(sketches[left], field), _pick(sketches[right], field), threshold, config.num_perm
                )
            affected = sorted({j for _, j, _ in matches})
            examples = [
                {right: texts[right][index][j][:300], left: texts[left][index][i][:300], "similarity": round(s, 3)}
                for i, j, s in _first_per_row(matches)[:max_examples]
            ]
            result[check] = {"rows": len(affected), "examples": examples}
            total += len(affected)
        pairs_report[f"{left}~{right}"] = result
    return {
        "method": (
            f"exact: same text once case, accents, spaces, hyphens and other punctuation and abbreviations in "
            f"parentheses are ignored (the key the grouping links on); near-duplicate: MinHash-LSH "
            f"({config.num_perm} permutations) confirmed by exact Jaccard >= {config.question_threshold} over "
            f"character 5-grams (questions) and >= {config.answer_threshold} over word 3-grams (answers)"
        ),
        "pairs": pairs_report,
        "total_leaks": total,
    }


def audit_files(
    train: str, others: Sequence[str], question_col: str | None = None, answer_col: str | None = None
) -> dict[str, Any]:
    """Run the audit on split files made elsewhere (any format `read_table` reads)."""
    splits: dict[str, list[dict[str, Any]]] = {}
    for path in [train, *others]:
        table = read_table(path)
        question, answer = detect_columns(table.columns, question_col, answer_col, path)
        rows = [
            {"question": str(r.get(question) or ""), "answer": str(r.get(answer) or "")}
            for r in table.rows
            if r.get(question) and r.get(answer)
        ]
        name = path if path not in splits else f"{path} (again)"
        splits[name] = rows
    return audit_splits(splits)


def print_audit(audit: dict[str, Any], console: Console) -> None:
    """The audit as a table, with one example per finding."""
    table = RichTable(title="Leakage audit (held-out rows with a match on the other side)")
    table.add_column("splits")
    for check in CHECKS:
        table.add_column(check.replace("_", " "), justify="right")
    for pair, result in audit["pairs"].items():
        table.add_row(pair, *(str(result[c]["rows"]) for c in CHECKS))
    console.print(table)
    for pair, result in audit["pairs"].items():
        for check in CHECKS:
            for example in result[check]["examples"][:1]:
                console.print(f"[yellow]{pair} {check}[/yellow]: {example}", highlight=False)
    verdict = (
        "[green]no leakage found[/green]"
        if audit["total_leaks"] == 0
        else (f"[red]{audit['total_leaks']} leaking held-out rows[/red]")
    )
    console.print(verdict)


def _pick(sketches: TextSketches, field: str) -> Sketches:
    return sketches.questions if field == "question" else sketches.answers


def _exact_matches(left: Sequence[str], right: Sequence[str]) -> list[tuple[int, int, float]]:
    first: dict[str, int] = {}
    for i, text in enumerate(left):
        if key := matching_key(text):  # text of punctuation only matches nothing
            first.setdefault(key, i)
    return [(first[key], j, 1.0) for j, text in enumerate(right) if (key := matching_key(text)) in first]


def _near_matches(left: Sketches, right: Sketches, threshold: float, num_perm: int) -> list[tuple[int, int, float]]:
    return near_duplicate_pairs(left, threshold, right=right, num_perm=num_perm)


def _first_per_row(matches: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    seen: set[int] = set()
    unique = []
    for match in sorted(matches, key=lambda m: (m[1], -m[2])):
        if match[1] not in seen:
            seen.add(match[1])
            unique.append(match)
    return unique
