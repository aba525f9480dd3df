"""The main job serves first: after the export its evaluation and report run in a child process at a
lower CPU priority, with the run's own settings, and stop (leaving no half-written report) when the
server stops. With serve=false they run in the foreground, as before.

Data preparation, training and export are replaced by tiny real outputs (the fakes' data and a
2-step run of the tiny Llama); the evaluation child is the real `python -m medqa.pipeline --evaluate`."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rich.console import Console

from fakes import tiny_config, write_data
from medqa import pipeline
from medqa.pipeline import EVAL_JOB, EVAL_LOG, EVAL_NICE, PipelineConfig, run_pipeline

pytestmark = pytest.mark.usefixtures("one_thread")

FAST_SCORES: dict[str, object] = {"bertscore": False, "bootstrap_resamples": 100}  # no BERTScore model to load
WAIT_S = 900  # a bound on waiting for the child (tiny models on a shared CPU), not a performance threshold


@pytest.fixture
def child_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the evaluation child inherits: an empty medqa cache (no served index to borrow vectors
    from) and one thread, like this test process."""
    monkeypatch.setenv("MEDQA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


def _fake_stages(monkeypatch: pytest.MonkeyPatch, base: Path, real_train: bool) -> dict[str, list[Any]]:
    """prepare -> the fakes' Q&A splits; train -> a real 2-step run of `base` (or nothing); export ->
    the run itself (as when no GGUF can be written); serve -> recorded; the evaluation child -> started
    for real and kept. Returns what was recorded."""
    import medqa.data.prepare
    import medqa.data.report
    import medqa.train

    calls: dict[str, list[Any]] = {"served": [], "children": [], "foreground": []}
    real_train_function = medqa.train.train
    real_start = pipeline.start_background_evaluation

    def prepare(config: object, out: Path) -> SimpleNamespace:
        write_data(out)
        return SimpleNamespace(report={})

    def train(config: Any) -> SimpleNamespace:
        if real_train:
            run = tiny_config(base, Path(config.data), Path(config.out), max_steps=2, eval_every=2, save_every=2)
            real_train_function(run)
        return SimpleNamespace(steps=2, minutes=0.0, best_validation_loss=1.0)

    def start(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        child = real_start(*args, **kwargs)
        calls["children"].append(child)
        return child

    monkeypatch.setattr(medqa.data.prepare, "prepare", prepare)
    monkeypatch.setattr(medqa.data.report, "print_summary", lambda report, console: None)
    monkeypatch.setattr(medqa.train, "train", train)
    monkeypatch.setattr(pipeline, "_export_for_serving", lambda run, out, console: run)
    monkeypatch.setattr(pipeline, "serve_in_place", lambda *args, reap: calls["served"].append((*args, reap)))
    monkeypatch.setattr(pipeline, "start_background_evaluation", start)
    return calls


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {WAIT_S} s"
        time.sleep(0.2)


def test_serving_starts_the_evaluation_in_a_child_with_the_runs_settings_at_lower_priority(
    tmp_path: Path,
    tiny_llama: Path,
    child_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    calls = _fake_stages(monkeypatch, tiny_llama, real_train=True)
    config = PipelineConfig(data="unused.csv", model=str(tiny_llama), eval_limit=3, eval_max_new_tokens=8, port=8123)
    out = io.StringIO()
    run = tmp_path / "run"
    run_pipeline(config, run, Console(file=out, width=400), eval_settings=FAST_SCORES)

    # The server came right after the export; the evaluation was left to one child, with this run's settings.
    [child] = calls["children"]
    assert calls["served"] == [(run / "train", "127.0.0.1", 8123, child.pid)]  # the server waits for the child
    job = json.loads((run / EVAL_JOB).read_text())
    assert job["config"] == dataclasses.asdict(config) and job["eval_settings"] == FAST_SCORES
    assert job["parent"] == os.getpid() and job["served"] == str(run / "train")
    terminal = out.getvalue()
    assert "served now" in terminal and "continue in the background" in terminal
    assert f"log {run / EVAL_LOG}" in terminal and f"{run / 'report' / 'report.html'} in about" in terminal
    assert "4/6 evaluate" not in terminal  # that header is the child's, in its log

    assert child.wait(timeout=WAIT_S) == 0
    log = (run / EVAL_LOG).read_text()
    priority = min(19, os.nice(0) + EVAL_NICE)  # relative to this process's (the test may run under `nice`)
    assert f"in the background at CPU priority nice {priority}" in log
    assert "4/6 evaluate" in log and "5/6 report" in log
    summary = json.loads((run / "report" / "summary.json").read_text())
    assert [s["name"] for s in summary["systems"]] == ["nearest", "base", "fine-tuned", "fine-tuned-grounded"]
    for name in ("base", "fine-tuned"):
        metrics = json.loads((run / "eval" / name / "metrics.json").read_text())
        assert metrics["counts"]["degenerate_answers"]["of"] == 3  # eval_limit questions per system
        assert metrics["config"]["max_new_tokens"] == 8 and metrics["config"]["bertscore"] is False
    # The child's last words reach the main job's terminal (its inherited stdout), the verdict with them.
    said = capfd.readouterr().out
    assert f"evaluation finished: report at {run / 'report' / 'report.html'}" in said
    assert f"- {summary['verdict'][0]}" in said


def test_without_serving_nothing_is_backgrounded(
    tmp_path: Path, tiny_llama: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _fake_stages(monkeypatch, tiny_llama, real_train=False)
    monkeypatch.setattr(pipeline, "_eval_index", lambda data_dir, console: None)
    monkeypatch.setattr(
        pipeline,
        "evaluate_and_report",
        lambda *args: calls["foreground"].append((os.getpid(), args[0], args[-1])) or {},
    )
    config = PipelineConfig(data="unused.csv", model=str(tiny_llama), eval_limit=3, serve=False)
    run = tmp_path / "run"
    assert run_pipeline(config, run, Console(file=io.StringIO()), eval_settings=FAST_SCORES) == run
    assert calls["foreground"] == [(os.getpid(), config, FAST_SCORES)]  # in this process, before returning
    assert calls["children"] == [] and calls["served"] == []
    assert not (run / EVAL_JOB).exists()


def test_an_evaluation_whose_server_stopped_stops_without_a_report_and_says_how_to_rerun(
    tmp_path: Path, tiny_llama: Path, child_env: None, capfd: pytest.CaptureFixture[str]
) -> None:
    """The server's end stops the child (here its parent exits at once, as a stopped server would)."""
    run = tmp_path / "run"
    run.mkdir()
    data = write_data(run / "data")
    config = PipelineConfig(model=str(tiny_llama), eval_limit=3, eval_max_new_tokens=8)
    script = (
        "import sys; from pathlib import Path; from medqa.pipeline import PipelineConfig, start_background_evaluation;"
        f"start_background_evaluation(PipelineConfig(**{dataclasses.asdict(config)!r}), Path({str(data)!r}), "
        f"Path({str(tiny_llama)!r}), Path({str(tiny_llama)!r}), Path({str(run)!r}), {FAST_SCORES!r})"
    )
    subprocess.run([sys.executable, "-c", script], check=True)  # the parent: gone once the child is started

    said = ""

    def told() -> bool:
        nonlocal said
        said += capfd.readouterr().out
        return "(log " in said

    _wait_for(told, "word from the stopped evaluation")
    assert "evaluation stopped before the end; rerun with" in said
    log = (run / EVAL_LOG).read_text()
    assert "evaluation stopped before the end; rerun with" in log
    assert not (run / "report").exists()
    leftovers = [p.name for p in [*run.iterdir(), *(run / "eval").glob("*")] if p.name.startswith(".")]
    assert leftovers == []  # nothing half-written beside the folders either

    # The commands it names are the CLI's own, with the run's settings: they parse as `medqa` arguments.
    import typer.main

    from medqa.cli import app

    commands = [line.strip() for line in said.splitlines() if line.strip().startswith("medqa ")]
    assert [c.split()[1] for c in commands] == ["eval"] * 4 + ["report"]
    assert f"--out {run / 'eval' / 'fine-tuned-grounded'}" in commands[3] and "--mode grounded" in commands[3]
    assert "--limit 3" in commands[0] and "--set perplexity=false" in commands[3]
    assert "--set bertscore=false" in commands[1] and f"--out {run / 'report'}" in commands[4]
    cli = typer.main.get_command(app)
    for command in commands:
        _, name, *args = shlex.split(command)
        cli.commands[name].make_context(name, args)  # type: ignore[attr-defined]  # raises on unknown options


def test_the_server_waits_for_the_evaluation_child_it_was_handed(monkeypatch: pytest.MonkeyPatch) -> None:
    """After `serve_in_place` the server is the evaluation's parent: a finished child must not stay a zombie."""
    from medqa.hardware import REAP_CHILD_ENV
    from medqa.server.app import reap_child

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    monkeypatch.setenv(REAP_CHILD_ENV, str(child.pid))
    thread = reap_child()
    assert thread is not None
    thread.join(timeout=WAIT_S)
    assert not thread.is_alive() and REAP_CHILD_ENV not in os.environ
    with pytest.raises(ChildProcessError):  # already waited for: nothing left in the process table
        os.waitpid(child.pid, os.WNOHANG)
    monkeypatch.setenv(REAP_CHILD_ENV, "1")  # not a child of ours: nothing to wait for, no error
    other = reap_child()
    assert other is not None
    other.join(timeout=WAIT_S)
    assert reap_child() is None  # without the variable
