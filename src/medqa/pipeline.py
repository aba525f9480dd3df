"""The main job on the embedded defaults: every stage, into one run folder.

data (bundled MedQuAD) -> train (bundled SmolLM2, LoRA, a CPU budget) -> export (merged, with a
GGUF for llama.cpp) -> serve the fine-tuned assistant, while a child
process at a lower CPU priority evaluates, on a seeded sample of the test split, what is served and
what it must beat (the base model, the fine-tuned model and the no-model yardstick `nearest`
closed-book, and the fine-tuned assistant grounded in a training-only index) and writes the report
(a verdict in plain words first). With serve=false the evaluation and report run in the foreground.

The child is `python -m medqa.pipeline --evaluate RUN`: it reads its settings from RUN/eval_job.json
(written by the main job), writes to RUN/eval.log and stops when the main job (then the server) stops.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from medqa.config import check, load_config, raise_problems
from medqa.errors import MedqaError
from medqa.fileio import atomic_write_json
from medqa.hardware import REAP_CHILD_ENV, environment_for, llama_cpp_available
from medqa.models import BUNDLED_MODEL, GGUF_FILE
from medqa.prompt import Decoding
from medqa.resources import recipe_path

EVAL_JOB = "eval_job.json"  # RUN/eval_job.json: what the background evaluation evaluates, written by the main job
EVAL_LOG = "eval.log"  # RUN/eval.log: the background evaluation's output
# The background evaluation's CPU priority: below the server (0), whose answers come first, above the
# served index's worker (19). Scores do not depend on speed: greedy decoding, seeded samples.
EVAL_NICE = 10
# Seconds per test question and system of the main job's evaluation (128 new tokens, 2 cores), for the
# estimate the terminal shows: 5.53 min for 4 systems x 40 questions, measured in the foreground by
# bench/main_job.py on 2 cores a little shared (in the background it also shares them with the server).
EVAL_S_PER_ANSWER = 2.1


@dataclass
class PipelineConfig:
    """Settings of `medqa run` (each stage keeps its own defaults for everything else)."""

    data: str | None = None  # dataset file; None: the bundled MedQuAD
    model: str = "smollm2-135m"
    recipe: str = "train-cpu"  # the training recipe, medqa/recipes/NAME.yaml (configs/NAME.yaml), or a YAML path
    train_steps: int | None = None  # None: the recipe's max_steps (45 in train-cpu, about 10 minutes on 2 idle cores)
    train_minutes: float | None = None  # None: the recipe's max_minutes (stops and saves on slower machines)
    eval_limit: int = 40  # test questions per system (a seeded sample, the same for every system)
    eval_max_new_tokens: int = 128
    # serve the fine-tuned assistant (web chat + API) right after the export, until stopped, while the
    # evaluation and report run in the background; false: evaluate and report in the foreground, then exit
    serve: bool = True
    host: str = "127.0.0.1"
    port: int = 8000

    def __post_init__(self) -> None:
        problems: list[str] = []
        check(problems, self.train_steps is None or self.train_steps >= 1, "train_steps must be >= 1")
        check(problems, self.train_minutes is None or self.train_minutes > 0, "train_minutes must be > 0")
        check(problems, self.eval_limit >= 1, "eval_limit must be >= 1")
        raise_problems(problems, "run settings")


def train_recipe(name: str) -> Path:
    """The recipe file `name` names: a YAML path, or a recipe that ships with medqa (e.g. "train-cpu")."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml"):
        return path
    shipped = recipe_path(name)
    if not shipped.is_file():
        raise MedqaError(f"no recipe {name!r}: name a YAML file or one of medqa's recipes (e.g. train-cpu)")
    return shipped


