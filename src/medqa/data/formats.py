"""Dataset layouts people bring from other fine-tuning tools, turned into question/answer rows.

- `table`: a question and an answer column (CSV, JSONL, Parquet, ...), read as they are.
- `alpaca`: `instruction`, optional `input`, `output` (and LLaMA-Factory's optional `system` and
  `history` of [question, answer] pairs). The question is `instruction + "\\n" + input`, as
  LLaMA-Factory builds the prompt, so the `input` is never dropped.
- `messages`: OpenAI chat rows, `{"messages": [{"role": "user", "content": ...}, ...]}` (TRL's
  conversational datasets, axolotl's `chat_template` type).
- `sharegpt`: `{"conversations": [{"from": "human", "value": ...}, {"from": "gpt", ...}]}`.

Each user turn with the assistant reply after it becomes one question/answer pair; the turns before
it are kept as the pair's `history` (role/content messages) and a system message as its `system`.
All pairs of one conversation share a `conversation` key, so the split keeps them together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from medqa.data.read import Table, _kind, _squash
from medqa.errors import MedqaError

DataFormat = Literal["auto", "table", "alpaca", "messages", "sharegpt"]
CONVERSATION_COLUMNS = {"messages": "messages", "sharegpt": "conversations"}
# Fields of a converted row; original columns of the same name are kept as `source_<name>`.
PAIR_FIELDS = ("question", "answer", "history", "system", "conversation", "turn")
USER_ROLES = frozenset({"user", "human"})
ASSISTANT_ROLES = frozenset({"assistant", "gpt", "model", "bot", "chatgpt"})
SYSTEM_ROLES = frozenset({"system"})
ALPACA_FIELDS = ("instruction", "input", "output", "system", "history")


@dataclass
class Converted:
    """Rows as question/answer pairs, and what the conversion saw."""

    table: Table
    format: str
    conversations: int = 0
    """Conversations (or Alpaca records) read."""
    unanswered: int = 0
    """Final user turns with no assistant reply after them (no answer to learn: not kept)."""
    systems: list[str] = field(default_factory=list)
    """The distinct system messages, in order of first appearance."""

    @property
    def multi_turn(self) -> bool:
        """Whether pairs may share a conversation (then they must share a split)."""
        return self.format in CONVERSATION_COLUMNS


def detect_format(table: Table) -> str:
    """The layout of a table: a chat column (`messages`, `conversations`), Alpaca columns, or a plain table."""
    for fmt, column in CONVERSATION_COLUMNS.items():
        if column in table.columns and _first_present(table, column, _looks_like_turns):
            return fmt
    squashed = {_squash(c) for c in table.columns}
    if {"instruction", "output"} <= squashed:
        return "alpaca"
    return "table"


def to_pairs(table: Table, fmt: str, on_bad_rows: str = "error") -> Converted:
    """The rows of `table` (layout `fmt`, or detected for "auto") as question/answer pairs.

    A plain table comes back as it is. A malformed conversation stops with an error naming the file
    and row (or, with on_bad_rows "skip", is counted in `table.malformed` and left out).
    """
    fmt = detect_format(table) if fmt == "auto" else fmt
    if fmt == "table":
        return Converted(table, "table")
    column = CONVERSATION_COLUMNS.get(fmt)
    if column is not None and column not in table.columns:
        raise MedqaError(
            f"{table.path}: read as {fmt} but has no '{column}' column; columns found: {', '.join(table.columns)}"
        )
    converted = Converted(_new_table(table), fmt)
    for row, line in zip(table.rows, table.lines, strict=True):
        try:
            if column is None:
                _alpaca(row, line, converted)
            else:
                _conversation(column, row, line, converted)
        except _BadRow as exc:
            message = f"{table.path}, {_unit(table)} {line}: {exc}"
            if on_bad_rows == "error":
                raise MedqaError(message + "; pass --set on_bad_rows=skip to drop bad rows") from None
            converted.table.malformed.append(message)
    return converted


class _BadRow(Exception):
    """A row that cannot be converted (the message says why; the caller adds file and row)."""


def _alpaca(row: dict[str, Any], line: int, converted: Converted) -> None:
    fields = {_squash(key): key for key in row if _squash(key) in ALPACA_FIELDS}
    instruction = _text(row.get(fields.get("instruction", "")), "'instruction'")
    extra = _text(row.get(fields.get("input", "")), "'input'", required=False)
    answer = _text(row.get(fields.get("output", "")), "'output'", required=False)
    system = _text(row.get(fields.get("system", "")), "'system'", required=False)
    history: list[dict[str, str]] = []
    for number, pair in enumerate(row.get(fields.get("history", "")) or [], start=1):
        if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            raise _BadRow(f"'history' item {number} must be a [question, answer] pair of texts")
        history += [{"role": "user", "content": pair[0]}, {"role": "assistant", "content": pair[1]}]
    # LLaMA-Factory's alpaca converter: the input follows the instruction on its own line.
    question = f"{instruction}\n{extra}" if extra and extra.strip() else instruction
    converted.conversations += 1
    _add(converted, row, line, question, answer, history, system, turn=len(history) // 2 + 1, drop=set(fields.values()))


def _conversation(column: str, row: dict[str, Any], line: int, converted: Converted) -> None:
    turns = row.get(column)
    if isinstance(turns, str):  # a chat column in a CSV holds the JSON list as text
        try:
            turns = json.loads(turns)
        except json.JSONDecodeError as exc:
            raise _BadRow(f"'{column}' is text that is not a JSON list of turns ({exc.msg})") from None
    if not isinstance(turns, list) or not turns:
        found = "nothing" if not turns else _kind(turns, plural=False)
        raise _BadRow(f"'{column}' must be a non-empty list of turns, found {found}")
    system = _text(row.get("system"), "'system'", required=False)  # ShareGPT keeps it beside the turns
    spoken: list[dict[str, str]] = []
    for number, turn in enumerate(turns, start=1):
        role, content = _turn(turn, number)
        if role == "system":
            if spoken:
                raise _BadRow(f"turn {number} is a system message after the conversation started")
            system = content if system is None else f"{system}\n\n{content}"
            continue
        expected = "user" if len(spoken) % 2 == 0 else "assistant"
        if role != expected:
            raise _BadRow(
                f"turn {number} is a {role} turn where a {expected} turn was expected "
                "(turns must alternate user, assistant, user, ...)"
            )
        spoken.append({"role": role, "content": content})
    if not spoken:
        raise _BadRow("the conversation has no user turn")
    converted.conversations += 1
    converted.unanswered += len(spoken) % 2
    for index in range(0, len(spoken) - 1, 2):
        question, answer = spoken[index]["content"], spoken[index + 1]["content"]
        _add(converted, row, line, question, answer, spoken[:index], system, index // 2 + 1, drop={column, "system"})


def _turn(turn: Any, number: int) -> tuple[str, str]:
    """(user/assistant/system, text) of one turn, in either the OpenAI or the ShareGPT spelling."""
    if not isinstance(turn, dict):
        raise _BadRow(f"turn {number} is {_kind(turn, plural=False)}, not an object with a role and a content")
    raw_role = turn.get("role", turn.get("from"))
    if not isinstance(raw_role, str):
        raise _BadRow(f"turn {number} has no 'role' (or ShareGPT 'from'); keys found: {', '.join(map(str, turn))}")
    role = raw_role.strip().lower()
    if role in USER_ROLES:
        role = "user"
    elif role in ASSISTANT_ROLES:
        role = "assistant"
    elif role not in SYSTEM_ROLES:
        raise _BadRow(
            f"turn {number} has the role '{raw_role}'; only user/human, assistant/gpt and system turns can be "
            "trained on (tool and function turns are not supported)"
        )
    content = turn.get("content", turn.get("value"))
    if isinstance(content, list):  # OpenAI content parts: keep the text, refuse images and audio
        kinds = {part.get("type") if isinstance(part, dict) else None for part in content}
        if kinds - {"text"}:
            raise _BadRow(f"turn {number} holds parts other than text ({', '.join(map(str, kinds - {'text'}))})")
        content = "".join(part.get("text") or "" for part in content)
    if not isinstance(content, str):
        found = "no content" if content is None else _kind(content, plural=False)
        raise _BadRow(f"turn {number} ({role}) has {found} where text was expected ('content' or 'value')")
    return role, content


def _text(value: Any, what: str, required: bool = True) -> str | None:
    """A text field; None when missing and not required; numbers as written."""
    if value is None or (isinstance(value, float) and value != value):
        if required:
            raise _BadRow(f"{what} is missing")
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _BadRow(f"{what} holds {_kind(value, plural=False)}, not text")


def _add(
    converted: Converted,
    row: dict[str, Any],
    line: int,
    question: str,
    answer: str | None,
    history: list[dict[str, str]],
    system: str | None,
    turn: int,
    drop: set[str],
) -> None:
    """Append one pair; the row's other columns come along (renamed when they clash with ours)."""
    pair: dict[str, Any] = {"question": question, "answer": answer, "history": history}
    if system is not None:
        pair["system"] = system
        if system not in converted.systems:
            converted.systems.append(system)
    pair.update(conversation=str(line), turn=turn)
    for key, value in row.items():
        if key not in drop:
            pair[f"source_{key}" if key in PAIR_FIELDS else key] = value
    converted.table.rows.append(pair)
    converted.table.lines.append(line)
    for key in pair:
        if key not in converted.table.columns:
            converted.table.columns.append(key)


def _new_table(table: Table) -> Table:
    """An empty table with the source's provenance, for the converted rows."""
    return Table(
        table.path,
        table.format,
        table.encoding,
        ["question", "answer"],
        [],
        [],
        malformed=list(table.malformed),
        warnings=list(table.warnings),
        sha256=table.sha256,
    )


def _first_present(table: Table, column: str, test: Any) -> bool:
    value = next((row[column] for row in table.rows if row.get(column) is not None), None)
    return value is not None and bool(test(value))


def _looks_like_turns(value: Any) -> bool:
    """A list of turns, or (in a CSV) the JSON text of one."""
    return isinstance(value, list) or (isinstance(value, str) and value.lstrip().startswith("["))


def _unit(table: Table) -> str:
    return "line" if table.format in ("jsonl", "csv", "tsv") else "row"
