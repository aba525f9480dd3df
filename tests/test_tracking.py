"""Experiment tracking through Accelerate's trackers: TensorBoard offline, each sweep point a run."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes import tiny_config
from medqa.errors import MedqaError
from medqa.sweep import SweepSpec, _train_config, points
from medqa.train import train
from medqa.train.config import TRACKING_DIR
from medqa.train.outputs import METRICS_FILE, read_metrics

pytestmark = pytest.mark.usefixtures("one_thread")  # torch single-threaded: see fakes.single_thread


def _scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar in the TensorBoard event files under `folder`: tag -> [(step, value)]."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    found: dict[str, list[tuple[int, float]]] = {}
    for events in folder.rglob("events.out.tfevents.*"):
        accumulator = EventAccumulator(str(events))
        accumulator.Reload()
        for tag in accumulator.Tags()["scalars"]:
            found.setdefault(tag, []).extend((e.step, e.value) for e in accumulator.Scalars(tag))
    return found


def test_tensorboard_event_file_has_loss_and_learning_rate(tiny_llama, tiny_data, tmp_path):
    pytest.importorskip("tensorboard")
    run = tmp_path / "run"
    config = tiny_config(tiny_llama, tiny_data, run, max_steps=2, eval_every=2, report_to=["tensorboard"])
    train(config)
    scalars = _scalars(run / TRACKING_DIR / "medqa")
    metrics = [r for r in read_metrics(run / METRICS_FILE) if r["split"] == "train"]
    assert [step for step, _ in scalars["train/loss"]] == [1, 2]
    assert [v for _, v in scalars["train/loss"]] == pytest.approx([r["loss"] for r in metrics], rel=1e-5)
    assert [v for _, v in scalars["train/learning_rate"]] == pytest.approx([r["lr"] for r in metrics], rel=1e-5)
    assert [step for step, _ in scalars["eval/loss"]] == [2]


def test_a_missing_tracker_package_is_named_before_training(tiny_llama, tiny_data, tmp_path, monkeypatch):
    from accelerate import utils

    monkeypatch.setattr(utils, "is_mlflow_available", lambda: False)
    with pytest.raises(MedqaError, match="report_to mlflow needs the mlflow package: pip install mlflow"):
        train(tiny_config(tiny_llama, tiny_data, tmp_path / "run", report_to=["mlflow"]))
    assert not (tmp_path / "run").exists()


def test_each_sweep_point_is_its_own_run(tmp_path):
    spec = SweepSpec(
        grid={"learning_rate": [1e-3, 1e-2]},
        out=str(tmp_path / "lr-sweep"),
        set={"report_to": ["tensorboard"]},
    )
    configs = [_train_config(spec, point) for point in points(spec)]
    assert [c.run_name for c in configs] == ["learning_rate=0.001", "learning_rate=0.01"]
    assert {c.tracking_project for c in configs} == {"lr-sweep"}
    assert all(c.report_to == ["tensorboard"] for c in configs)
