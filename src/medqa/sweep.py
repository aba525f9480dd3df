"""`medqa sweep`: train and evaluate every point of a hyperparameter grid; resumable.

A grid file names the training keys to vary (any `TrainConfig` key, dotted for nested ones),
fixed overrides, and how to evaluate. Each point trains into `OUT/points/<name>/run` and is
scored on the validation split into `OUT/points/<name>/eval`; a point whose eval is written is
never redone, and a point whose training was interrupted resumes from its last checkpoint.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

from medqa.config import config_to_dict, load_config, read_recipe
from medqa.errors import MedqaError
from medqa.fileio import atomic_write_json, atomic_write_text
from medqa.models import TRAIN_INFO_FILE


@dataclass
class SweepSpec:
    """The contents of a grid file."""

    grid: dict[str, list[Any]]  # training key -> values to try
    data: str = "runs/data"  # prepared data folder (train on train, score on validation)
    out: str = "runs/sweep"
    base: str | None = None  # a training recipe every point starts from
    set: dict[str, Any] = field(default_factory=dict)  # fixed training overrides for every point
    eval: dict[str, Any] = field(default_factory=dict)  # eval settings (limit, max_new_tokens, ...)
    metric: str = "rougeL"  # the metric that names the best point


@dataclass
class Point:
    name: str
    values: dict[str, Any]
    folder: Path


def read_spec(path: Path) -> SweepSpec:
    """Read and check a grid file: every key must be a real training key with at least one value."""
    data = read_recipe(path)
    known = {"grid", "data", "out", "base", "set", "eval", "metric"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise MedqaError(f"{path}: unknown keys {', '.join(unknown)}; valid keys: {', '.join(sorted(known))}")
    grid = data.get("grid")
    if not isinstance(grid, dict) or not grid:
        raise MedqaError(f"{path}: 'grid' must map training keys to lists of values, e.g. learning_rate: [1e-4, 3e-4]")
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise MedqaError(f"{path}: grid key '{key}' needs a non-empty list of values")
    spec = SweepSpec(**data)
    # Building every point's config now reports a bad key or value before hours of training.
    for point in points(spec):
        _train_config(spec, point)
    return spec


def points(spec: SweepSpec) -> list[Point]:
    keys = list(spec.grid)
    result = []
    for combo in itertools.product(*(spec.grid[k] for k in keys)):
        values = dict(zip(keys, combo, strict=True))
        name = ",".join(f"{k}={v}" for k, v in values.items())
        slug = re.sub(r"[^A-Za-z0-9.=,_-]+", "_", name)
        result.append(Point(name, values, Path(spec.out) / "points" / slug))
    return result


def run_sweep(spec: SweepSpec, console: Console | None = None) -> dict[str, Any]:
    """Train and evaluate every point not yet done; write the table, plots and the best point."""
    from medqa.evaluate.run import EvalConfig, evaluate
    from medqa.train import train

    console = console or Console()
    grid_points = points(spec)
    for number, point in enumerate(grid_points, start=1):
        eval_dir = point.folder / "eval"
        if (eval_dir / "metrics.json").is_file():
            console.print(f"[dim]point {number}/{len(grid_points)} {point.name}: done, kept[/dim]")
            continue
        console.rule(f"point {number}/{len(grid_points)}: {point.name}")
        run_dir = point.folder / "run"
        if not (run_dir / TRAIN_INFO_FILE).is_file():
            train(_train_config(spec, point))
        eval_overrides = {"data": spec.data, "split": "validation", **spec.eval, "model": str(run_dir)}
        evaluate(load_config(EvalConfig, None, eval_overrides), eval_dir, overwrite=True)
    return _summarise(spec, grid_points, console)


def _train_config(spec: SweepSpec, point: Point) -> Any:
    from medqa.train import TrainConfig

    run_dir = point.folder / "run"
    resume = run_dir.exists() and any(run_dir.glob("checkpoints/*"))
    # With report_to set, each point is one run in the trackers, named by its values, under the sweep's name.
    tracking = {"run_name": point.name, "tracking_project": Path(spec.out).name}
    overrides = {**tracking, **spec.set, **point.values, "data": spec.data, "out": str(run_dir)}
    overrides.update({"resume": True} if resume else {"overwrite": run_dir.exists()})
    return load_config(TrainConfig, Path(spec.base) if spec.base else None, overrides)


def _summarise(spec: SweepSpec, grid_points: list[Point], console: Console) -> dict[str, Any]:
    rows = []
    for point in grid_points:
        metrics = json.loads((point.folder / "eval" / "metrics.json").read_text())["metrics"]
        if spec.metric not in metrics:
            raise MedqaError(f"metric '{spec.metric}' is not among the eval metrics: {', '.join(metrics)}")
        info_path = point.folder / "run" / TRAIN_INFO_FILE
        info = json.loads(info_path.read_text()) if info_path.is_file() else {}
        rows.append(
            {
                "point": point.name,
                **point.values,
                "metrics": metrics,
                "best_validation_loss": info.get("best_validation_loss"),
            }
        )
    higher = rows[0]["metrics"][spec.metric]["higher_is_better"]
    best = (max if higher else min)(rows, key=lambda r: r["metrics"][spec.metric]["value"])
    result = {
        "metric": spec.metric,
        "best": best["point"],
        "best_value": best["metrics"][spec.metric]["value"],
        "points": rows,
        "spec": config_to_dict(spec),
    }
    out = Path(spec.out)
    atomic_write_json(out / "sweep.json", result)
    atomic_write_text(out / "sweep.md", _markdown(spec, rows, best))
    _plots(spec, rows, out)
    table = Table(title=f"sweep: {spec.metric} on the validation split")
    for column in [*spec.grid, spec.metric, "95% interval", "val loss"]:
        table.add_column(column, justify="right")
    for row in rows:
        entry = row["metrics"][spec.metric]
        loss = row["best_validation_loss"]
        table.add_row(
            *(str(row[k]) for k in spec.grid),
            f"{entry['value']:.4f}",
            f"[{entry['ci_low']:.4f}, {entry['ci_high']:.4f}]",
            "-" if loss is None else f"{loss:.4f}",
        )
    console.print(table)
    console.print(
        f"best point: [bold]{best['point']}[/bold] ({spec.metric} {best['metrics'][spec.metric]['value']:.4f})"
    )
    return result


def _markdown(spec: SweepSpec, rows: list[dict[str, Any]], best: dict[str, Any]) -> str:
    keys = list(spec.grid)
    lines = [
        f"# Sweep: {spec.metric} on the validation split",
        "",
        f"Best point: **{best['point']}**",
        "",
        "| " + " | ".join([*keys, spec.metric, "95% interval", "best validation loss"]) + " |",
        "|---" * (len(keys) + 3) + "|",
    ]
    for row in rows:
        entry = row["metrics"][spec.metric]
        loss = row["best_validation_loss"]
        lines.append(
            "| "
            + " | ".join(
                [
                    *(str(row[k]) for k in keys),
                    f"{entry['value']:.4f}",
                    f"[{entry['ci_low']:.4f}, {entry['ci_high']:.4f}]",
                    "-" if loss is None else f"{loss:.4f}",
                ]
            )
            + " |"
        )
    lines += ["", *(f"![{k}](metric_vs_{_file_key(k)}.png)" for k in keys), ""]
    return "\n".join(lines)


def _plots(spec: SweepSpec, rows: list[dict[str, Any]], out: Path) -> None:
    """One plot per grid key: the metric (with its interval) against that key's values."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for key in spec.grid:
        fig, ax = plt.subplots(figsize=(5, 3.4))
        labels = [str(v) for v in spec.grid[key]]
        for k, row in enumerate(rows):
            entry = row["metrics"][spec.metric]
            x = labels.index(str(row[key])) + (k % 5 - 2) * 0.04  # spread points that share an x
            ax.errorbar(
                x,
                entry["value"],
                yerr=[[entry["value"] - entry["ci_low"]], [entry["ci_high"] - entry["value"]]],
                fmt="o",
                capsize=3,
                color=f"C{k % 10}",
            )
        ax.set_xticks(range(len(labels)), labels)
        ax.set_xlabel(key)
        ax.set_ylabel(spec.metric)
        ax.set_title(f"{spec.metric} vs {key} (validation)")
        fig.tight_layout()
        tmp = out / f".metric_vs_{_file_key(key)}.tmp.png"
        fig.savefig(tmp, dpi=90)
        plt.close(fig)
        tmp.replace(out / f"metric_vs_{_file_key(key)}.png")


def _file_key(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", key)


def example_grid() -> str:
    """A grid file to start from (`medqa sweep --example`)."""
    return yaml.safe_dump(
        {
            "data": "runs/data",
            "out": "runs/sweep",
            "base": "configs/train-cpu.yaml",
            "grid": {"learning_rate": [1e-4, 3e-4], "lora.r": [8, 16]},
            "set": {"max_steps": 100},
            "eval": {"limit": 100, "max_new_tokens": 128},
            "metric": "rougeL",
        },
        sort_keys=False,
    )
