"""Inputs that expand far beyond their size on disk (gzip and Parquet "bombs") are refused at the
configured limits with memory kept near those limits, and the report hashes the bytes it read."""

from __future__ import annotations

import gzip
import hashlib
import importlib
import json
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from medqa.config import load_config
from medqa.data.prepare import DataConfig, build_dataset
from medqa.data.read import ReadLimits, read_table
from medqa.errors import MedqaError

LINE = b'"What is gout?","A form of arthritis caused by uric acid crystals in the joints."\n'
MIB = 1024 * 1024


def _gzip_bomb(path: Path, inflated: int) -> Path:
    """One gzip member of a CSV that inflates to `inflated` bytes (about 300 times its size)."""
    block = LINE * (MIB // len(LINE))
    packer = zlib.compressobj(6, wbits=31)
    parts = [packer.compress(b"question,answer\n")]
    for _ in range(inflated // len(block)):
        parts.append(packer.compress(block))
    parts.append(packer.flush())
    path.write_bytes(b"".join(parts))
    return path


def _peak_bytes(call: Any) -> int:
    """Peak Python memory while `call()` runs (it is expected to raise MedqaError)."""
    tracemalloc.start()
    try:
        with pytest.raises(MedqaError):
            call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_gzip_bomb_is_refused_with_exit_2_naming_file_and_limit(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    bomb = _gzip_bomb(tmp_path / "bomb.csv.gz", 64 * MIB)
    assert bomb.stat().st_size < MIB  # under a megabyte on disk
    out = tmp_path / "out"
    result = run_cli("data", "prepare", str(bomb), "--out", str(out), "--set", f"max_input_bytes={4 * MIB}")
    assert result.code == 2, result.err
    message = " ".join(result.err.split())
    assert "bomb.csv.gz: decompresses to more than 4.0 MiB" in message
    assert f"max_input_bytes={4 * MIB}" in message and f"--set max_input_bytes={8 * MIB}" in message
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert not out.exists()


def test_gzip_bomb_memory_stays_near_the_limit(tmp_path: Path) -> None:
    bomb = _gzip_bomb(tmp_path / "bomb.csv.gz", 64 * MIB)
    peak = _peak_bytes(lambda: read_table(bomb, limits=ReadLimits(max_bytes=4 * MIB)))
    assert peak < 3 * 4 * MIB  # the limit, the file itself and one step: not the 64 MiB it inflates to


def test_many_small_gzip_members_are_counted_together(tmp_path: Path) -> None:
    member = gzip.compress(LINE * 20_000)  # about 1.6 MiB each; concatenated members are one gzip file
    path = tmp_path / "members.csv.gz"
    path.write_bytes(gzip.compress(b"question,answer\n") + member * 10)
    with pytest.raises(MedqaError, match="decompresses to more than 8.0 MiB"):
        read_table(path, limits=ReadLimits(max_bytes=8 * MIB))
    assert len(read_table(path, limits=ReadLimits(max_bytes=32 * MIB)).rows) == 200_000


def test_gzip_members_and_zero_padding_read_in_steps(tmp_path: Path) -> None:
    path = tmp_path / "padded.csv.gz"
    first = b"question,answer\n" + b"What is gout?,A kind of arthritis.\n" * 40_000  # over one read step
    path.write_bytes(gzip.compress(first) + gzip.compress(b"What is acne?,A skin condition.\n") + b"\0" * 64)
    table = read_table(path)
    assert len(table.rows) == 40_001 and table.rows[-1]["question"] == "What is acne?"
    assert table.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_plain_file_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"question,answer\n" + LINE * 20_000)
    with pytest.raises(MedqaError, match=r"big.csv: is 1\.6 MiB; the limit is 1\.0 MiB"):
        read_table(path, limits=ReadLimits(max_bytes=MIB))


def _parquet(path: Path, rows: int, answer: str = "A kind of arthritis.") -> Path:
    table = pa.table({"question": pa.array(["What is gout?"] * rows), "answer": pa.array([answer] * rows)})
    pq.write_table(table, path)  # dictionary-encoded: a few KB whatever the row count
    return path


def test_parquet_with_many_rows_is_refused_from_its_footer(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    path = _parquet(tmp_path / "rows.parquet", 400_000)
    assert path.stat().st_size < 64 * 1024
    peak = _peak_bytes(lambda: read_table(path, limits=ReadLimits(max_rows=100_000)))
    assert peak < 4 * MIB  # refused before a single row became a Python object
    result = run_cli("data", "prepare", str(path), "--out", str(tmp_path / "out"), "--set", "max_rows=100000")
    assert result.code == 2, result.err
    message = " ".join(result.err.split())
    assert "rows.parquet: holds more than 100,000 rows (400,000); the limit is max_rows=100000" in message
    assert "--set max_rows=200000" in message
    assert not (tmp_path / "out").exists()


def test_parquet_that_inflates_past_the_byte_limit_is_refused(tmp_path: Path) -> None:
    path = _parquet(tmp_path / "wide.parquet", 2_000, answer="arthritis " * 1_000)  # 10 KB answers, 20 MB in all
    assert path.stat().st_size < 256 * 1024
    with pytest.raises(MedqaError, match=r"wide.parquet: (holds|decompresses to).*the limit is 4\.0 MiB"):
        read_table(path, limits=ReadLimits(max_bytes=4 * MIB))
    assert len(read_table(path).rows) == 2_000


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
def test_text_formats_stop_at_the_row_limit(tmp_path: Path, fmt: str) -> None:
    records = [{"question": f"What is condition {i}?", "answer": f"Answer {i}."} for i in range(12)]
    path = tmp_path / f"rows.{fmt}"
    if fmt == "csv":
        path.write_text("question,answer\n" + "".join(f"{r['question']},{r['answer']}\n" for r in records))
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
    else:
        path.write_text(json.dumps(records, indent=1))
    with pytest.raises(MedqaError, match=rf"rows.{fmt}: holds more than 10 rows; the limit is max_rows=10"):
        read_table(path, limits=ReadLimits(max_rows=10))
    assert len(read_table(path, limits=ReadLimits(max_rows=12)).rows) == 12


def test_json_array_read_one_record_at_a_time_keeps_json_error_lines(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('\n[\n  {"question": "What is gout?", "answer": "Arthritis."},\n  {"question": "x"\n  oops\n]\n')
    with pytest.raises(MedqaError, match=r"broken.json, line 5: invalid JSON \(Expecting ',' delimiter\)"):
        read_table(path)
    path.write_text('[{"question": "What is gout?", "answer": "Arthritis."}] trailing')
    with pytest.raises(MedqaError, match=r"line 1: invalid JSON \(Extra data\)"):
        read_table(path)
    path.write_text("[ ]")
    with pytest.raises(MedqaError, match="holds no records"):
        read_table(path)


def test_limits_are_settings_of_the_data_stage() -> None:
    config = load_config(DataConfig, None, ["max_input_bytes=1048576", "max_rows=10"])
    assert config.read_limits() == ReadLimits(max_bytes=1048576, max_rows=10)
    assert DataConfig().read_limits() == ReadLimits(max_bytes=2 * 1024**3, max_rows=5_000_000)
    with pytest.raises(MedqaError, match="max_rows must be above 0"):
        load_config(DataConfig, None, ["max_rows=0"])


def test_report_hashes_the_bytes_that_were_read_not_the_file_as_it_is_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "qa.csv"
    original = b"question,answer\nWhat is gout?,A kind of arthritis.\nWhat is acne?,A skin condition.\n"
    path.write_bytes(original)
    prepare_module = importlib.import_module("medqa.data.prepare")  # `medqa.data.prepare` is also the function
    real_clean = prepare_module.clean_rows

    def clean_then_replace(*args: Any, **kwargs: Any) -> Any:
        path.write_bytes(b"question,answer\nWhat is flu?,A viral infection.\n")  # replaced mid-run
        return real_clean(*args, **kwargs)

    monkeypatch.setattr(prepare_module, "clean_rows", clean_then_replace)
    report = build_dataset(DataConfig(input=str(path))).report
    assert report["input"]["sha256"] == hashlib.sha256(original).hexdigest()
    assert report["rows_kept"] == 2
