"""`medqa data prepare`: read -> clean -> group -> split -> audit -> write splits and reports."""

from __future__ import annotations

import datetime
import decimal
import hashlib
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rich.console import Console

from medqa.config import check, config_to_dict, raise_problems, save_config
from medqa.data.audit import audit_splits
from medqa.data.clean import CleanConfig, clean_rows
from medqa.data.formats import Converted, DataFormat, to_pairs
from medqa.data.group import GroupConfig, TextSketches, assign_groups
from medqa.data.near_dup import Sketches
from medqa.data.read import ReadLimits, check_text_columns, detect_columns, read_table
from medqa.data.report import render_html, render_plots, split_summary
from medqa.data.split import SPLITS, SplitConfig, grouped_split
from medqa.errors import MedqaError
from medqa.fileio import (
    atomic_output_dir,
    atomic_write_json,
    atomic_write_text,
    check_output_dir,
    explain_write_errors,
    write_jsonl,
)
from medqa.models import CONFIG_FILE
from medqa.progress import progress_bar
from medqa.resources import bundled_medquad

# Fields every output row starts with; original columns of the same name are kept as `source_<name>`.
OWN_FIELDS = ("id", "question", "answer", "group", "split")


@dataclass
class DataConfig:
    """Settings of the data stage. `input` None means the bundled MedQuAD."""

    input: str | None = None
    """The dataset file (CSV, TSV, JSONL, JSON or Parquet, gzip or not); None: the bundled MedQuAD."""
    format: DataFormat = "auto"
    """Layout of the rows: table (question and answer columns), alpaca (instruction, input, output),
    messages (OpenAI chat) or sharegpt (conversations with from/value); auto: detected from the columns."""
    question_col: str | None = None
    """Question column of a table; None: detected from the usual names (question, query, prompt, ...)."""
    answer_col: str | None = None
    """Answer column of a table; None: detected from the usual names (answer, response, output, ...)."""
    encoding: str | None = None
    """Text encoding; None: detected (UTF-8, UTF-16, cp1252/latin-1, ...)."""
    on_bad_rows: Literal["error", "skip"] = "error"
    """A malformed row stops the run (error), or is dropped and counted in the report (skip)."""
    mix_columns: list[str] = field(default_factory=lambda: ["source", "qtype"])
    """Category columns whose mix is plotted per split (when present)."""
    max_input_bytes: int = 2 * 1024**3
    """Refuse inputs bigger than this once decompressed: a few KB of gzip or Parquet can expand to
    gigabytes. Public medical QA sets (MedQuAD 47k pairs, MedDialog 3.4M) fit; raise it for more."""
    max_rows: int = 5_000_000
    """Refuse inputs with more rows than this (see max_input_bytes)."""
    clean: CleanConfig = field(default_factory=CleanConfig)
    group: GroupConfig = field(default_factory=GroupConfig)
    split: SplitConfig = field(default_factory=SplitConfig)

    def __post_init__(self) -> None:
        problems: list[str] = []
        check(problems, self.max_input_bytes > 0, f"max_input_bytes must be above 0, got {self.max_input_bytes}")
        check(problems, self.max_rows > 0, f"max_rows must be above 0, got {self.max_rows}")
        raise_problems(problems, "data settings")

    def read_limits(self) -> ReadLimits:
        """The limits `read_table` enforces for this stage."""
        return ReadLimits(max_bytes=self.max_input_bytes, max_rows=self.max_rows)


@dataclass
class PreparedData:
    """The three splits (lists of row dicts) and the report describing how they were made."""

    splits: dict[str, list[dict[str, Any]]]
    report: dict[str, Any]


