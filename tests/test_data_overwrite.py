"""`--overwrite` replaces only folders medqa wrote, never the current folder; a full disk while
writing is a clear error naming the folder, not "This is a bug"."""

from __future__ import annotations

import errno
import importlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from medqa.errors import MedqaError
from medqa.fileio import OUTPUT_MARKER, atomic_output_dir, check_replaceable

ROWS = "".join(
    f'"What should I know about condition {i}?","Condition {i} is described here in a few plain words, number {i}."\n'
    for i in range(30)
)


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "input" / "qa.csv"
    path.parent.mkdir()
    path.write_text("question,answer\n" + ROWS)
    return path


def _leftovers(folder: Path) -> list[str]:
    """Temporary folders of an atomic write (".NAME.tmp-*", ".NAME.old-*") left behind in `folder`."""
    return [p.name for p in folder.iterdir() if ".tmp-" in p.name or ".old-" in p.name]


def test_a_folder_medqa_did_not_write_is_never_replaced(tmp_path: Path, dataset: Path, run_cli) -> None:  # noqa: ANN001
    out = tmp_path / "Documents"
    out.mkdir()
    (out / "thesis.txt").write_text("four years of work")
    result = run_cli("data", "prepare", str(dataset), "--out", str(out), "--overwrite")
    assert result.code == 2, result.err
    message = " ".join(result.err.split())
    assert f"output folder {out} was not written by medqa" in message and "it holds thesis.txt" in message
    assert (out / "thesis.txt").read_text() == "four years of work"
    assert sorted(p.name for p in out.iterdir()) == ["thesis.txt"] and not _leftovers(tmp_path)


def test_the_current_folder_and_its_parents_are_refused(
    tmp_path: Path,
    dataset: Path,
    run_cli,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    work = tmp_path / "projects" / "work"
    assert run_cli("data", "prepare", str(dataset), "--out", str(work)).code == 0
    monkeypatch.chdir(work)  # even a folder medqa wrote: the user is working in it
    for out, said in ((".", "is the current folder"), ("..", "holds the current folder")):
        result = run_cli("data", "prepare", str(dataset), "--out", out, "--overwrite")
        assert result.code == 2, result.err
        assert said in " ".join(result.err.split()) and "Traceback" not in result.err
    assert (work / "train.jsonl").is_file() and dataset.is_file()
    assert not _leftovers(work) and not _leftovers(work.parent) and not _leftovers(tmp_path)


def test_a_folder_holding_the_input_is_refused_even_when_medqa_wrote_it(
    tmp_path: Path,
    dataset: Path,
    run_cli,  # noqa: ANN001
) -> None:
    out = tmp_path / "prepared"
    assert run_cli("data", "prepare", str(dataset), "--out", str(out)).code == 0
    inside = out / "qa.csv"
    inside.write_bytes(dataset.read_bytes())
    result = run_cli("data", "prepare", str(inside), "--out", str(out), "--overwrite")
    assert result.code == 2 and "the input is inside the output folder" in result.err
    assert inside.is_file()


def test_medqa_outputs_empty_folders_and_earlier_outputs_are_replaced(
    tmp_path: Path,
    dataset: Path,
    run_cli,  # noqa: ANN001
) -> None:
    out = tmp_path / "prepared"
    assert run_cli("data", "prepare", str(dataset), "--out", str(out)).code == 0
    assert (out / OUTPUT_MARKER).is_file()
    assert run_cli("data", "prepare", str(dataset), "--out", str(out), "--overwrite").code == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli("data", "prepare", str(dataset), "--out", str(empty), "--overwrite").code == 0
    (out / OUTPUT_MARKER).unlink()  # as a folder written before the marker existed: known by its files
    assert run_cli("data", "prepare", str(dataset), "--out", str(out), "--overwrite").code == 0
    assert (out / OUTPUT_MARKER).is_file() and not _leftovers(tmp_path)


def test_every_atomic_output_carries_the_marker_and_can_be_replaced(tmp_path: Path) -> None:
    """What train's exports, eval, index and report folders go through: replaced only when medqa wrote them."""
    out = tmp_path / "eval"
    with atomic_output_dir(out) as folder:
        (folder / "metrics.json").write_text("{}")
    assert sorted(p.name for p in out.iterdir()) == [OUTPUT_MARKER, "metrics.json"]
    with atomic_output_dir(out, overwrite=True) as folder:
        (folder / "metrics.json").write_text('{"again": true}')
    assert json.loads((out / "metrics.json").read_text()) == {"again": True}
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.md").write_text("mine")
    with pytest.raises(MedqaError, match="was not written by medqa"), atomic_output_dir(mine, overwrite=True):
        pytest.fail("the block must not run")
    check_replaceable(out)  # no error: medqa's own
    assert (mine / "notes.md").read_text() == "mine" and not _leftovers(tmp_path)


def test_a_failed_rename_puts_the_old_folder_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "index"
    with atomic_output_dir(out) as folder:
        (folder / "index.json").write_text("old")
    fileio = importlib.import_module("medqa.fileio")
    real_rename = fileio.os.rename
    calls = []

    def rename(src: str, dst: str) -> None:
        calls.append(src)
        if len(calls) == 2:  # the new folder into place
            raise OSError(errno.EIO, "Input/output error")
        real_rename(src, dst)

    monkeypatch.setattr(fileio.os, "rename", rename)
    with pytest.raises(OSError), atomic_output_dir(out, overwrite=True) as folder:
        (folder / "index.json").write_text("new")
    assert (out / "index.json").read_text() == "old" and not _leftovers(tmp_path)


def test_full_disk_is_a_clear_error_naming_the_folder(
    tmp_path: Path,
    dataset: Path,
    run_cli,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    """Simulated: the write of the first split fails as it does on a full disk (ENOSPC has no file name)."""
    prepare_module = importlib.import_module("medqa.data.prepare")  # `medqa.data.prepare` is also the function

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(prepare_module, "write_jsonl", full)
    out = tmp_path / "prepared"
    result = run_cli("data", "prepare", str(dataset), "--out", str(out))
    assert result.code == 2, result.err
    message = " ".join(result.err.split())
    assert f"cannot write {out}: the disk is full" in message and "This is a bug" not in message
    assert not out.exists() and not _leftovers(tmp_path)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 200 KB file system (tmpfs), where mounting is allowed (as root); skipped elsewhere."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(folder)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_full_disk_on_a_real_small_file_system(small_disk: Path, tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    big = tmp_path / "big.csv"
    big.write_text(
        "question,answer\n"
        + "".join(f'"What is condition {i}?","{f"Condition {i} explained in many words. " * 12}"\n' for i in range(600))
    )
    out = small_disk / "prepared"
    result = run_cli("data", "prepare", str(big), "--out", str(out))
    assert result.code == 2, result.err
    message = " ".join(result.err.split())
    assert "the disk is full" in message and str(small_disk) in message, message
    assert "This is a bug" not in message and "Traceback" not in message
    assert list(small_disk.iterdir()) == []  # no half-written folder left behind
