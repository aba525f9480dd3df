"""The main job on the embedded defaults: every stage in order, into one run folder."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console

from medqa.config import load_config
from medqa.data import DataConfig, prepare
from medqa.data.report import print_summary


def new_run_dir(root: Path = Path("runs")) -> Path:
    """A fresh, time-stamped run folder name under `root` (never an existing one)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = root / f"run-{stamp}"
    suffix = 1
    while candidate.exists():
        suffix += 1
        candidate = root / f"run-{stamp}-{suffix}"
    return candidate


def run_pipeline(workdir: Path | None = None, data: str | None = None, console: Console | None = None) -> Path:
    """Prepare the data (bundled MedQuAD unless `data` is given) into `workdir/data`; return `workdir`."""
    console = console or Console()
    workdir = workdir or new_run_dir()
    console.rule(f"[bold]medqa main job[/bold] -> {workdir}")
    console.print("[bold]1. data[/bold]: clean, group near-duplicates, split without leakage")
    data_config = load_config(DataConfig, None, {"input": data} if data else {})
    prepared = prepare(data_config, workdir / "data")
    print_summary(prepared.report, console)
    console.print(f"data report: {workdir / 'data' / 'data_report.html'}")
    return workdir
