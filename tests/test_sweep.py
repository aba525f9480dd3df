"""`medqa sweep` on a tiny model: every point trained and scored, the best named, resumable."""

import json
from pathlib import Path

import yaml

from fakes import save_tiny_llama, write_data


def test_sweep_runs_every_point_and_resumes(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    model = save_tiny_llama(tmp_path / "tiny")
    data = write_data(tmp_path / "data")
    grid = tmp_path / "grid.yaml"
    out = tmp_path / "sweep"
    grid.write_text(
        yaml.safe_dump(
            {
                "data": str(data),
                "out": str(out),
                "grid": {"learning_rate": [1e-3, 1e-2]},
                "set": {"model": str(model), "max_steps": 2, "batch_size": 4, "eval_every": 0, "save_every": 0},
                "eval": {"limit": 3, "max_new_tokens": 4, "bertscore": False, "bootstrap_resamples": 100},
                "metric": "rougeL",
            }
        )
    )
    result = run_cli("sweep", "--grid", str(grid))
    assert result.code == 0, result.err
    summary = json.loads((out / "sweep.json").read_text())
    assert [p["learning_rate"] for p in summary["points"]] == [0.001, 0.01]
    assert summary["best"] in {"learning_rate=0.001", "learning_rate=0.01"}
    assert (out / "metric_vs_learning_rate.png").stat().st_size > 0
    assert "Best point" in (out / "sweep.md").read_text()

    kept = out / "points" / "learning_rate=0.001" / "eval" / "metrics.json"
    before = kept.stat().st_mtime_ns
    redo = out / "points" / "learning_rate=0.01" / "eval"
    for child in redo.iterdir():
        child.unlink()
    redo.rmdir()
    again = run_cli("sweep", "--grid", str(grid))
    assert again.code == 0, again.err
    assert kept.stat().st_mtime_ns == before  # the finished point was not redone
    assert (redo / "metrics.json").is_file()
    assert "done, kept" in again.out


def test_bad_grid_keys_are_named(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    grid = tmp_path / "grid.yaml"
    grid.write_text(yaml.safe_dump({"grid": {"learning_rat": [1e-4]}}))
    result = run_cli("sweep", "--grid", str(grid))
    assert result.code == 2 and "learning_rat" in result.err and "learning_rate" in result.err
    grid.write_text(yaml.safe_dump({"grid": {"learning_rate": []}}))
    assert "non-empty list" in run_cli("sweep", "--grid", str(grid)).err
