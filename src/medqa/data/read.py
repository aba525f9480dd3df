"""Reading question/answer tables: CSV, TSV, JSONL/JSON and Parquet, gzip or not, any sane encoding.

Every failure becomes a MedqaError that names the file and, where there is one, the line and column.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from medqa.errors import MedqaError

# Column names we recognise without being told, in order of preference (compared case- and
# punctuation-insensitively). `instruction`/`input` both appear in Alpaca-style files, where the
# instruction is the question.
QUESTION_NAMES = ("question", "questions", "query", "instruction", "input", "prompt", "patient", "q", "title")
ANSWER_NAMES = ("answer", "answers", "output", "response", "completion", "reply", "doctor", "target", "a")

# Encodings we accept from detection when a file is not UTF-8: the legacy encodings that medical CSV
# exports actually come in. Anything else is more likely a binary file or a wrong guess.
ACCEPTED_LEGACY = ("cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "mac_roman", "cp437", "cp850")

MAX_FIELD_BYTES = 256 * 1024 * 1024
BadRows = Literal["error", "skip"]


@dataclass
class Table:
    """Rows of a file as text, with where each row came from."""

    path: str
    format: str
    encoding: str
    columns: list[str]
    rows: list[dict[str, Any]]
    lines: list[int]  # the line (text formats) or row number (Parquet) each row came from, 1-based
    malformed: list[str] = field(default_factory=list)  # messages for rows skipped with on_bad_rows="skip"
    warnings: list[str] = field(default_factory=list)


def read_table(path: str | Path, encoding: str | None = None, on_bad_rows: BadRows = "error") -> Table:
    """Read a dataset file into a Table; refuse clearly what cannot be read."""
    path = Path(path)
    raw = _read_bytes(path)
    fmt = _detect_format(path, raw)
    if fmt == "parquet":
        return _read_parquet(path, raw)
    text, used = decode_text(raw, str(path), encoding)
    if not text.strip():
        raise MedqaError(f"{path}: the file is empty (no header, no rows)")
    if fmt in ("jsonl", "json"):
        return _read_json(path, text, used, fmt, on_bad_rows)
    return _read_delimited(path, text, used, fmt, on_bad_rows)


def detect_columns(columns: list[str], question_col: str | None, answer_col: str | None, where: str) -> tuple[str, str]:
    """Pick the question and answer columns: the ones given, else the obvious names."""
    question = _pick_column(columns, question_col, QUESTION_NAMES, "question", where)
    answer_names = tuple(n for n in ANSWER_NAMES if n != _squash(question))
    answer = _pick_column(columns, answer_col, answer_names, "answer", where)
    if question == answer:
        raise MedqaError(f"{where}: the question and answer columns are the same column ('{question}')")
    return question, answer


def decode_text(raw: bytes, where: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode bytes: a forced encoding, a BOM, UTF-8, UTF-16, or a detected legacy encoding.

    Returns (text, encoding used). Refuses binary data and undecodable bytes with their offset.
    """
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except LookupError as exc:
            raise MedqaError(f"unknown encoding '{encoding}'") from exc
        except UnicodeDecodeError as exc:
            raise MedqaError(
                f"{where}: not valid {encoding}: byte 0x{raw[exc.start]:02x} at offset {exc.start} cannot be decoded"
            ) from exc
    for bom, name in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if raw.startswith(bom):
            try:
                return raw.decode(name), name
            except UnicodeDecodeError as exc:
                raise MedqaError(
                    f"{where}: starts with a {name} byte-order mark but byte offset {exc.start} is not valid {name}"
                ) from exc
    utf16 = _looks_like_utf16(raw)
    if utf16:
        try:
            return raw.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise MedqaError(f"{where}: this looks like a binary file, not text (NUL byte at offset {nul})")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    legacy = _detect_legacy(raw)
    if legacy is None:
        raise MedqaError(
            f"{where}: not valid UTF-8 (byte 0x{raw[first_bad]:02x} at offset {first_bad}) and no other text "
            "encoding fits; convert it to UTF-8 or pass --encoding"
        )
    return raw.decode(legacy), legacy


def _detect_legacy(raw: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is not None and best.encoding in ACCEPTED_LEGACY:
        return best.encoding
    # Detection can hesitate on short samples; cp1252 is by far the most common non-UTF-8 export
    # and decodes only plausible text when no byte falls in its five undefined slots.
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return None
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return "cp1252" if printable >= 0.99 * len(text) else None


def _looks_like_utf16(raw: bytes) -> str | None:
    """UTF-16 without a BOM: text that is mostly ASCII has NUL in every other byte."""
    sample = raw[:4096]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0) / len(sample[0::2])
    odd_nul = sample[1::2].count(0) / len(sample[1::2])
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise MedqaError(f"{path}: no such file")
    if path.is_dir():
        raise MedqaError(f"{path}: is a folder, not a dataset file")
    try:
        raw = path.read_bytes()
    except PermissionError as exc:
        raise MedqaError(f"{path}: cannot be read (permission denied)") from exc
    except OSError as exc:
        raise MedqaError(f"{path}: cannot be read ({exc.strerror})") from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise MedqaError(f"{path}: the gzip data is truncated or corrupt ({exc})") from exc
    if not raw:
        raise MedqaError(f"{path}: the file is empty (no header, no rows)")
    return raw


