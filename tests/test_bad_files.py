"""Every malformed input `medqa data prepare` may meet: a clear refusal or documented handling, never a traceback.

The corpus is `tests/data/bad/` (small files, committed as they are; README.md there says what is
wrong with each) plus a few inputs made at test time: the big ones, and the ones git cannot hold
(a folder, a symlink loop, a pipe, a missing file). Each runs through the real CLI; the input must
come out byte-for-byte unchanged and a failure must leave no output behind.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rich.console import Console

from medqa.data.prepare import DataConfig, prepare
from medqa.errors import MedqaError

BAD = Path(__file__).parent / "data" / "bad"
GOOD_ROWS = [
    ("What is gout?", "A form of arthritis caused by uric acid crystals in the joints."),
    ("What causes acne?", "Blocked hair follicles, oil and bacteria on the skin."),
    ("How is asthma treated?", "With inhalers that open the airways and reduce inflammation."),
]
GOOD_CSV = "question,answer\n" + "".join(f'"{q}","{a}"\n' for q, a in GOOD_ROWS)


@dataclass(frozen=True)
class Case:
    """One bad input and what `prepare` must do with it: refuse with `error`, or keep `kept` rows."""

    name: str
    error: str | None = None  # a fragment of the one-line message; None means the file is handled
    kept: int | None = None
    read: int | None = None  # rows read when it differs from `kept`
    text: str | None = None  # something the written splits must contain (a decoded accent, ...)
    warning: str | None = None  # a fragment of a warning the report must carry
    encoding: str | None = None
    slow: bool = False


FAILS = [
    Case("empty.csv", "the file is empty"),
    Case("whitespace_rows.csv", "the file is empty"),
    Case("header_only.csv", "has a header but no data rows"),
    Case("header_only_no_newline.csv", "has a header but no data rows"),
    Case("blank_lines_then_header_only.csv", "has a header but no data rows"),
    Case("wrong_delimiter_colon.csv", "line 1: the header has a single column ('question:answer')"),
    Case("delimiter_mismatch.csv", "line 2: expected 2 fields, found 1"),
    Case("empty_header_names.csv", "columns found: column_1, column_2"),
    Case("unbalanced_quote.csv", "line 2: unexpected end of data (an unbalanced quote"),
    Case("extra_fields_in_rows.csv", "line 5: expected 2 fields, found 4; pass --set on_bad_rows=skip"),
    Case("missing_fields_in_rows.csv", "line 5: expected 2 fields, found 1"),
    Case("nul_bytes.csv", "line 2: this looks like a binary or damaged file, not text (NUL byte at offset 65)"),
    Case("all_nul.csv", "NUL byte at offset 0"),
    Case("image.csv", "binary or damaged file"),
    Case("all_answers_empty.csv", "no rows left after cleaning (dropped: {'missing_answer': 4})"),
    Case("numeric_only.csv", "no rows left after cleaning (dropped: {'question_too_short': 3})"),
    Case("broken_line.jsonl", "line 3: invalid JSON (Unterminated string"),
    Case("list_line.jsonl", "line 2: expected a JSON object, found a list"),
    Case("nested_question.jsonl", "the question column 'question' holds objects, not text"),
    Case("deeply_nested.jsonl", "line 2: the JSON is nested too deeply"),
    Case("object_not_list.json", "the records seem to be the list under 'data'"),
    Case("list_of_strings.json", "record 1: expected a JSON object, found text"),
    Case("scalar.json", "expected a list of JSON objects or one object per line, found a number"),
    Case("empty_list.json", "holds no records"),
    Case("truncated.json", "line 12: invalid JSON"),
    Case("deeply_nested.json", "nested too deeply"),
    Case("truncated.csv.gz", "the gzip data is truncated"),
    Case("gzip_trailing_garbage.csv.gz", "the gzip data is followed by 8 bytes that are not gzip"),
    Case("gzip_empty.csv.gz", "the file is empty"),
    Case("gzip_binary.csv.gz", "binary or damaged file"),
    Case("int_question.parquet", "the question column 'question' holds numbers, not text"),
    Case("struct_answer.parquet", "the answer column 'answer' holds objects, not text"),
    Case("corrupt.parquet", "not a readable Parquet file"),
    Case("truncated.parquet", "not a readable Parquet file"),
    Case("no_rows.parquet", "has columns but no data rows"),
    Case("workbook.xlsx", "spreadsheets are not read; save the sheet as 'CSV UTF-8'"),
    Case("workbook_named.csv", "is a ZIP archive (an Excel .xlsx"),
    Case("data.xyz", "unsupported file type '.xyz'"),
    Case("notes.md", "unsupported file type '.md'"),
]
HANDLED = [
    Case("cp1252.csv", kept=2, text="Ménière", encoding="cp1252"),
    Case("latin1.csv", kept=2, text="très douloureuse", encoding="cp1252"),
    Case("cp1250_polish.csv", kept=2, text="wywołane kryształami", encoding="cp1250"),
    Case("mixed_utf8_cp1252.csv", kept=3, text="Sjögren", encoding="utf-8+cp1252", warning="read as cp1252"),
    Case("utf8_truncated_char.csv", kept=3, text="痛風", encoding="utf-8+cp1252", warning="read as cp1252"),
    Case("utf8_bom.csv", kept=2, text="痛風", encoding="utf-8-sig"),
    Case("utf16_le_bom.csv", kept=2, text="痛風", encoding="utf-16"),
    Case("utf16_be_bom.csv", kept=2, text="痛風", encoding="utf-16"),
    Case("utf16_le_no_bom.csv", kept=2, text="痛風", encoding="utf-16-le"),
    Case("utf16_be_no_bom.csv", kept=2, text="痛風", encoding="utf-16-be"),
    Case("mixed_newlines.csv", kept=3, text="Line one.\\nLine two."),
    Case("old_mac_newlines.csv", kept=3),
    Case("duplicate_columns.csv", kept=3, warning="duplicate column name 'answer'"),
    Case("numeric_answers.csv", kept=3, text='"answer": "206"'),
    Case("quote_in_unquoted_field.csv", kept=4, text='5\\" of rain'),
    Case("repeated_header_rows.csv", kept=3, read=7),
    Case("all_identical_rows.csv", kept=1, read=50),
    Case("single_row.csv", kept=1),
    Case("html_and_controls.csv", kept=4, text="A form of arthritis & pain.\\nSee a doctor."),
    Case("sep_line_excel.csv", kept=3),
    Case("commas_in_tsv.tsv", kept=3, warning="read with ',' as the delimiter"),
    Case("not_really_gzip.csv.gz", kept=3),
    Case("jsonl_bom_crlf.jsonl", kept=3, encoding="utf-8-sig"),
    Case("nan_and_surrogates.jsonl", kept=3, text='"score": null'),
    Case("odd_extra_types.parquet", kept=3, text='"when": "2020-01-01T00:00:00"'),
    Case("unicode_line_breaks.jsonl", kept=3, text='"question": "What is gout?"'),
    Case("unicode_line_breaks.csv", kept=3, text='"question": "What is gout?"'),
]


# ------------------------------------------------------------------ inputs made at test time
def _missing(tmp: Path) -> Path:
    return tmp / "missing.csv"


def _folder(tmp: Path) -> Path:
    (tmp / "folder.csv").mkdir()
    return tmp / "folder.csv"


def _symlink_loop(tmp: Path) -> Path:
    (tmp / "loop.csv").symlink_to(tmp / "loop.csv")
    return tmp / "loop.csv"


def _dangling_symlink(tmp: Path) -> Path:
    (tmp / "dangling.csv").symlink_to(tmp / "gone.csv")
    return tmp / "dangling.csv"


def _fifo(tmp: Path) -> Path:
    os.mkfifo(tmp / "pipe.csv")  # reading it would block forever: it must be refused before opening
    return tmp / "pipe.csv"


def _ten_mb_field(tmp: Path) -> Path:
    path = tmp / "ten_mb_field.csv"
    path.write_text(GOOD_CSV + '"What is a huge field?","' + "word " * 2_000_000 + '"\n')
    return path


def _long_line_no_newline(tmp: Path) -> Path:
    path = tmp / "long_line.csv"  # a 4 MB last line, one "word", and no newline at the end
    path.write_text(GOOD_CSV + '"What is a long line?",' + "x" * 4_000_000)
    return path


def _minified_json(tmp: Path) -> Path:
    path = tmp / "minified.json"  # 30,000 records on one line, ten distinct
    records = [
        {"question": f"What is item {i % 10} about?", "answer": f"Answer number {i % 10}."} for i in range(30_000)
    ]
    path.write_text(json.dumps(records))
    return path


def _million_rows(tmp: Path) -> Path:
    path = tmp / "million_rows.csv"  # one million tiny rows, a hundred distinct pairs
    body = "".join(f"What is {i}?,Fine {i}.\n" for i in range(100)) * 10_000
    path.write_text("question,answer\n" + body)
    return path


MADE: dict[str, tuple[Callable[[Path], Path], Case]] = {
    "missing": (_missing, Case("missing.csv", "no such file")),
    "folder": (_folder, Case("folder.csv", "is a folder, not a dataset file")),
    "symlink_loop": (_symlink_loop, Case("loop.csv", "too many levels of symbolic links")),
    "dangling_symlink": (_dangling_symlink, Case("dangling.csv", "symbolic link to a file that does not exist")),
    "fifo": (_fifo, Case("pipe.csv", "is not a regular file")),
    "ten_mb_field": (_ten_mb_field, Case("ten_mb_field.csv", kept=3, read=4)),
    "long_line_no_newline": (_long_line_no_newline, Case("long_line.csv", kept=4, text="x" * 1000)),
    "minified_json": (_minified_json, Case("minified.json", kept=10, read=30_000)),
    "million_rows": (_million_rows, Case("million_rows.csv", kept=100, read=1_000_000, slow=True)),
}


# ------------------------------------------------------------------ checks
def _fingerprint(path: Path) -> tuple[str, int] | None:
    """sha256 and mtime of a regular file (None for what is not one: the input must stay as it was)."""
    if path.is_symlink() or not path.is_file():
        return None
    with open(path, "rb") as handle:  # not Path.open, which one test makes fail
        return hashlib.sha256(handle.read()).hexdigest(), path.stat().st_mtime_ns


def _check(case: Case, path: Path, out: Path, run_cli) -> None:  # noqa: ANN001
    before = _fingerprint(path)
    result = run_cli("data", "prepare", str(path), "--out", str(out))
    shown = result.out + result.err
    assert "Traceback" not in shown and "internal error" not in shown, shown
    assert _fingerprint(path) == before, "the input file was modified"
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")], "temp folder left"
    if case.error is not None:
        assert result.code == 2, shown
        assert case.error.lower() in result.err.lower(), result.err
        assert path.name in result.err, result.err
        assert not out.exists()
        return
    assert result.code == 0, shown
    report = json.loads((out / "data_report.json").read_text())
    assert report["rows_kept"] == case.kept
    assert report["rows_read"] == (case.read if case.read is not None else case.kept)
    assert report["rows_read"] == report["rows_kept"] + sum(report["dropped"].values())
    written = {n: (out / f"{n}.jsonl").read_text(encoding="utf-8") for n in ("train", "validation", "test")}
    rows = {n: _jsonl(text) for n, text in written.items()}
    assert {n: len(r) for n, r in rows.items()} == {n: s["rows"] for n, s in report["splits"].items()}
    assert sum(map(len, rows.values())) == case.kept
    if case.text:
        assert case.text in "".join(written.values())
    if case.encoding:
        assert report["input"]["encoding"] == case.encoding
    if case.warning:
        assert any(case.warning in w for w in report["warnings"]), report["warnings"]


def _jsonl(text: str) -> list[dict]:
    """Rows of a JSONL text. Lines end at "\\n" only: a string may hold a raw U+2028 or U+0085."""
    return [_strict_json(line) for line in text.split("\n") if line]


def _strict_json(line: str) -> dict:
    """Parse as strict JSON: NaN or Infinity in an output file is a bug (other readers reject it)."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"non-standard JSON constant {constant} in the output")

    return json.loads(line, parse_constant=refuse)


