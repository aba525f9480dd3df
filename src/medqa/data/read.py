"""Reading question/answer tables: CSV, TSV, JSONL/JSON and Parquet, gzip or not, any sane encoding.

Every failure becomes a MedqaError that names the file and, where there is one, the line and column.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import stat
import zlib
from collections.abc import Iterator
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
DELIMITERS = (",", "\t", ";", "|")
# Magic bytes of files people save by mistake instead of a CSV export, and what to do instead.
_SPREADSHEET = "save the sheet as 'CSV UTF-8' (File > Save As) and pass that file"
_MAGIC = (
    (b"PK\x03\x04", f"a ZIP archive (an Excel .xlsx or OpenDocument .ods workbook?), not a text table; {_SPREADSHEET}"),
    (b"\xd0\xcf\x11\xe0", f"an old Excel .xls (OLE) workbook, not a text table; {_SPREADSHEET}"),
    (b"%PDF", "a PDF document, not a data table"),
)
_SEP_LINE = re.compile(r'\A[ \t]*"?sep=([^"\r\n])"?[ \t]*\r?\n')  # Excel's "sep=;" hint on the first line
# Non-letters that legacy Western text really contains; any other non-ASCII symbol hints at a wrong decoding.
_PLAUSIBLE_SYMBOLS = frozenset("\u00a0’‘“”„–—…•°±×÷·«»¿¡€£¥§©®™¶")
BadRows = Literal["error", "skip"]
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20  # bytes read, and at most decompressed, per step: memory grows by steps, checked each time
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True)
class ReadLimits:
    """The most a dataset file may hold once read (decompressed) and parsed.

    A few kilobytes of gzip or Parquet can expand to gigabytes; reading stops, with a clear error,
    as soon as either limit is passed, so memory stays near the limit instead of growing until the
    machine gives out. The data stage sets them from its `max_input_bytes` and `max_rows` settings.
    """

    max_bytes: int = 2 * 1024**3
    max_rows: int = 5_000_000


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
    sha256: str = ""  # of the bytes read from disk (compressed, when the file is gzip): what the rows came from


def read_table(
    path: str | Path, encoding: str | None = None, on_bad_rows: BadRows = "error", limits: ReadLimits | None = None
) -> Table:
    """Read a dataset file into a Table; refuse clearly what cannot be read or is bigger than `limits`."""
    path = Path(path)
    limits = limits or ReadLimits()
    try:
        return _read(path, encoding, on_bad_rows, limits)
    except MemoryError:
        # Python's own MemoryError (under a memory ulimit or in a container) is no bug of the file's.
        raise MedqaError(
            f"{path}: ran out of memory while reading it; lower the limits max_input_bytes and max_rows "
            f"(now {limits.max_bytes} bytes and {limits.max_rows} rows; --set max_input_bytes=BYTES) or use a "
            "machine with more memory"
        ) from None


def _read(path: Path, encoding: str | None, on_bad_rows: BadRows, limits: ReadLimits) -> Table:
    raw, sha256 = _read_bytes(path, limits)
    fmt = _detect_format(path, raw)
    if fmt == "parquet":
        table = _read_parquet(path, raw, limits)
        table.sha256 = sha256
        return table
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            raise MedqaError(f"{path}: is {what}")
    warnings: list[str] = []
    text, used = decode_text(raw, str(path), encoding, warnings)
    del raw  # the text holds it now: half the memory for big files
    if not text.strip():
        raise MedqaError(f"{path}: the file is empty (no header, no rows)")
    if fmt in ("csv", "tsv") and _looks_like_jsonl(text):
        warnings.append(f"the file holds JSON objects, one per line: read as JSONL, not {fmt.upper()}")
        fmt = "jsonl"
    if fmt in ("jsonl", "json"):
        table = _read_json(path, text, used, fmt, on_bad_rows, limits)
    else:
        table = _read_delimited(path, text, used, fmt, on_bad_rows, limits)
    table.warnings[:0] = warnings
    table.sha256 = sha256
    return table


def detect_columns(columns: list[str], question_col: str | None, answer_col: str | None, where: str) -> tuple[str, str]:
    """Pick the question and answer columns: the ones given, else the obvious names."""
    question = _pick_column(columns, question_col, QUESTION_NAMES, "question", where)
    answer_names = tuple(n for n in ANSWER_NAMES if n != _squash(question))
    answer = _pick_column(columns, answer_col, answer_names, "answer", where)
    if question == answer:
        raise MedqaError(f"{where}: the question and answer columns are the same column ('{question}')")
    return question, answer


def check_text_columns(table: Table, question_col: str, answer_col: str) -> None:
    """Refuse a question or answer column that holds no text at all (numbers, objects, bytes, ...).

    Typed formats (JSON, Parquet) can say what a column holds; a column of objects or lists would
    otherwise lose every row to "missing" with no hint why. Numbers and true/false are answers enough.
    """
    for column, role in ((question_col, "question"), (answer_col, "answer")):
        present = [row[column] for row in table.rows if row.get(column) is not None]
        if not present or any(isinstance(value, str) for value in present):
            continue
        kinds = sorted({_kind(value) for value in present})
        if role == "answer" and set(kinds) <= {"numbers", "true/false values"}:
            continue
        raise MedqaError(
            f"{table.path}: the {role} column '{column}' holds {' and '.join(kinds)}, not text; "
            f"name the text column with --{role}-col COLUMN (columns found: {', '.join(table.columns)})"
        )


def decode_text(
    raw: bytes, where: str, encoding: str | None = None, warnings: list[str] | None = None
) -> tuple[str, str]:
    """Decode bytes: a forced encoding, a BOM, UTF-8, UTF-16, or a detected legacy encoding.

    Returns (text, encoding used). Refuses binary data and undecodable bytes with their offset.
    A UTF-8 file with a few stray Windows-1252 bytes (rows pasted from another export, a cut-off
    last character) is read as UTF-8 with those bytes as cp1252, and `warnings` says so.
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
        line = raw.count(b"\n", 0, nul) + 1
        raise MedqaError(
            f"{where}, line {line}: this looks like a binary or damaged file, not text (NUL byte at offset {nul})"
        )
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if _mostly_utf8(raw):
        codecs.register_error("medqa-cp1252", _cp1252_bytes)  # idempotent; here so that importing does nothing
        try:
            text = raw.decode("utf-8", errors="medqa-cp1252")
        except UnicodeDecodeError as exc:
            raise MedqaError(
                f"{where}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}) and not cp1252 "
                "either; convert it to UTF-8 or pass --encoding"
            ) from exc
        if warnings is not None:
            warnings.append(
                f"bytes that are not valid UTF-8 (the first at offset {first_bad}) were read as cp1252; "
                "the rest of the file is UTF-8"
            )
        return text, "utf-8+cp1252"
    legacy = _detect_legacy(raw)
    if legacy is None:
        raise MedqaError(
            f"{where}: not valid UTF-8 (byte 0x{raw[first_bad]:02x} at offset {first_bad}) and no other text "
            "encoding fits; convert it to UTF-8 or pass --encoding"
        )
    return raw.decode(legacy), legacy


