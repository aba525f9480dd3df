"""Seconds per optimizer step of training recipes on the bundled data: what sizes a recipe's max_steps.

Each recipe trains twice in a fresh process on the same prepared data, for --warm and for
--warm + --steps steps (no evaluation, no checkpoints). The difference of the two isolates the
steps from loading and tokenizing: wall seconds per step, and CPU seconds per step (all threads),
which depends much less on who else shares the cores (with --threads 1 it is also free of the
time threads spend waiting for each other). With --reference, every recipe is also
expressed as a multiple of the reference recipe's CPU time per step: multiply a step time measured
on idle cores for the reference by it to budget the others.

    .venv/bin/python bench/recipe_steps.py --data runs/data --recipes train-cpu train-cpu-long \
        --reference train-cpu [--steps 8] [--warm 2]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def run(recipe: str, data: str, out: str, steps: int, threads: int | None, queue: mp.Queue) -> None:
    """Train `recipe` for `steps` steps; report CPU and wall seconds, steps and tokens."""
    if threads:
        import torch

        torch.set_num_threads(threads)
    from medqa.config import load_config
    from medqa.pipeline import train_recipe
    from medqa.train import TrainConfig, train
    from medqa.train.outputs import read_metrics

    overrides = {"data": data, "out": out, "overwrite": True, "max_steps": steps, "max_minutes": None,
                 "eval_every": 0, "max_eval_examples": 0, "save_every": 0}  # fmt: skip
    config = load_config(TrainConfig, train_recipe(recipe), overrides)
    before = resource.getrusage(resource.RUSAGE_SELF)
    train(config)
    after = resource.getrusage(resource.RUSAGE_SELF)
    rows = [r for r in read_metrics(Path(out) / "metrics.jsonl") if r["split"] == "train"]
    queue.put(
        {
            "cpu_s": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
            "wall_s": rows[-1]["elapsed_s"],
            "supervised_tokens": sum(r["supervised_tokens"] for r in rows),
        }
    )


def measure(recipe: str, data: str, steps: int, warm: int, threads: int | None) -> dict[str, float]:
    """Per-step figures of `recipe`: (warm + steps) steps minus warm steps."""
    context = mp.get_context("spawn")
    results = []
    with tempfile.TemporaryDirectory(prefix="medqa-recipe-steps-") as tmp:
        for n in (warm, warm + steps):
            queue = context.Queue()
            process = context.Process(target=run, args=(recipe, data, f"{tmp}/run{n}", n, threads, queue))
            process.start()
            results.append(queue.get())
            process.join()
    short, long = results
    return {
        "cpu_s_per_step": (long["cpu_s"] - short["cpu_s"]) / steps,
        "wall_s_per_step": (long["wall_s"] - short["wall_s"]) / steps,
        "answer_tokens_per_step": (long["supervised_tokens"] - short["supervised_tokens"]) / steps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="prepared data folder (medqa data prepare)")
    parser.add_argument("--recipes", nargs="+", default=["train-cpu"], help="recipe names or YAML files")
    parser.add_argument("--reference", help="recipe whose CPU time per step the others are compared with")
    parser.add_argument("--steps", type=int, default=8, help="steps timed per recipe")
    parser.add_argument("--warm", type=int, default=2, help="steps run first and subtracted")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's); 1 on shared cores")
    args = parser.parse_args()

    names = list(dict.fromkeys([*args.recipes, *([args.reference] if args.reference else [])]))
    load = os.getloadavg()[0]
    figures = {name: measure(name, args.data, args.steps, args.warm, args.threads) for name in names}
    print(f"{args.steps} steps per recipe after {args.warm}, {args.threads or 'default'} threads; load average "
          f"{load:.1f} at start, {os.getloadavg()[0]:.1f} at end (others slow wall time, CPU time less)")  # fmt: skip
    print(f"{'recipe':28} {'CPU s/step':>11} {'wall s/step':>12} {'answer tok/step':>16} {'x reference':>12}")
    for name, f in figures.items():
        ratio = f["cpu_s_per_step"] / figures[args.reference]["cpu_s_per_step"] if args.reference else float("nan")
        f["cpu_vs_reference"] = ratio
        print(f"{name:28} {f['cpu_s_per_step']:>11.1f} {f['wall_s_per_step']:>12.1f} "
              f"{f['answer_tokens_per_step']:>16.0f} {ratio:>12.2f}")  # fmt: skip
    print(json.dumps({name: {k: round(v, 3) for k, v in f.items()} for name, f in figures.items()}))


if __name__ == "__main__":
    main()