# ------------------------------------------------------------------ tests
@pytest.mark.parametrize("case", FAILS + HANDLED, ids=lambda c: c.name)
def test_committed_bad_file(case: Case, tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    _check(case, BAD / case.name, tmp_path / "out", run_cli)


@pytest.mark.parametrize(
    "kind",
    [pytest.param(k, marks=pytest.mark.slow) if c.slow else k for k, (_, c) in MADE.items()],
)
def test_made_bad_input(kind: str, tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    make, case = MADE[kind]
    _check(case, make(tmp_path), tmp_path / "out", run_cli)


def test_corpus_and_readme_list_the_same_files() -> None:
    on_disk = {p.name for p in BAD.iterdir()} - {"README.md"}
    assert on_disk == {c.name for c in FAILS + HANDLED}
    readme = (BAD / "README.md").read_text()
    listed = {line.split("`")[1] for line in readme.splitlines() if line.startswith("| `")}
    assert listed == on_disk | {c.name for _, c in MADE.values()}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    path = tmp_path / "locked.csv"
    path.write_text(GOOD_CSV)
    path.chmod(0)
    _check(Case("locked.csv", "permission denied"), path, tmp_path / "out", run_cli)


def test_unreadable_file_simulated(tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """Tests run as root in CI, where chmod 000 stops nothing: make the read itself fail as it would."""
    path = tmp_path / "locked.csv"
    path.write_text(GOOD_CSV)
    real_open = Path.open

    def open_(self: Path, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)
    _check(Case("locked.csv", "cannot be read (permission denied)"), path, tmp_path / "out", run_cli)


def test_skip_after_a_quoting_error_says_where_reading_stopped(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    path = tmp_path / "quote.csv"
    path.write_text(GOOD_CSV + '"What is flu?" oops,"A virus."\n"What is a cold?","A milder virus."\n')
    result = run_cli("data", "stats", str(path), "--json", "--set", "on_bad_rows=skip")
    report = json.loads(result.out)
    assert report["rows_read"] == 4 and report["dropped"] == {"malformed_row": 1}
    assert any("not read past line 5" in w for w in report["warnings"])


def test_output_folder_holding_the_input_is_refused(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    """`--overwrite` replaces the whole output folder: an input inside it would be deleted."""
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "qa.csv"
    path.write_text(GOOD_CSV)
    result = run_cli("data", "prepare", str(path), "--out", str(folder), "--overwrite")
    assert result.code == 2 and "the input is inside the output folder" in result.err
    assert path.read_text() == GOOD_CSV


# ------------------------------------------------------------------ property: random CSVs
PLAIN_NAMES = ["question", "answer", "Question", "query", "response", "url", "focus", "id", "split", "notes"]
PHRASES = [q for q, _ in GOOD_ROWS] + [a for _, a in GOOD_ROWS] + ["Is it contagious?", "Yes, sometimes."]
messy_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(",;|\t\"'\n\r <>&") + ["\u00e9", "\u2019", "\u200b", "\u00a0", "\U0001f600", "\x07"]),
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    ),
    max_size=40,
)
cells = st.one_of(st.sampled_from(PHRASES), messy_text, st.just(""), st.just("   "))
# Mostly sensible text (a phrase, perhaps with junk around it), so that many files survive cleaning.
sensible = st.one_of(
    st.sampled_from(PHRASES), st.builds(lambda a, b, c: a + b + c, messy_text, st.sampled_from(PHRASES), messy_text)
)


@st.composite
def random_csv(draw: st.DrawFn) -> tuple[bytes, dict]:
    """A CSV file's bytes and what was put in it (plain names let us predict the rows read exactly)."""
    tidy = draw(st.integers(0, 3)) > 0
    if tidy:  # three in four: question and answer columns, mostly sensible text
        extra = draw(st.lists(st.sampled_from(PLAIN_NAMES), max_size=3))
        header, plain = draw(st.permutations(["question", "answer", *extra])), True
        cell, ragged = st.one_of(sensible, sensible, cells), draw(st.integers(0, 5)) == 0
    else:  # anything: any column names (or none we know), any text
        plain = draw(st.booleans())
        names = st.sampled_from(PLAIN_NAMES) if plain else st.one_of(st.sampled_from(PLAIN_NAMES), messy_text)
        header, cell, ragged = draw(st.lists(names, min_size=1, max_size=5)), cells, draw(st.booleans())
    width = st.integers(1, 6) if ragged else st.just(len(header))
    rows = draw(
        st.lists(width.flatmap(lambda n: st.lists(cell, min_size=n, max_size=n)), min_size=int(tidy), max_size=25)
    )
    rows += draw(st.lists(st.sampled_from(rows), max_size=5)) if rows else []  # exact duplicates
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows([header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    try:
        raw = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:
        encoding, raw = "utf-8", buffer.getvalue().encode("utf-8")
    # csv.writer leaves a lone "\r" unquoted when lines end in "\n", and readers (ours, Excel's) take
    # it for a line break: such files are fair game, but their row count cannot be predicted.
    stray_cr = newline == "\n" and any("\r" in cell for row in [header, *rows] for cell in row)
    facts = {"plain": plain and not ragged and not stray_cr and encoding != "cp1252", "rows": rows}
    return raw, facts


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=random_csv(), skip=st.booleans())
def test_random_csv_prepares_consistently_or_fails_clearly(data: tuple[bytes, dict], skip: bool) -> None:
    raw, facts = data
    with tempfile.TemporaryDirectory() as folder:
        path, out = Path(folder) / "random.csv", Path(folder) / "out"
        path.write_bytes(raw)
        config = DataConfig(input=str(path), on_bad_rows="skip" if skip else "error")
        try:
            # The plots are most of a run's time and play no part in the counts; the corpus tests draw them.
            with mock.patch("medqa.data.prepare.render_plots", return_value={}):
                result = prepare(config, out, console=Console(file=io.StringIO()))
        except MedqaError as exc:
            event(f"refused: {str(exc).split(': ', 1)[-1][:30]}")
            assert "random.csv" in str(exc)
            assert not out.exists()
            return
        finally:
            assert path.read_bytes() == raw
            assert [p.name for p in Path(folder).iterdir() if p.name != "out"] == ["random.csv"]
        report = result.report
        event("prepared")
        assert report["rows_read"] == report["rows_kept"] + sum(report["dropped"].values())
        assert sum(len(rows) for rows in result.splits.values()) == report["rows_kept"] > 0
        for name, rows in result.splits.items():
            assert _jsonl((out / f"{name}.jsonl").read_text(encoding="utf-8")) == rows
        ids = [row["id"] for rows in result.splits.values() for row in rows]
        assert len(ids) == len(set(ids))  # exact duplicates were removed, so ids are unique
        if facts["plain"]:
            assert report["rows_read"] == sum(1 for row in facts["rows"] if any(cell.strip() for cell in row))
