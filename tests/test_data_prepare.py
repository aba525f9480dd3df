"""`medqa data prepare` / `stats` end to end through the CLI, and every bad input it must refuse."""

import json
import os
from pathlib import Path

import pytest

from medqa.config import load_config
from medqa.data.prepare import DataConfig, build_dataset

FOCI = ["gout", "acne", "asthma", "influenza", "migraine", "psoriasis", "anemia", "eczema", "glaucoma", "rickets"]


def write_dataset(path: Path, n_per_focus: int = 4) -> Path:
    lines = ["Question,Answer,focus,url"]
    for k, focus in enumerate(FOCI):
        for i in range(n_per_focus):
            question = f"Question {i} about {focus}: what should I know about aspect {i * 7 + k}?"
            answer = f"Answer {i} on {focus}. " + " ".join(f"fact{k}_{i}_{w}" for w in range(12))
            lines.append(f'"{question}","{answer}",{focus},https://example.org/{focus}')
    path.write_text("\n".join(lines) + "\n")
    return path


def test_prepare_writes_splits_and_reports(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    data = write_dataset(tmp_path / "qa.csv")
    out = tmp_path / "prepared"
    result = run_cli("data", "prepare", str(data), "--out", str(out), "--seed", "3")
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.iterdir()) == [
        ".medqa",  # the marker that lets a later --overwrite replace this folder
        "config.yaml",
        "data_report.html",
        "data_report.json",
        "test.jsonl",
        "train.jsonl",
        "validation.jsonl",
    ]
    splits = {
        n: [json.loads(x) for x in (out / f"{n}.jsonl").read_text().splitlines()]
        for n in ("train", "validation", "test")
    }
    assert sum(map(len, splits.values())) == 40
    assert {"id", "question", "answer", "group", "focus", "url"} <= set(splits["train"][0])
    focus_sides = {}
    for name, rows in splits.items():
        for row in rows:
            focus_sides.setdefault(row["focus"], set()).add(name)
    assert all(len(sides) == 1 for sides in focus_sides.values())  # a focus never spans two splits
    report = json.loads((out / "data_report.json").read_text())
    assert report["rows_read"] == report["rows_kept"] + sum(report["dropped"].values())
    assert report["audit"]["total_leaks"] == 0
    assert report["groups"]["count"] == 10
    html = (out / "data_report.html").read_text()
    assert "data:image/png;base64," in html and "Leakage audit" in html
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".prepared")]  # no temp folder left


def test_same_seed_same_split_other_seed_other_split(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "qa.csv", n_per_focus=2)
    first = build_dataset(load_config(DataConfig, None, {"input": str(data), "split.seed": 1}))
    again = build_dataset(load_config(DataConfig, None, {"input": str(data), "split.seed": 1}))
    other = build_dataset(load_config(DataConfig, None, {"input": str(data), "split.seed": 2}))
    ids = {n: [r["id"] for r in rows] for n, rows in first.splits.items()}
    assert ids == {n: [r["id"] for r in rows] for n, rows in again.splits.items()}
    assert ids != {n: [r["id"] for r in rows] for n, rows in other.splits.items()}


