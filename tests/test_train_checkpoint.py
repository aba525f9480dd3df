"""The checkpoint bookkeeping on its own (the crash tests that use it are in test_train_faults.py):
the typed training state reads the checkpoints earlier versions wrote, and refuses a damaged one
with an error that names the file and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medqa.errors import MedqaError
from medqa.train.checkpoint import STATE_FILE, TrainState, complete_checkpoints, kept_note, partial_checkpoints

# trainer_state.json as the untyped state dict of earlier versions wrote it
OLD_STATE = {"step": 40, "best_loss": 1.25, "best_step": 30, "bad_evals": 1, "examples": 320, "seconds": 81.5}


def test_a_checkpoint_of_the_untyped_state_resumes_and_is_written_back_the_same(tmp_path: Path) -> None:
    old = tmp_path / STATE_FILE
    old.write_text(json.dumps(OLD_STATE, indent=2) + "\n", encoding="utf-8")
    state = TrainState.read(old)
    assert state == TrainState(step=40, best_loss=1.25, best_step=30, bad_evals=1, examples=320, seconds=81.5)
    state.write(tmp_path / "again.json")
    assert (tmp_path / "again.json").read_text(encoding="utf-8") == old.read_text(encoding="utf-8")
    fresh = TrainState()  # never evaluated: no best loss yet
    fresh.write(tmp_path / "fresh.json")
    assert TrainState.read(tmp_path / "fresh.json") == fresh


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"step": 4', "cannot read"),
        ("[1, 2]", "expected a JSON object, got list"),
        (json.dumps({**OLD_STATE, "epoch": 2}), "unknown ['epoch']"),
        (json.dumps({k: v for k, v in OLD_STATE.items() if k != "step"}), "missing ['step']"),
        (json.dumps({**OLD_STATE, "step": "40"}), "field 'step' must be int, got '40'"),
        (json.dumps({**OLD_STATE, "step": None}), "field 'step'"),
        (json.dumps({**OLD_STATE, "examples": True}), "field 'examples'"),
        (json.dumps({**OLD_STATE, "best_loss": "low"}), "field 'best_loss'"),
    ],
)
def test_a_damaged_state_file_is_named_with_its_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / STATE_FILE
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MedqaError, match="trainer_state.json") as error:
        TrainState.read(path)
    assert message in str(error.value)


def test_only_checkpoints_with_their_state_count_as_complete(tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert complete_checkpoints(run) == [] and kept_note(run) == "; no checkpoint had been completed yet"
    for name, state in [("step-0000002", True), ("step-0000004", True), (".step-0000006.tmp", False)]:
        (run / "checkpoints" / name).mkdir(parents=True)
        if state:
            TrainState(step=int(name[5:])).write(run / "checkpoints" / name / STATE_FILE)
    (run / "checkpoints" / ".step-0000002.old").mkdir()  # a deletion cut short
    complete = complete_checkpoints(run)
    assert [p.name for p in complete] == ["step-0000002", "step-0000004"]
    assert [p.name for p in partial_checkpoints(run)] == [".step-0000002.old", ".step-0000006.tmp"]
    assert f"the last complete checkpoint, {complete[-1]}, is kept" in kept_note(run)


def test_overwrite_never_deletes_a_folder_medqa_did_not_write(tmp_path: Path) -> None:
    """`medqa train --overwrite` replaces a run folder, never a folder of the user's own files."""
    from medqa.train.checkpoint import check_run_folder
    from medqa.train.config import TrainConfig

    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "thesis.txt").write_text("three years of work")
    with pytest.raises(MedqaError, match="not written by medqa"):
        check_run_folder(mine, TrainConfig(out=str(mine), overwrite=True))
    assert (mine / "thesis.txt").is_file()
    run = tmp_path / "run"
    run.mkdir()
    (run / ".medqa").write_text("written by medqa")
    check_run_folder(run, TrainConfig(out=str(run), overwrite=True))  # a run folder: allowed