def _detect_format(path: Path, raw: bytes) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    suffix = suffixes[-1] if suffixes else ""
    if raw[:4] == b"PAR1" or suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    if suffix in (".tsv", ".tab"):
        return "tsv"
    if suffix in (".csv", ".txt", ""):
        return "csv"
    raise MedqaError(f"{path}: unsupported file type '{suffix}'; use CSV, TSV, JSONL, JSON or Parquet")


def _read_delimited(path: Path, text: str, encoding: str, fmt: str, on_bad_rows: BadRows) -> Table:
    delimiter = "\t" if fmt == "tsv" else _sniff_delimiter(text)
    csv.field_size_limit(MAX_FIELD_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    table = Table(str(path), fmt, encoding, [], [], [])
    try:
        header = next(reader)
        while not any(cell.strip() for cell in header):
            header = next(reader)
    except StopIteration:
        raise MedqaError(f"{path}: the file is empty (no header, no rows)") from None
    except csv.Error as exc:
        raise MedqaError(f"{path}, line {reader.line_num}: the header cannot be parsed ({exc})") from exc
    table.columns = _clean_header(header, table.warnings)
    width = len(table.columns)
    while True:
        start_line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            message = f"{path}, line {start_line}: {exc} (an unbalanced quote or a wrong delimiter?)"
            if on_bad_rows == "error":
                raise MedqaError(message + "; pass --set on_bad_rows=skip to drop bad rows") from exc
            table.malformed.append(message)
            # After a quoting error the reader's position is unreliable: stop, keep what was read.
            break
        if not record or not any(cell.strip() for cell in record):
            continue
        if len(record) != width:
            message = f"{path}, line {start_line}: expected {width} fields, found {len(record)}"
            if on_bad_rows == "error":
                raise MedqaError(message + "; pass --set on_bad_rows=skip to drop bad rows")
            table.malformed.append(message)
            continue
        table.rows.append(dict(zip(table.columns, record, strict=True)))
        table.lines.append(start_line)
    if not table.rows and not table.malformed:
        raise MedqaError(f"{path}: has a header but no data rows")
    return table


def _sniff_delimiter(text: str) -> str:
    """Pick the delimiter from the header line (the most frequent of , ; tab | outside quotes)."""
    header = text.lstrip("\ufeff").splitlines()[0] if text else ""
    unquoted = "".join(part for i, part in enumerate(header.split('"')) if i % 2 == 0)
    counts = {d: unquoted.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _clean_header(header: list[str], warnings: list[str]) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        name = name.strip().lstrip("\ufeff") or f"column_{index + 1}"
        if name in seen:
            seen[name] += 1
            renamed = f"{name}.{seen[name]}"
            warnings.append(f"duplicate column name '{name}': the later one is read as '{renamed}'")
            name = renamed
        else:
            seen[name] = 0
        names.append(name)
    return names


def _read_json(path: Path, text: str, encoding: str, fmt: str, on_bad_rows: BadRows) -> Table:
    table = Table(str(path), fmt, encoding, [], [], [])
    stripped = text.lstrip("\ufeff").lstrip()
    if stripped.startswith("["):
        try:
            records = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise MedqaError(f"{path}, line {exc.lineno}: invalid JSON ({exc.msg})") from exc
        numbered = list(enumerate(records, start=1))
    else:
        numbered = []
        for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                numbered.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                message = f"{path}, line {number}: invalid JSON ({exc.msg})"
                if on_bad_rows == "error":
                    raise MedqaError(message + "; pass --set on_bad_rows=skip to drop bad lines") from exc
                table.malformed.append(message)
    columns: dict[str, None] = {}
    for number, record in numbered:
        if not isinstance(record, dict):
            message = f"{path}, line {number}: expected a JSON object, found {type(record).__name__}"
            if on_bad_rows == "error":
                raise MedqaError(message)
            table.malformed.append(message)
            continue
        columns.update(dict.fromkeys(record))
        table.rows.append(record)
        table.lines.append(number)
    table.columns = list(columns)
    if not table.rows and not table.malformed:
        raise MedqaError(f"{path}: holds no records")
    return table


def _read_parquet(path: Path, raw: bytes) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        arrow = pq.read_table(pa.BufferReader(raw))
    except (pa.ArrowException, OSError) as exc:
        raise MedqaError(f"{path}: not a readable Parquet file ({exc})") from exc
    if arrow.num_rows == 0:
        raise MedqaError(f"{path}: has columns but no data rows")
    rows = arrow.to_pylist()
    return Table(str(path), "parquet", "parquet", arrow.column_names, rows, list(range(1, len(rows) + 1)))


def _squash(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _pick_column(columns: list[str], wanted: str | None, names: tuple[str, ...], role: str, where: str) -> str:
    if wanted:
        if wanted in columns:
            return wanted
        raise MedqaError(f"{where}: no column '{wanted}' for the {role}; columns found: {', '.join(columns)}")
    by_squashed = {_squash(c): c for c in reversed(columns)}
    for name in names:
        if name in by_squashed:
            return by_squashed[name]
    raise MedqaError(
        f"{where}: no recognisable {role} column; columns found: {', '.join(columns) or '(none)'}. "
        f"Name it with --{role}-col COLUMN"
    )
