import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from medqa.data.read import decode_text, detect_columns, read_table
from medqa.errors import MedqaError

ROWS = "question,answer\nWhat is gout?,A kind of arthritis.\nWhat is acne?,A skin condition.\n"


def test_csv_with_quoted_multiline_fields(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text('question,answer\n"What is it,\nreally?","Line one.\n\nLine two, with ""quotes""."\n')
    table = read_table(path)
    assert table.rows == [{"question": "What is it,\nreally?", "answer": 'Line one.\n\nLine two, with "quotes".'}]


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [("utf-8", b"", "utf-8"), ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"), ("utf-16", b"", "utf-16")],
)
def test_unicode_encodings(tmp_path: Path, encoding: str, bom: bytes, expected: str) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(bom + "question,answer\nWhat is Ménière's disease?,An inner-ear disorder.\n".encode(encoding))
    table = read_table(path)
    assert table.encoding == expected
    assert table.columns == ["question", "answer"]  # no BOM glued to the first column name
    assert table.rows[0]["question"] == "What is Ménière's disease?"


def test_utf16_without_bom_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes("question,answer\nWhat is gout?,A kind of arthritis.\n".encode("utf-16-le"))
    assert read_table(path).rows[0]["answer"] == "A kind of arthritis."


def test_cp1252_file_is_detected_and_decoded(tmp_path: Path) -> None:
    # The 0xE9/0x96 bytes of a Windows export: invalid UTF-8, valid cp1252.
    text = "question,answer\nWhat is Ménière’s disease?,An inner–ear disorder causing vertigo and tinnitus.\n" * 20
    path = tmp_path / "data.csv"
    path.write_bytes(text.encode("cp1252"))
    table = read_table(path)
    assert table.encoding in ("cp1252", "latin_1", "iso8859_15")
    assert table.rows[0]["question"].startswith("What is Méni")


def test_undecodable_bytes_are_refused_with_offset() -> None:
    raw = b"question,answer\nok,fine\n" + b"\x81\x8d\x8f\x90\x9d" * 3
    with pytest.raises(MedqaError, match=r"offset 24"):
        decode_text(raw, "data.csv")


def test_forced_encoding_reports_offset() -> None:
    with pytest.raises(MedqaError, match="offset 2"):
        decode_text(b"ab\xff", "x.csv", encoding="ascii")


def test_gzip_jsonl_and_json_and_parquet(tmp_path: Path) -> None:
    gz = tmp_path / "data.csv.gz"
    gz.write_bytes(gzip.compress(ROWS.encode()))
    assert len(read_table(gz).rows) == 2
    jsonl = tmp_path / "data.jsonl"
    jsonl.write_text('{"input": "What is gout?", "output": "Arthritis."}\n\n{"input": "Acne?", "output": "Skin."}\n')
    assert read_table(jsonl).lines == [1, 3]
    as_json = tmp_path / "data.json"
    as_json.write_text(json.dumps([{"q": "What is gout?", "a": "Arthritis."}]))
    assert read_table(as_json).columns == ["q", "a"]
    parquet = tmp_path / "data.parquet"
    pq.write_table(pa.table({"Question": ["What is gout?"], "Answer": ["Arthritis."]}), parquet)
    assert read_table(parquet).rows == [{"Question": "What is gout?", "Answer": "Arthritis."}]


def test_tsv_and_semicolon_delimiters(tmp_path: Path) -> None:
    tsv = tmp_path / "data.tsv"
    tsv.write_text("question\tanswer\nWhat is gout?\tA kind of arthritis, painful.\n")
    assert read_table(tsv).rows[0]["answer"] == "A kind of arthritis, painful."
    semi = tmp_path / "data.csv"
    semi.write_text("question;answer\nWhat is gout?;A kind of arthritis, painful.\n")
    assert read_table(semi).rows[0]["answer"] == "A kind of arthritis, painful."


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["Question", "Answer", "url"], ("Question", "Answer")),
        (["instruction", "input", "output"], ("instruction", "output")),
        (["id", "input", "response"], ("input", "response")),
        (["query", "Completion"], ("query", "Completion")),
    ],
)
def test_column_detection(columns: list[str], expected: tuple[str, str]) -> None:
    assert detect_columns(columns, None, None, "f.csv") == expected


def test_no_recognisable_columns_lists_them_and_suggests_the_flag() -> None:
    with pytest.raises(MedqaError) as error:
        detect_columns(["foo", "bar"], None, None, "f.csv")
    assert "foo, bar" in str(error.value) and "--question-col" in str(error.value)


def test_explicit_column_that_does_not_exist() -> None:
    with pytest.raises(MedqaError, match="no column 'ask'"):
        detect_columns(["question", "answer"], "ask", None, "f.csv")


def test_duplicate_column_names_are_renamed_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("question,answer,answer\nWhat is gout?,Arthritis.,Other.\n")
    table = read_table(path)
    assert table.columns == ["question", "answer", "answer.1"]
    assert "duplicate column name 'answer'" in table.warnings[0]


def test_bad_row_is_named_or_skipped(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("question,answer\nWhat is gout?,Arthritis.\nWhat is acne?,Skin,extra\nWhat is flu?,A virus.\n")
    with pytest.raises(MedqaError, match="line 3: expected 2 fields, found 3"):
        read_table(path)
    table = read_table(path, on_bad_rows="skip")
    assert [r["question"] for r in table.rows] == ["What is gout?", "What is flu?"]
    assert "line 3" in table.malformed[0]


def test_broken_jsonl_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text('{"question": "a b", "answer": "c"}\n{"question": "broken\n')
    with pytest.raises(MedqaError, match="line 2: invalid JSON"):
        read_table(path)


def test_unbalanced_quote_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text('question,answer\nWhat is gout?,"Arthritis.\nWhat is acne?,Skin.\n')
    with pytest.raises(MedqaError, match="line 2"):
        read_table(path)