def build_dataset(config: DataConfig, console: Console | None = None) -> PreparedData:
    """Run the whole data stage in memory (what `data stats` prints and `data prepare` writes)."""
    console = console or Console(stderr=True)
    started = time.perf_counter()
    path = Path(config.input) if config.input else bundled_medquad()
    with progress_bar("texts", console, transient=True) as progress:
        task = progress.add_task("reading", total=None)
        table = read_table(path, config.encoding, config.on_bad_rows, config.read_limits())
        converted = to_pairs(table, _layout(config), config.on_bad_rows)
        table = converted.table
        table.warnings.extend(_conversion_notes(converted))
        if converted.format == "table":
            question_col, answer_col = detect_columns(table.columns, config.question_col, config.answer_col, str(path))
        elif config.question_col or config.answer_col:
            raise MedqaError(
                f"{path}: --question-col/--answer-col name columns of a table, but this file is read as "
                f"{converted.format}; pass --format table to read it as a table"
            )
        else:
            question_col, answer_col = "question", "answer"
        check_text_columns(table, question_col, answer_col)
        progress.update(task, description="cleaning", total=len(table.rows), completed=len(table.rows))
        cleaned = clean_rows(table.rows, table.lines, question_col, answer_col, config.clean)
        if not cleaned.rows:
            dropped = dict(cleaned.dropped.most_common())
            if table.malformed:
                dropped["malformed_row"] = len(table.malformed)
            raise MedqaError(f"{path}: no rows left after cleaning (dropped: {dropped})")
        questions = [r[question_col] for r in cleaned.rows]
        answers = [r[answer_col] for r in cleaned.rows]
        keys = {c: [str(r.get(c) or "") for r in cleaned.rows] for c in config.group.key_columns if c in table.columns}
        if converted.multi_turn:  # the turns of one conversation must never be split apart
            keys["conversation"] = [r["conversation"] for r in cleaned.rows]

        def advance(n: int) -> None:
            progress.advance(task, n)

        progress.update(task, description="grouping", total=2 * len(questions), completed=0)
        grouping = assign_groups(questions, answers, keys, config.group, progress=advance)
        progress.update(task, description="splitting and auditing", total=None)
        assignment = grouped_split(grouping.group_ids, config.split)
        splits: dict[str, list[dict[str, Any]]] = {name: [] for name in SPLITS}
        members: dict[str, list[int]] = {name: [] for name in SPLITS}
        for index, (row, group, name) in enumerate(zip(cleaned.rows, grouping.group_ids, assignment, strict=True)):
            splits[name].append(_output_row(row, question_col, answer_col, group, name))
            members[name].append(index)
        audit = audit_splits(splits, config.group, _split_sketches(grouping.sketches, members))
    report = _report(config, path, table, question_col, answer_col, cleaned, grouping, splits, audit)
    report["input"].update(layout=converted.format, conversations=converted.conversations)
    report["seconds"] = round(time.perf_counter() - started, 2)
    return PreparedData(splits, report)


def prepare(config: DataConfig, out: Path, overwrite: bool = False, console: Console | None = None) -> PreparedData:
    """Build the dataset and write it to `out` atomically (all files appear together, or none).

    With `overwrite`, an existing `out` is replaced only if medqa wrote it, and never when it holds
    the input or the current folder.
    """
    if config.input and out.exists() and Path(config.input).resolve().is_relative_to(out.resolve()):
        # --overwrite replaces the whole folder: the input would be deleted with it.
        raise MedqaError(f"{config.input}: the input is inside the output folder {out}; choose another --out")
    check_output_dir(out, overwrite)  # fail before the work, not after
    result = build_dataset(config, console)
    plots = render_plots(result.splits, [c for c in config.mix_columns if c in result.report["input"]["columns"]])
    # A full disk or a read-only folder is the user's to fix, not a bug: say which and where.
    with (
        explain_write_errors(out, hint=f"; nothing was written to {out}"),
        atomic_output_dir(out, overwrite) as tmp,
    ):
        for name, rows in result.splits.items():
            write_jsonl(tmp / f"{name}.jsonl", rows)
        atomic_write_json(tmp / "data_report.json", result.report)
        atomic_write_text(tmp / "data_report.html", render_html(result.report, plots))
        save_config(config, tmp / CONFIG_FILE)
    return result


def _layout(config: DataConfig) -> str:
    """The layout to read: the forced one; a plain table when columns are named (the user said which)."""
    if config.format == "auto" and (config.question_col or config.answer_col):
        return "table"
    return config.format