def new_run_dir(root: Path = Path("runs")) -> Path:
    """A fresh, time-stamped run folder name under `root` (never an existing one)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = root / f"run-{stamp}"
    suffix = 1
    while candidate.exists():
        suffix += 1
        candidate = root / f"run-{stamp}-{suffix}"
    return candidate


def run_pipeline(
    config: PipelineConfig,
    workdir: Path | None = None,
    console: Console | None = None,
    eval_settings: dict[str, object] | None = None,
) -> Path:
    """Run every stage into `workdir` (default: a new runs/run-<time>); return it. With `config.serve`
    it never returns: the evaluation goes on in a child process (`start_background_evaluation`) and
    this process becomes `medqa serve` on the exported model (`serve_in_place`). `eval_settings`: more
    EvalConfig settings for every evaluated system (see `evaluate_and_report`)."""
    from medqa.data.prepare import DataConfig, prepare
    from medqa.data.report import print_summary
    from medqa.train import TrainConfig, train

    console = console or Console()
    workdir = workdir or new_run_dir()
    if workdir.exists() and any(workdir.iterdir()):
        raise MedqaError(f"the run folder {workdir} exists and is not empty; name a new one")
    data_dir, train_dir = workdir / "data", workdir / "train"
    console.rule(f"[bold]medqa main job[/bold] -> {workdir}")
    _start_served_index(config, console)

    console.print("[bold]1/6 data[/bold]: clean, group near-duplicates, split without leakage")
    prepared = prepare(load_config(DataConfig, None, {"input": config.data} if config.data else {}), data_dir)
    print_summary(prepared.report, console)

    recipe = train_recipe(config.recipe)
    overrides: dict[str, object] = {"model": config.model, "data": str(data_dir), "out": str(train_dir)}
    if config.train_steps is not None:
        overrides["max_steps"] = config.train_steps
    if config.train_minutes is not None:
        overrides["max_minutes"] = config.train_minutes
    train_config = load_config(TrainConfig, recipe, overrides)  # the recipe file is the one source of its settings
    console.print(
        f"[bold]2/6 train[/bold]: {train_config.method} on {config.model} with {recipe.name}, "
        f"{train_config.max_steps or 'all'} steps"
        + (f" (at most {train_config.max_minutes:g} min)" if train_config.max_minutes else "")
    )
    trained = train(train_config)
    console.print(
        f"trained {trained.steps} steps in {trained.minutes:.1f} min, validation loss {trained.best_validation_loss}"
    )

    # Exported before evaluation: the report scores what is served (the GGUF on llama.cpp).
    console.print("[bold]3/6 export[/bold]: the adapter merged into the base model, and a GGUF for llama.cpp")
    served = _export_for_serving(train_dir, workdir / "export", console)
    if not config.serve:
        _eval_index(data_dir, console)
        evaluate_and_report(config, data_dir, train_dir, served, workdir, console, eval_settings)
        return workdir

    # The first answer need not wait for the evaluation: it runs beside the server, in its own process.
    child = start_background_evaluation(config, data_dir, train_dir, served, workdir, eval_settings)
    console.print(
        f"[bold]6/6 serve[/bold]: the fine-tuned assistant is being served now at http://{config.host}:{config.port} "
        "(web chat) and /v1 (OpenAI-compatible API), answering at once; /ready shows the corpus index's progress. "
        "Ctrl+C stops it (and the evaluation)."
    )
    names = [name for name, _ in eval_plan(config, data_dir, served, eval_settings)]
    console.print(
        f"[bold]evaluation and report[/bold] (steps 4-5) continue in the background at a lower CPU priority: "
        f"{', '.join(names)} on {config.eval_limit} test questions per system (log {workdir / EVAL_LOG}); "
        f"the report appears at {workdir / 'report' / 'report.html'} in about "
        f"{eval_minutes(config, len(names))} minutes (on 2 cores), and its verdict here."
    )
    serve_in_place(served, config.host, config.port, reap=child.pid)
    return workdir


def evaluate_and_report(
    config: PipelineConfig,
    data_dir: Path,
    train_dir: Path,
    served: Path,
    workdir: Path,
    console: Console,
    eval_settings: dict[str, object] | None = None,
) -> dict[str, Any]:
    """Steps 4 and 5 of the main job: score base, fine-tuned and `nearest` closed-book and the
    fine-tuned assistant grounded in a training-only index, on the same seeded test questions, into
    WORKDIR/eval/<system>; then the report (WORKDIR/report), paired against `nearest`. Returns the
    report's summary. `eval_settings`: more EvalConfig settings for every system (e.g. bertscore=False)."""
    from medqa.evaluate.nearest import NEAREST
    from medqa.evaluate.report import build_report
    from medqa.evaluate.run import EvalConfig, evaluate, print_metrics
    from medqa.train.outputs import refresh_model_card

    systems = eval_plan(config, data_dir, served, eval_settings)
    console.print(
        f"[bold]4/6 evaluate[/bold]: {', '.join(name for name, _ in systems)} on {config.eval_limit} test questions"
    )
    eval_dirs = []
    for name, settings in systems:
        started = time.perf_counter()
        result = evaluate(load_config(EvalConfig, None, settings), workdir / "eval" / name, console=console)
        print_metrics(result.metrics, console)
        console.print(f"{name}: evaluated in {time.perf_counter() - started:.0f} s ({result.metrics['backend']})")
        eval_dirs.append(result.out)

    console.print("[bold]5/6 report[/bold]")
    summary = build_report(eval_dirs, workdir / "report", baseline=NEAREST, training_run=train_dir)
    refresh_model_card(train_dir)  # the run's model card now carries these evaluation results
    for line in summary["verdict"]:
        console.print(f"- {line}")
    console.print(f"report: {workdir / 'report' / 'report.html'}")
    return summary