def test_stats_prints_without_writing(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    data = write_dataset(tmp_path / "qa.csv")
    before = sorted(tmp_path.iterdir())
    result = run_cli("data", "stats", str(data), "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["rows_kept"] == 40
    assert sorted(tmp_path.iterdir()) == before


def test_existing_output_is_refused_then_replaced_with_overwrite(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    data = write_dataset(tmp_path / "qa.csv")
    out = tmp_path / "prepared"
    assert run_cli("data", "prepare", str(data), "--out", str(out), "--seed", "1").code == 0
    (out / "notes.txt").write_text("a file the user put into medqa's folder")
    result = run_cli("data", "prepare", str(data), "--out", str(out))
    assert result.code == 2 and "already exists" in result.err and "--overwrite" in result.err
    assert run_cli("data", "prepare", str(data), "--out", str(out), "--overwrite", "--seed", "2").code == 0
    assert not (out / "notes.txt").exists() and (out / "train.jsonl").exists()
    assert json.loads((out / "data_report.json").read_text())["config"]["split"]["seed"] == 2


def test_failure_leaves_no_output_and_keeps_old_output(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    bad = tmp_path / "bad.csv"
    bad.write_text("question,answer\nWhat is gout?,Arthritis.\nWhat?,a,b\n")
    out = tmp_path / "prepared"
    assert run_cli("data", "prepare", str(bad), "--out", str(out)).code == 2
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.csv"]


def _bad_inputs(tmp: Path) -> dict[str, tuple[Path, str]]:
    cases: dict[str, tuple[bytes | None, str]] = {
        "missing.csv": (None, "no such file"),
        "empty.csv": (b"", "empty"),
        "blank.csv": (b"\n\n  \n", "empty"),
        "header_only.csv": (b"question,answer\n", "header but no data rows"),
        "binary.csv": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
        "columns.csv": (b"foo,bar\nx,y\n", "columns found: foo, bar"),
        "bad_row.csv": (b"question,answer\nWhat is gout?,Arthritis.\nWhat is acne?,Skin,extra\n", "line 3"),
        "bad.jsonl": (b'{"question": "What is gout?", "answer": "x y"}\nnot json\n', "line 2: invalid JSON"),
        "truncated.csv.gz": (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03+\xcd", "gzip"),
        "parquet.parquet": (b"PAR1 this is not parquet", "not a readable Parquet"),
        "data.xlsx": (b"question,answer\n", "unsupported file type"),
        "all_dropped.csv": (b"question,answer\n,orphan answer\nWhat is gout?,\n", "no rows left after cleaning"),
    }
    paths = {}
    for name, (content, message) in cases.items():
        path = tmp / name
        if content is not None:
            path.write_bytes(content)
        paths[name] = (path, message)
    folder = tmp / "folder.csv"
    folder.mkdir()
    paths["folder"] = (folder, "is a folder")
    return paths


def test_every_bad_input_gets_one_clear_message(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    for name, (path, message) in _bad_inputs(tmp_path).items():
        result = run_cli("data", "prepare", str(path), "--out", str(tmp_path / f"out-{name}"))
        assert result.code == 2, (name, result.err)
        assert message in result.err, (name, result.err)
        assert str(path.name) in result.err or name == "folder", (name, result.err)
        assert "Traceback" not in result.err + result.out
        assert not (tmp_path / f"out-{name}").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without read permission")
def test_unreadable_file(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    path = write_dataset(tmp_path / "qa.csv")
    path.chmod(0)
    result = run_cli("data", "stats", str(path))
    assert result.code == 2 and "permission denied" in result.err


def test_skip_bad_rows_counts_them(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    path = tmp_path / "qa.csv"
    path.write_text(
        "question,answer\nWhat is gout?,A form of arthritis.\nWhat is acne?,Skin,extra\n"
        "What is flu?,A viral infection.\n"
    )
    result = run_cli("data", "stats", str(path), "--json", "--set", "on_bad_rows=skip")
    report = json.loads(result.out)
    assert report["rows_read"] == 3 and report["rows_kept"] == 2 and report["dropped"] == {"malformed_row": 1}


def test_input_file_is_never_modified(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    data = write_dataset(tmp_path / "qa.csv")
    before = data.read_bytes()
    run_cli("data", "prepare", str(data), "--out", str(tmp_path / "out"))
    assert data.read_bytes() == before


@pytest.mark.slow
def test_bundled_medquad_prepares_without_leakage(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    out = tmp_path / "medquad"
    result = run_cli("data", "prepare", "--out", str(out))
    assert result.code == 0, result.err
    report = json.loads((out / "data_report.json").read_text())
    assert report["rows_read"] == 16407
    assert report["rows_read"] == report["rows_kept"] + sum(report["dropped"].values())
    assert report["audit"]["total_leaks"] == 0
    sizes = {n: s["rows"] for n, s in report["splits"].items()}
    assert abs(sizes["test"] / report["rows_kept"] - 0.1) < 0.005