def _conversion_notes(converted: Converted) -> list[str]:
    """What the report should say about a converted chat or Alpaca file."""
    notes = []
    if converted.unanswered:
        notes.append(
            f"{converted.unanswered} conversations end with a user turn that has no assistant reply: "
            "that turn is not a training pair"
        )
    if converted.multi_turn:
        notes.append(
            "earlier turns are kept in each pair's 'history' field and pairs of one conversation share a split; "
            "training and evaluation ask each question on its own (the prompt encoder takes no history)"
        )
    if converted.systems:
        hint = (
            f"; to train with it: --set prompt.system={converted.systems[0]!r}"
            if len(converted.systems) == 1
            else f" ({len(converted.systems)} different ones)"
        )
        notes.append(
            "system messages are kept in each pair's 'system' field; training uses the prompt template's "
            f"system text (prompt.system){hint}"
        )
    return notes


def _output_row(row: dict[str, Any], question_col: str, answer_col: str, group: str, split: str) -> dict[str, Any]:
    question, answer = row[question_col], row[answer_col]
    digest = hashlib.sha1(f"{question}\x1f{answer}".encode()).hexdigest()[:16]
    output: dict[str, Any] = {"id": digest, "question": question, "answer": answer, "group": group, "split": split}
    for key, value in row.items():
        if key in (question_col, answer_col):
            continue
        output[f"source_{key}" if key in OWN_FIELDS else key] = _json_safe(value)
    return output


def _json_safe(value: Any) -> Any:
    """Extra columns as strict JSON: NaN as null, dates as ISO text, bytes as text or hex, lone surrogates replaced."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # JSON input may hold lone surrogates ("\ud800"), which UTF-8 cannot
            return value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {str(_json_safe(key)): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.hex()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value) if value.is_finite() else None
    return str(value)


def _split_sketches(sketches: TextSketches | None, members: dict[str, list[int]]) -> dict[str, TextSketches] | None:
    """Slice the sketches made for grouping into per-split ones, so the audit does not redo them."""
    if sketches is None:
        return None

    def take(s: Sketches, rows: list[int]) -> Sketches:
        return Sketches([s.shingles[i] for i in rows], [s.signatures[i] for i in rows])

    return {
        name: TextSketches(take(sketches.questions, rows), take(sketches.answers, rows))
        for name, rows in members.items()
    }


def _report(
    config: DataConfig,
    path: Path,
    table: Any,
    question_col: str,
    answer_col: str,
    cleaned: Any,
    grouping: Any,
    splits: dict[str, list[dict[str, Any]]],
    audit: dict[str, Any],
) -> dict[str, Any]:
    sizes = Counter(grouping.group_ids)
    kept = sum(len(rows) for rows in splits.values())
    dropped = dict(cleaned.dropped.most_common())
    if table.malformed:
        dropped["malformed_row"] = len(table.malformed)
    mix_columns = [c for c in config.mix_columns if c in table.columns]
    distinct_questions = Counter(" ".join(r["question"].casefold().split()) for rows in splits.values() for r in rows)
    return {
        "input": {
            "path": str(path),
            "format": table.format,
            "encoding": table.encoding,
            "sha256": table.sha256,  # of the bytes read, not of the file as it is now (it may have changed)
            "columns": table.columns,
            "question_col": question_col,
            "answer_col": answer_col,
        },
        "rows_read": len(table.rows) + len(table.malformed),
        "rows_kept": kept,
        "dropped": dropped,
        "changed": dict(cleaned.changed.most_common()),
        "duplicates": {
            "exact_pairs_removed": cleaned.dropped.get("exact_duplicate", 0),
            "repeated_questions": sum(1 for n in distinct_questions.values() if n > 1),
        },
        "groups": {
            "count": len(sizes),
            "largest": max(sizes.values()),
            "largest_share": round(max(sizes.values()) / kept, 4),
            "median_size": int(sorted(sizes.values())[len(sizes) // 2]),
            "singletons": sum(1 for n in sizes.values() if n == 1),
            "links": dict(grouping.links.most_common()),
        },
        "splits": {name: split_summary(rows, kept, mix_columns) for name, rows in splits.items()},
        "audit": audit,
        "warnings": table.warnings + table.malformed[:20],
        "config": config_to_dict(config),
    }