def eval_plan(
    config: PipelineConfig, data_dir: Path, served: Path, eval_settings: dict[str, object] | None = None
) -> list[tuple[str, dict[str, object]]]:
    """The systems of steps 4-5, each with its complete EvalConfig settings: `nearest`, base and
    fine-tuned closed-book, and the fine-tuned assistant grounded, on the same seeded test questions."""
    from medqa.evaluate.nearest import NEAREST

    systems: list[tuple[str, dict[str, object]]] = [
        (NEAREST, {"model": NEAREST}),
        ("base", {"model": config.model, "backend": _eval_backend(config.model)}),
        ("fine-tuned", {"model": str(served), "backend": _eval_backend(str(served))}),
        # perplexity is the closed fine-tuned model's: the same weights, the same reference answers
        ("fine-tuned-grounded", {"model": str(served), "backend": _eval_backend(str(served)), "mode": "grounded",
                                 "perplexity": False}),
    ]  # fmt: skip
    shared: dict[str, object] = {
        "data": str(data_dir),
        "split": "test",
        "limit": config.eval_limit,
        "max_new_tokens": config.eval_max_new_tokens,
        # the fine-tuned model's shortest answer (its generation.yaml), asked of base too: decoded alike
        "min_new_tokens": Decoding.load(served).min_new_tokens,
        **(eval_settings or {}),
    }
    return [(name, {**shared, "name": name, **overrides}) for name, overrides in systems]


def eval_minutes(config: PipelineConfig, systems: int) -> int:
    """About how many minutes steps 4-5 take for `systems` systems on 2 cores (`EVAL_S_PER_ANSWER`)."""
    seconds = systems * config.eval_limit * EVAL_S_PER_ANSWER * config.eval_max_new_tokens / 128
    return max(1, round(seconds / 60))


# ----------------------------------------------------------------------------------------- background evaluation
def start_background_evaluation(
    config: PipelineConfig,
    data_dir: Path,
    train_dir: Path,
    served: Path,
    workdir: Path,
    eval_settings: dict[str, object] | None = None,
) -> subprocess.Popen[bytes]:
    """Start steps 4-5 in a child process, `python -m medqa.pipeline --evaluate WORKDIR` (`evaluation_main`),
    with this run's settings in WORKDIR/eval_job.json. It inherits this process's terminal and process
    group (Ctrl+C reaches it too) and stops when this process, the server after `serve_in_place`, stops."""
    job = {
        "config": dataclasses.asdict(config),
        "data_dir": str(data_dir),
        "train_dir": str(train_dir),
        "served": str(served),
        "eval_settings": eval_settings or {},
        "parent": os.getpid(),  # the same process after `serve_in_place`: execve keeps the pid
    }
    atomic_write_json(workdir / EVAL_JOB, job)
    return subprocess.Popen(
        [sys.executable, "-m", "medqa.pipeline", "--evaluate", str(workdir)],
        stdin=subprocess.DEVNULL,
        close_fds=True,
        env=environment_for("torch"),  # the thread settings of the evaluation in the foreground
    )