def _cp1252_bytes(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: read the bytes UTF-8 rejected as cp1252 (strictly: undefined bytes still fail)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("cp1252"), error.end


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _mostly_utf8(raw: bytes) -> bool:
    """At least as many valid multi-byte UTF-8 characters as stray non-ASCII bytes outside them.

    A genuine legacy file almost never forms valid UTF-8 sequences by chance, so this tells a
    UTF-8 file with a few foreign bytes from a Windows-1252 or Latin-2 export.
    """
    valid = _UTF8_SEQUENCE.findall(raw)
    if not valid:
        return False
    stray = sum(1 for byte in _UTF8_SEQUENCE.sub(b"", raw) if byte >= 0x80)
    return len(valid) >= stray


def _detect_legacy(raw: bytes) -> str | None:
    """The legacy encoding that decodes `raw` to the most plausible text, or None.

    Detection hesitates on short samples (it ranks cp1250 first for French "très", which it then
    reads as "trčs"), so candidates are ranked by the stray symbols and case flips their decoding
    shows first, then by the detector's own scores, and cp1252, by far the most common non-UTF-8
    export, wins ties.
    """
    from charset_normalizer import from_bytes

    sample = raw[:1_000_000]
    scores: dict[str, tuple[float, float]] = {}
    for match in from_bytes(raw):
        if match.encoding in ACCEPTED_LEGACY and match.encoding not in scores:
            scores[match.encoding] = (match.chaos, -match.coherence)
    if "cp1252" not in scores:
        # cp1252 decodes only plausible text when no byte falls in its five undefined slots.
        try:
            text = sample.decode("cp1252")
        except UnicodeDecodeError:
            text = ""
        if text and sum(ch.isprintable() or ch in "\r\n\t" for ch in text) >= 0.99 * len(text):
            scores["cp1252"] = (1.0, 0.0)
    if not scores:
        return None
    return min(scores, key=lambda name: (_oddity(sample.decode(name)), *scores[name], name != "cp1252"))


def _oddity(text: str) -> int:
    """Characters that betray a wrong legacy decoding: stray symbols ('¹', '³') and case flips ('ŕE', 'cafŽ')."""
    return sum(_odd(ch, previous) for previous, ch in zip(" " + text, text, strict=False))


def _odd(ch: str, previous: str) -> bool:
    if ord(ch) > 127 and not ch.isalpha():
        return ch not in _PLAUSIBLE_SYMBOLS
    return ch.isupper() and previous.islower() and (ord(ch) > 127 or ord(previous) > 127)


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


def _read_bytes(path: Path, limits: ReadLimits) -> tuple[bytes, str]:
    """The file's content, decompressed when it is gzip, and the sha256 of the bytes read from disk.

    Hashing while reading means the report names exactly the bytes the rows came from, even when
    the file is replaced while the run goes on.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise MedqaError(f"{path}: is a symbolic link to a file that does not exist") from None
        raise MedqaError(f"{path}: no such file") from None
    except OSError as exc:  # a symlink loop, a name too long, a folder we may not enter, ...
        raise MedqaError(f"{path}: cannot be read ({exc.strerror})") from exc
    if stat.S_ISDIR(info.st_mode):
        raise MedqaError(f"{path}: is a folder, not a dataset file")
    if not stat.S_ISREG(info.st_mode):
        # A pipe or device may never end (/dev/zero) and cannot be read twice.
        raise MedqaError(f"{path}: is not a regular file (a pipe, device or socket); save the data to a file first")
    if info.st_size > limits.max_bytes:
        raise _too_big(path, f"is {_size(info.st_size)}", limits)
    digest = hashlib.sha256()
    chunks: list[bytes] = []
    size = 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                chunks.append(chunk)
                size += len(chunk)
                if size > limits.max_bytes:  # the file grew while it was read
                    raise _too_big(path, "grew while it was read, past the limit", limits)
    except PermissionError as exc:
        raise MedqaError(f"{path}: cannot be read (permission denied)") from exc
    except OSError as exc:
        raise MedqaError(f"{path}: cannot be read ({exc.strerror})") from exc
    raw = b"".join(chunks)
    del chunks
    if raw[:2] == _GZIP_MAGIC:
        raw = _gunzip(raw, path, limits)
    if not raw:
        raise MedqaError(f"{path}: the file is empty (no header, no rows)")
    return raw, digest.hexdigest()


def _gunzip(raw: bytes, path: Path, limits: ReadLimits) -> bytes:
    """Decompress every gzip member, a bounded step at a time, refusing output past `limits.max_bytes`;
    say whether the data is cut short or followed by junk."""
    view = memoryview(raw)
    parts: list[bytes] = []
    total = 0
    start = 0  # where the current member begins in `raw`
    while start < len(raw):
        member = zlib.decompressobj(wbits=31)
        position, pending = start, b""
        while not member.eof:
            fed = pending or view[position : position + _CHUNK]
            if not pending:
                position += len(fed)
            try:
                out = member.decompress(fed, _CHUNK)  # at most _CHUNK bytes out: a bomb is caught at the limit
            except zlib.error as exc:
                raise MedqaError(f"{path}: the gzip data is corrupt ({exc})") from exc
            total += len(out)
            if total > limits.max_bytes:
                raise _too_big(path, f"decompresses to more than {_size(limits.max_bytes)}", limits)
            parts.append(out)
            pending = member.unconsumed_tail
            if not out and not fed:
                break  # no input left and nothing more comes out: the stream is cut short
        if not member.eof:
            raise MedqaError(
                f"{path}: the gzip data is truncated (it ends after {len(raw):,} bytes, before the end of the "
                "compressed stream); download or copy it again"
            )
        start = position - len(member.unused_data)
        if start < len(raw) and not raw.startswith(_GZIP_MAGIC, start):
            rest = len(raw) - start
            if raw.count(0, start) != rest:
                raise MedqaError(f"{path}: the gzip data is followed by {rest:,} bytes that are not gzip (corrupt?)")
            break  # zero padding after the last member, as some tools write: harmless
    return b"".join(parts)


def _too_big(path: Path, what: str, limits: ReadLimits) -> MedqaError:
    return MedqaError(
        f"{path}: {what}; the limit is {_size(limits.max_bytes)} (max_input_bytes={limits.max_bytes}). "
        f"A decompression bomb, or more data than expected? If the file is genuine, raise the limit, e.g. "
        f"--set max_input_bytes={2 * limits.max_bytes}"
    )


def _too_many_rows(path: Path, rows: int, limits: ReadLimits) -> MedqaError:
    counted = f" ({rows:,})" if rows > limits.max_rows + 1 else ""  # +1: reading stopped at the first row over
    return MedqaError(
        f"{path}: holds more than {limits.max_rows:,} rows{counted}; the limit is max_rows={limits.max_rows}. "
        f"A decompression bomb, or more data than expected? If the file is genuine, raise the limit, e.g. "
        f"--set max_rows={2 * limits.max_rows}"
    )


def _size(count: int) -> str:
    """A byte count for people: '2.0 GiB', '76.0 KiB'."""
    value = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{count:,} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count:,} bytes"


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
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods", ".numbers"):
        raise MedqaError(f"{path}: unsupported file type '{suffix}': spreadsheets are not read; {_SPREADSHEET}")
    raise MedqaError(f"{path}: unsupported file type '{suffix}'; use CSV, TSV, JSONL, JSON or Parquet")


def _looks_like_jsonl(text: str) -> bool:
    """A .csv/.txt file whose first line is a JSON object is JSONL with the wrong name."""
    first = _first_line(text, "\n").strip()
    if not (first.startswith("{") and first.endswith("}")):
        return False
    try:
        return isinstance(json.loads(first), dict)
    except (json.JSONDecodeError, RecursionError):
        return False


def _read_delimited(path: Path, text: str, encoding: str, fmt: str, on_bad_rows: BadRows, limits: ReadLimits) -> Table:
    table = Table(str(path), fmt, encoding, [], [], [])
    first_line = 1
    sep_line = _SEP_LINE.match(text.lstrip("\ufeff"))
    if sep_line:  # Excel's "sep=;" line names the delimiter; the header follows it
        delimiter = sep_line.group(1)
        text = text.lstrip("\ufeff")[sep_line.end() :]
        first_line = 2
    else:
        delimiter = _sniff_delimiter(text, prefer="\t" if fmt == "tsv" else None)
        if fmt == "tsv" and delimiter != "\t":
            table.warnings.append(f"the header has no tab but '{delimiter}': read with '{delimiter}' as the delimiter")
    csv.field_size_limit(MAX_FIELD_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
        while not header or (len(header) == 1 and not header[0].strip()):  # blank lines before the header
            header = next(reader)
    except StopIteration:
        raise MedqaError(f"{path}: the file is empty (no header, no rows)") from None
    except csv.Error as exc:
        line = reader.line_num + first_line - 1
        raise MedqaError(f"{path}, line {line}: the header cannot be parsed ({exc})") from exc
    table.columns = _clean_header(header, table.warnings)
    width = len(table.columns)
    if width == 1:
        shown = header[0] if len(header[0]) <= 80 else header[0][:80] + "..."
        raise MedqaError(
            f"{path}, line {reader.line_num + first_line - 1}: the header has a single column ('{shown}') "
            f"when split at {_delimiter_name(delimiter)}; a question/answer table needs two. "
            "Is the delimiter one of , ; tab | ?"
        )
    while True:
        start_line = reader.line_num + first_line
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            message = f"{path}, line {start_line}: {exc} (an unbalanced quote or a wrong delimiter?)"
            if on_bad_rows == "error":
                raise MedqaError(message + "; pass --set on_bad_rows=skip to drop bad rows") from exc
            # After a quoting error the reader's position is unreliable: stop, keep what was read.
            table.malformed.append(message + f"; the file was not read past line {start_line}")
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
        if len(table.rows) > limits.max_rows:
            raise _too_many_rows(path, len(table.rows), limits)
    if not table.rows and not table.malformed:
        raise MedqaError(f"{path}: has a header but no data rows")
    return table


def _sniff_delimiter(text: str, prefer: str | None = None) -> str:
    """Pick the delimiter from the header line (the most frequent of , ; tab | outside quotes).

    `prefer` wins whenever the header contains it (a .tsv file is split at tabs).
    """
    header = _first_line(text, "\r\n")
    unquoted = "".join(part for i, part in enumerate(header.split('"')) if i % 2 == 0)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    if prefer and counts[prefer]:
        return prefer
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else (prefer or ",")


def _first_line(text: str, breaks: str) -> str:
    """The first non-blank line, ended by any of `breaks` (the csv module's, or JSONL's "\\n").

    Not str.splitlines: it also breaks at U+2028, U+0085, ..., which fields may hold; and lazily,
    because the text may be a million lines long.
    """
    for match in re.finditer(f"[^{breaks}]+", text.lstrip("\ufeff")):
        if match.group().strip():
            return match.group()
    return ""


def _delimiter_name(delimiter: str) -> str:
    return {"\t": "tabs", ",": "commas", ";": "semicolons", "|": "'|'"}.get(delimiter, f"'{delimiter}'")


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


def _read_json(path: Path, text: str, encoding: str, fmt: str, on_bad_rows: BadRows, limits: ReadLimits) -> Table:
    """A JSON list of objects, a single object, or JSONL (one object per line), whatever the extension says."""
    table = Table(str(path), fmt, encoding, [], [], [])
    text = text.lstrip("\ufeff")
    stripped = text.lstrip()
    unit = "line"
    try:
        if stripped.startswith("["):
            unit = "record"
            try:
                numbered = list(enumerate(_json_array(path, stripped, limits), start=1))
            except json.JSONDecodeError as exc:  # one JSON document, broken somewhere: say where
                line = exc.lineno + _leading_lines(text)
                raise MedqaError(f"{path}, line {line}: invalid JSON ({exc.msg})") from exc
        else:
            try:
                # One object, or JSONL: then this stops at the end of the first line ("Extra data").
                numbered = _json_document(path, json.loads(stripped))
            except json.JSONDecodeError:
                numbered = _json_lines(path, text, on_bad_rows, table.malformed, limits)  # each line on its own
    except RecursionError:
        raise MedqaError(f"{path}: the JSON is nested too deeply to be a table of records") from None
    columns: dict[str, None] = {}
    for number, record in numbered:
        if not isinstance(record, dict):
            message = f"{path}, {unit} {number}: expected a JSON object, found {_kind(record, plural=False)}"
            if on_bad_rows == "error":
                raise MedqaError(message + "; a dataset is a list of objects or one object per line (JSONL)")
            table.malformed.append(message)
            continue
        if any(isinstance(key, str) and _has_surrogates(key) for key in record):
            record = {_safe_text(key): value for key, value in record.items()}
        columns.update(dict.fromkeys(record))
        table.rows.append(record)
        table.lines.append(number)
    table.columns = list(columns)
    if not table.rows and not table.malformed:
        raise MedqaError(f"{path}: holds no records")
    return table


def _json_array(path: Path, text: str, limits: ReadLimits) -> Iterator[Any]:
    """The elements of the JSON array `text`, decoded one at a time, so that an array of millions of
    tiny records is refused at the row limit rather than built whole first. Errors are json's own,
    positioned in `text`."""
    decoder = json.JSONDecoder()
    position = _skip_space(text, 1)
    count = 0
    if text.startswith("]", position):
        position += 1
    else:
        while True:
            value, position = decoder.raw_decode(text, position)
            count += 1
            if count > limits.max_rows:
                raise _too_many_rows(path, count, limits)
            yield value
            position = _skip_space(text, position)
            if text.startswith(",", position):
                position = _skip_space(text, position + 1)
                continue
            if text.startswith("]", position):
                position += 1
                break
            raise json.JSONDecodeError("Expecting ',' delimiter", text, position)
    end = _skip_space(text, position)
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)


def _skip_space(text: str, position: int) -> int:
    """The position of the first character at or after `position` that is not JSON whitespace."""
    match = _JSON_SPACE.match(text, position)
    return match.end() if match else position


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(number, line) of every line, lazily (a list of them all would be a copy of a big file).

    Only "\n" ends a JSONL line: strings may hold a raw U+2028 or U+0085, where str.splitlines breaks.
    """
    start, number = 0, 1
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield number, text[start:end]
        start, number = end + 1, number + 1


def _json_lines(
    path: Path, text: str, on_bad_rows: BadRows, malformed: list[str], limits: ReadLimits
) -> list[tuple[int, Any]]:
    numbered: list[tuple[int, Any]] = []
    for number, line in _lines(text):
        if not line.strip():
            continue
        if len(numbered) + len(malformed) >= limits.max_rows:
            raise _too_many_rows(path, len(numbered) + len(malformed) + 1, limits)
        try:
            numbered.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            message = f"{path}, line {number}: invalid JSON ({exc.msg})"
            if on_bad_rows == "error":
                raise MedqaError(message + "; pass --set on_bad_rows=skip to drop bad lines") from exc
            malformed.append(message)
        except RecursionError:
            message = f"{path}, line {number}: the JSON is nested too deeply"
            if on_bad_rows == "error":
                raise MedqaError(message + "; pass --set on_bad_rows=skip to drop bad lines") from None
            malformed.append(message)
    return numbered


def _json_document(path: Path, document: Any) -> list[tuple[int, Any]]:
    """The records of one parsed JSON document: a list of them, or a single object."""
    if isinstance(document, list):
        return list(enumerate(document, start=1))
    if not isinstance(document, dict):
        raise MedqaError(
            f"{path}: expected a list of JSON objects or one object per line, found {_kind(document, plural=False)}"
        )
    # A list of chat turns (role/from keys) is one conversation record, not the records themselves.
    nested = [
        key
        for key, value in document.items()
        if isinstance(value, list) and value and isinstance(value[0], dict) and not {"role", "from"} & set(value[0])
    ]
    if nested:
        raise MedqaError(
            f"{path}: expected a list of JSON objects or one object per line, found an object with the keys "
            f"{', '.join(map(str, document))}; the records seem to be the list under '{nested[0]}': "
            "save that list on its own"
        )
    return [(1, document)]


def _leading_lines(text: str) -> int:
    """Blank lines before the first character (json.loads was given the stripped text)."""
    return text[: len(text) - len(text.lstrip())].count("\n")


def _read_parquet(path: Path, raw: bytes, limits: ReadLimits) -> Table:
    """Rows of a Parquet file, refused before reading when its footer announces more than `limits`,
    and read a batch at a time with the same limits checked on what the batches really hold."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows: list[dict[str, Any]] = []
    try:
        parquet = pq.ParquetFile(pa.BufferReader(raw))
        meta = parquet.metadata
        if meta.num_rows > limits.max_rows:
            raise _too_many_rows(path, meta.num_rows, limits)
        announced = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if announced > limits.max_bytes:
            raise _too_big(path, f"holds {_size(announced)} of data once decompressed", limits)
        size = 0
        for batch in parquet.iter_batches(batch_size=16_384):
            size += batch.nbytes  # the footer may understate it (dictionary-encoded text, or a crafted file)
            if size > limits.max_bytes:
                raise _too_big(path, f"decompresses to more than {_size(limits.max_bytes)}", limits)
            rows.extend(batch.to_pylist())
            if len(rows) > limits.max_rows:
                raise _too_many_rows(path, len(rows), limits)
        columns = parquet.schema_arrow.names
    except (pa.ArrowException, OSError) as exc:
        raise MedqaError(f"{path}: not a readable Parquet file ({exc})") from exc
    if not rows:
        raise MedqaError(f"{path}: has columns but no data rows")
    return Table(str(path), "parquet", "parquet", columns, rows, list(range(1, len(rows) + 1)))


def _kind(value: Any, plural: bool = True) -> str:
    """What a JSON or Parquet value is, in words, for messages ("numbers", or "a number")."""
    kinds = (
        (bool, "true/false values", "true or false"),
        (int | float, "numbers", "a number"),
        (dict, "objects", "an object"),
        (list | tuple, "lists", "a list"),
        (bytes, "binary values", "binary data"),
        (str, "text", "text"),
    )
    for types, many, one in kinds:
        if isinstance(value, types):
            return many if plural else one
    return f"{type(value).__name__} values" if plural else f"a {type(value).__name__}"


def _has_surrogates(text: str) -> bool:
    """Lone surrogates (JSON allows "\\ud800") cannot be written as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _safe_text(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8") if _has_surrogates(text) else text


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
