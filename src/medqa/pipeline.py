"""The main job on the embedded defaults: every stage in order, into one run folder.

data (bundled MedQuAD) -> train (bundled SmolLM2, LoRA, a CPU budget) -> export (merged, with a
GGUF for llama.cpp) -> evaluate, on a seeded sample of the test split, what is served and what it
must beat: the base model, the fine-tuned model and the no-model yardstick `nearest` closed-book,
and the fine-tuned assistant grounded in a training-only index -> report (a verdict in plain words
first) -> serve the fine-tuned assistant
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from medqa.config import check, load_config, raise_problems
from medqa.errors import MedqaError
from medqa.hardware import environment_for, llama_cpp_available
from medqa.models import BUNDLED_MODEL, GGUF_FILE
from medqa.resources import recipe_path


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
    serve: bool = True  # end by serving the fine-tuned assistant (web chat + API) until stopped
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


def run_pipeline(config: PipelineConfig, workdir: Path | None = None, console: Console | None = None) -> Path:
    """Run every stage into `workdir` (default: a new runs/run-<time>); return it. With `config.serve`
    it never returns: the process becomes `medqa serve` on the exported model (`serve_in_place`)."""
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
    _eval_index(data_dir, console)
    evaluate_and_report(config, data_dir, train_dir, served, workdir, console)
    if config.serve:
        console.print(
            f"[bold]6/6 serve[/bold]: the fine-tuned assistant at http://{config.host}:{config.port} (web chat) "
            "and /v1 (OpenAI-compatible API), answering at once; /ready shows the corpus index's progress. "
            "Ctrl+C stops it."
        )
        serve_in_place(served, config.host, config.port)
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

    systems: list[tuple[str, dict[str, object]]] = [
        (NEAREST, {"model": NEAREST}),
        ("base", {"model": config.model, "backend": _eval_backend(config.model)}),
        ("fine-tuned", {"model": str(served), "backend": _eval_backend(str(served))}),
        # perplexity is the closed fine-tuned model's: the same weights, the same reference answers
        ("fine-tuned-grounded", {"model": str(served), "backend": _eval_backend(str(served)), "mode": "grounded",
                                 "perplexity": False}),
    ]  # fmt: skip
    console.print(
        f"[bold]4/6 evaluate[/bold]: {', '.join(name for name, _ in systems)} on {config.eval_limit} test questions"
    )
    eval_dirs = []
    for name, overrides in systems:
        settings = {
            "data": str(data_dir),
            "split": "test",
            "name": name,
            "limit": config.eval_limit,
            "max_new_tokens": config.eval_max_new_tokens,
            **(eval_settings or {}),
            **overrides,
        }
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


def serve_in_place(model: Path, host: str, port: int) -> None:
    """Replace this process with `medqa serve`: the server starts without the memory that training
    and evaluation left behind (torch, the models, the allocator's heap). MEDQA_* settings carry over;
    the thread settings are the server's own (`hardware.environment_for`)."""
    sys.stdout.flush()
    sys.stderr.flush()
    command = [sys.executable, "-m", "medqa", "serve", "--model", str(model), "--host", host, "--port", str(port)]
    os.execve(sys.executable, command, environment_for("llamacpp"))