def evaluation_main(argv: list[str] | None = None) -> int:
    """The background evaluation: RUN/eval_job.json's steps 4-5 at nice +10, output in RUN/eval.log;
    the verdict (or why it stopped, and how to finish by hand) goes to the main job's terminal."""
    parser = argparse.ArgumentParser(description="The main job's evaluation and report, beside its server.")
    parser.add_argument("--evaluate", type=Path, required=True, metavar="RUN", help="the main job's run folder")
    workdir: Path = parser.parse_args(argv).evaluate
    job = json.loads((workdir / EVAL_JOB).read_text(encoding="utf-8"))
    priority = os.nice(EVAL_NICE)  # the server's answers come first; the scores do not depend on speed
    terminal = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")  # the main job's, for the last words
    sys.stdout.flush()
    with open(workdir / EVAL_LOG, "a", encoding="utf-8") as log:
        os.dup2(log.fileno(), sys.stdout.fileno())  # everything else, library output too, goes to the log
        os.dup2(log.fileno(), sys.stderr.fileno())
    config = PipelineConfig(**job["config"])
    data_dir, train_dir, served = Path(job["data_dir"]), Path(job["train_dir"]), Path(job["served"])
    eval_settings: dict[str, object] = job["eval_settings"]
    console = Console(width=120)  # a log file: plain progress lines every ~10 s (medqa.progress)
    console.print(f"the main job's evaluation, in the background at CPU priority nice {priority}")

    # Ctrl+C reaches the whole foreground group; SIGTERM and SIGHUP (the job killed, the terminal closed)
    # and the server's end (`_stop_with_parent`) stop the evaluation the same way, so that no half-written
    # folder stays behind (eval and report folders are written aside and renamed when complete).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:  # under nohup the server goes on, and so do we
        signal.signal(signal.SIGHUP, signal.default_int_handler)
    try:
        _stop_with_parent(int(job["parent"]))
        _eval_index(data_dir, console)
        summary = evaluate_and_report(config, data_dir, train_dir, served, workdir, console, eval_settings)
    except (KeyboardInterrupt, Exception) as exc:
        if not isinstance(exc, KeyboardInterrupt | MedqaError):
            traceback.print_exc()  # a bug: the log keeps the traceback
        why = "" if isinstance(exc, KeyboardInterrupt) else f" ({type(exc).__name__}: {exc})"
        commands = rerun_commands(config, data_dir, served, workdir, eval_settings)
        message = f"evaluation stopped before the end{why}; rerun with\n" + "\n".join(f"  {c}" for c in commands)
        console.print(message, highlight=False, markup=False, soft_wrap=True)
        _tell(terminal, f"{message}\n(log {workdir / EVAL_LOG})")
        return 130 if isinstance(exc, KeyboardInterrupt) else 2
    report = workdir / "report" / "report.html"
    lines = [f"evaluation finished: report at {report} ({config.eval_limit} test questions per system)"]
    _tell(terminal, "\n".join([*lines, *(f"- {line}" for line in summary["verdict"])]))
    return 0


def rerun_commands(
    config: PipelineConfig, data_dir: Path, served: Path, workdir: Path, eval_settings: dict[str, object]
) -> list[str]:
    """The `medqa eval` commands of the systems without a finished eval folder, then `medqa report`:
    how to finish an evaluation that stopped, with the same settings."""
    flags = {"model", "data", "split", "limit", "max_new_tokens", "mode", "backend", "name"}  # `medqa eval` options
    plan = eval_plan(config, data_dir, served, eval_settings)
    commands = []
    for name, settings in plan:
        out = workdir / "eval" / name
        if (out / "metrics.json").is_file():
            continue  # finished: eval folders appear complete or not at all
        words = ["medqa", "eval", "--out", str(out)]
        for key, value in settings.items():
            text = json.dumps(value) if isinstance(value, bool) else str(value)  # true/false, as --set reads them
            words += [f"--{key.replace('_', '-')}", text] if key in flags else ["--set", f"{key}={text}"]
        commands.append(shlex.join(words))
    dirs = [str(workdir / "eval" / name) for name, _ in plan]
    commands.append(shlex.join(["medqa", "report", *dirs, "--out", str(workdir / "report"), "--overwrite"]))
    return commands


def _stop_with_parent(parent: int) -> None:
    """Stop this process (SIGTERM, as above) once `parent` is gone: a thread that looks every second."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _tell(terminal: Any, text: str) -> None:
    """Write `text` to the main job's terminal in one block; a closed terminal is no error."""
    try:
        terminal.write(f"\n{text}\n")
        terminal.flush()
    except OSError:
        pass


