"""The main job on the embedded defaults: every stage in order, into one run folder.

data (bundled MedQuAD) -> train (bundled SmolLM2, LoRA, a CPU budget) -> evaluate base and
fine-tuned on a sample of the test split -> report -> export (merged, with a GGUF for llama.cpp)
-> serve the fine-tuned assistant
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from medqa.config import check, load_config, raise_problems
from medqa.errors import MedqaError
from medqa.hardware import environment_for
from medqa.resources import recipe_path


@dataclass
class PipelineConfig:
    """Settings of `medqa run` (each stage keeps its own defaults for everything else)."""

    data: str | None = None  # dataset file; None: the bundled MedQuAD
    model: str = "smollm2-135m"
    recipe: str = "train-cpu"  # the training recipe, medqa/recipes/NAME.yaml (configs/NAME.yaml), or a YAML path
    train_steps: int | None = None  # None: the recipe's max_steps (65 in train-cpu, about 10 minutes on 2 idle cores)
    train_minutes: float | None = None  # None: the recipe's max_minutes (stops and saves on slower machines)
    eval_limit: int = 40  # test questions per system (a seeded sample)
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
    from medqa.data import DataConfig, prepare
    from medqa.data.report import print_summary
    from medqa.evaluate.report import build_report
    from medqa.evaluate.run import EvalConfig, evaluate, print_metrics
    from medqa.train import TrainConfig, train

    console = console or Console()
    workdir = workdir or new_run_dir()
    if workdir.exists() and any(workdir.iterdir()):
        raise MedqaError(f"the run folder {workdir} exists and is not empty; name a new one")
    data_dir, train_dir = workdir / "data", workdir / "train"
    console.rule(f"[bold]medqa main job[/bold] -> {workdir}")

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

    console.print(f"[bold]3/6 evaluate[/bold]: base vs fine-tuned on {config.eval_limit} test questions")
    eval_dirs = []
    for name, model in (("base", config.model), ("fine-tuned", str(train_dir))):
        eval_config = load_config(
            EvalConfig,
            None,
            {
                "model": model,
                "data": str(data_dir),
                "split": "test",
                "name": name,
                "limit": config.eval_limit,
                "max_new_tokens": config.eval_max_new_tokens,
            },
        )
        result = evaluate(eval_config, workdir / "eval" / name)
        print_metrics(result.metrics, console)
        eval_dirs.append(result.out)

    console.print("[bold]4/6 report[/bold]")
    build_report(eval_dirs, workdir / "report")
    console.print(f"report: {workdir / 'report' / 'report.html'}")
    console.print("[bold]5/6 export[/bold]: the adapter merged into the base model, and a GGUF for llama.cpp")
    served = _export_for_serving(train_dir, workdir / "export", console)
    if config.serve:
        console.print(
            f"[bold]6/6 serve[/bold]: the fine-tuned assistant at http://{config.host}:{config.port} (web chat) "
            "and /v1 (OpenAI-compatible API); the first start builds the corpus index. Ctrl+C stops it."
        )
        serve_in_place(served, config.host, config.port)
    return workdir


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