def _start_served_index(config: PipelineConfig, console: Console) -> None:
    """Start the dense vectors of the index the server will answer from (the bundled corpus, in the
    cache) now, in a worker at the lowest CPU priority: it takes what training and evaluation leave
    of the CPU, and the server (this process, after `serve_in_place`) answers from BM25 and the
    vectors ready meanwhile, swapping in the complete index when the worker is done. Skipped when
    the server will use another index (MEDQA_INDEX) or the index is complete already."""
    from medqa.assistant.load import default_index_dir
    from medqa.retrieval.embedding import MiniLMEmbedder
    from medqa.retrieval.index import IndexConfig
    from medqa.retrieval.staged import launch_worker, open_staged, prepare_staging
    from medqa.server.settings import load_settings

    try:
        served_index = load_settings().index
    except MedqaError:
        return  # the server will say what is wrong with its settings
    path = default_index_dir()
    if config.data is not None or not config.serve or served_index is not None or (path / "index.json").is_file():
        return
    started = time.perf_counter()
    embedder = MiniLMEmbedder()
    prepare_staging(IndexConfig(), path, embedder)
    fraction = open_staged(path, embedder).dense_fraction
    launch_worker(path)
    console.print(
        f"the served corpus index: BM25 ready ({time.perf_counter() - started:.0f} s); its dense vectors "
        f"({100 * fraction:.0f}% done) are computed in the background at the lowest CPU priority"
    )


def _eval_index(data_dir: Path, console: Console) -> None:
    """The grounded evaluation's index of the training split (data/index-train), in seconds: BM25 over
    every passage, with the dense vectors the served index has ready (the same MiniLM over the same
    texts), BM25 alone for the rest. The report's grounded scores are of this index; the share of
    passages with a vector is printed here and stored in its index.json (`dense_rows`)."""
    from medqa.assistant.load import default_index_dir
    from medqa.evaluate.grounded import train_index_path
    from medqa.retrieval.embedding import MiniLMEmbedder
    from medqa.retrieval.index import Index, IndexConfig
    from medqa.retrieval.staged import borrowed_index, open_staged, staging_dir

    out = train_index_path(str(data_dir))
    if (out / "index.json").is_file():
        return
    embedder, served = MiniLMEmbedder(), default_index_dir()
    donor: Index | None = None
    try:
        if (served / "index.json").is_file():
            donor = Index.load(served, embedder)
        elif (staging_dir(served) / "staging.json").is_file():
            donor = open_staged(served, embedder)
    except MedqaError as exc:
        console.print(f"[yellow]the served index cannot lend its vectors ({exc}); BM25 alone[/yellow]")
    index = borrowed_index(IndexConfig(data=str(data_dir)), donor, embedder)
    index.persist(out)
    console.print(
        f"the grounded evaluation's index (training split): {len(index.passages)} passages, BM25 for all, "
        f"dense vectors for {100 * index.dense_fraction:.0f}% (those the served index had ready)"
    )


def _eval_backend(model: str) -> str:
    """llama.cpp where the model has a GGUF (the bundled base, an export): what is served, ~4x faster."""
    has_gguf = model == BUNDLED_MODEL or (Path(model) / GGUF_FILE).is_file()
    return "llamacpp" if has_gguf and llama_cpp_available() else "transformers"


def _export_for_serving(run: Path, out: Path, console: Console) -> Path:
    """The run exported with a GGUF (served by llama.cpp, without torch: ~4x faster, under 1 GB);
    the run folder itself (served by transformers) when its model cannot be written as a GGUF."""
    from medqa.export.merge import ExportConfig, export

    try:
        export(ExportConfig(run=str(run), out=str(out), gguf=True))
    except MedqaError as exc:
        console.print(f"[yellow]no GGUF ({exc}); serving the run with transformers[/yellow]")
        return run
    return out


def serve_in_place(model: Path, host: str, port: int, reap: int | None = None) -> None:
    """Replace this process with `medqa serve`: the server starts without the memory that training
    and evaluation left behind (torch, the models, the allocator's heap). MEDQA_* settings carry over;
    the thread settings are the server's own (`hardware.environment_for`). `reap`: the evaluation
    child's pid, which the server waits for (`medqa.server.app.reap_child`) so that it does not stay a
    zombie after it finishes: execve keeps the child, but not the Popen object that would wait for it."""
    sys.stdout.flush()
    sys.stderr.flush()
    command = [sys.executable, "-m", "medqa", "serve", "--model", str(model), "--host", host, "--port", str(port)]
    env = environment_for("llamacpp")
    if reap is not None:
        env[REAP_CHILD_ENV] = str(reap)
    os.execve(sys.executable, command, env)


if __name__ == "__main__":
    sys.exit(evaluation_main())
