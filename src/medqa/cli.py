"""The `medqa` command line. It only parses arguments and calls the stage functions."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from medqa.errors import MedqaError

app = typer.Typer(
    help="medqa: turn a medical Q&A dataset into a trustworthy, grounded assistant.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Prepare, inspect and audit question/answer datasets.", no_args_is_help=True)
app.add_typer(data_app, name="data")

console = Console(stderr=True)

RecipeOption = Annotated[Path | None, typer.Option("--config", "-c", help="YAML recipe with config keys.")]
SetOption = Annotated[
    list[str] | None, typer.Option("--set", help="Override a config key, e.g. --set split.seed=7 (repeatable).")
]


def _overrides(sets: list[str] | None, **flags: object) -> list[str] | dict[str, object]:
    """Merge explicit flags (only those given) with `--set key=value` strings."""
    from medqa.config import _parse_override

    merged: dict[str, object] = {key: value for key, value in flags.items() if value is not None}
    for text in sets or []:
        key, value = _parse_override(text)
        merged[key] = value
    return merged


# ----------------------------------------------------------------------------------------- data
@data_app.command("prepare")
def data_prepare(
    input: Annotated[
        str | None, typer.Argument(help="CSV, TSV, JSONL or Parquet file (default: bundled MedQuAD).")
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for the splits and reports.")] = Path(
        "runs/data"
    ),
    question_col: Annotated[str | None, typer.Option(help="Question column (auto-detected if omitted).")] = None,
    answer_col: Annotated[str | None, typer.Option(help="Answer column (auto-detected if omitted).")] = None,
    encoding: Annotated[str | None, typer.Option(help="Force a text encoding instead of detecting it.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the grouped split.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace the output folder if it exists.")] = False,
    config: RecipeOption = None,
    set_: SetOption = None,
) -> None:
    """Clean, group and split a dataset without leakage; write splits and reports."""
    from medqa.config import load_config
    from medqa.data import DataConfig, prepare

    flags = _overrides(
        set_, input=input, question_col=question_col, answer_col=answer_col, encoding=encoding, **{"split.seed": seed}
    )
    cfg = load_config(DataConfig, config, flags)
    result = prepare(cfg, out, overwrite=overwrite)
    from medqa.data.report import print_summary

    print_summary(result.report, Console())
    Console().print(f"[green]wrote[/green] {out}/train.jsonl, validation.jsonl, test.jsonl, data_report.json/.html")


@data_app.command("stats")
def data_stats(
    input: Annotated[str | None, typer.Argument(help="Dataset file (default: bundled MedQuAD).")] = None,
    question_col: Annotated[str | None, typer.Option(help="Question column (auto-detected if omitted).")] = None,
    answer_col: Annotated[str | None, typer.Option(help="Answer column (auto-detected if omitted).")] = None,
    encoding: Annotated[str | None, typer.Option(help="Force a text encoding instead of detecting it.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    config: RecipeOption = None,
    set_: SetOption = None,
) -> None:
    """Print the statistics `prepare` would report, without writing anything."""
    import json

    from medqa.config import load_config
    from medqa.data import DataConfig, build_dataset
    from medqa.data.report import print_summary

    flags = _overrides(set_, input=input, question_col=question_col, answer_col=answer_col, encoding=encoding)
    cfg = load_config(DataConfig, config, flags)
    result = build_dataset(cfg)
    if as_json:
        print(json.dumps(result.report, indent=2, ensure_ascii=False))
    else:
        print_summary(result.report, Console())


@data_app.command("audit")
def data_audit(
    train: Annotated[str, typer.Argument(help="The training split (any supported file format).")],
    others: Annotated[list[str], typer.Argument(help="One or more held-out splits (test, validation).")],
    question_col: Annotated[str | None, typer.Option(help="Question column (auto-detected if omitted).")] = None,
    answer_col: Annotated[str | None, typer.Option(help="Answer column (auto-detected if omitted).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the audit as JSON.")] = False,
) -> None:
    """Check splits made elsewhere for exact and near-duplicate leakage. Exits 1 when it finds any."""
    import json

    from medqa.data.audit import audit_files, print_audit

    audit = audit_files(train, others, question_col=question_col, answer_col=answer_col)
    if as_json:
        print(json.dumps(audit, indent=2, ensure_ascii=False))
    else:
        print_audit(audit, Console())
    if audit["total_leaks"]:
        raise typer.Exit(1)


# ----------------------------------------------------------------------------------------- train / export
@app.command("train")
def train_cmd(
    model: Annotated[
        str | None, typer.Option(help="smollm2-135m (bundled, default), a model folder or a Hugging Face id.")
    ] = None,
    data: Annotated[str | None, typer.Option(help="Folder with train.jsonl and validation.jsonl.")] = None,
    out: Annotated[str | None, typer.Option("--out", "-o", help="Run folder (default: runs/train).")] = None,
    method: Annotated[str | None, typer.Option(help="lora (default), qlora (CUDA) or full.")] = None,
    max_steps: Annotated[int | None, typer.Option(help="Stop after this many optimizer steps.")] = None,
    max_minutes: Annotated[float | None, typer.Option(help="Stop and save after this many minutes.")] = None,
    resume: Annotated[bool, typer.Option(help="Continue from the last checkpoint in --out.")] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace --out if it exists.")] = False,
    config: RecipeOption = None,
    set_: SetOption = None,
) -> None:
    """Fine-tune a model on prepared splits (loss on the answer only); writes adapter, metrics and card."""
    from medqa.config import load_config
    from medqa.train import TrainConfig, train

    flags = _overrides(
        set_, model=model, data=data, out=out, method=method, max_steps=max_steps, max_minutes=max_minutes,
        resume=resume or None, overwrite=overwrite or None,
    )
    result = train(load_config(TrainConfig, config, flags))
    best = f"{result.best_validation_loss:.4f}" if result.best_validation_loss is not None else "n/a"
    Console().print(
        f"[green]trained[/green] {result.steps} steps in {result.minutes:.1f} min ({result.stopped}); "
        f"train loss {result.first_train_loss:.4f} -> {result.last_train_loss:.4f}, best validation {best}; "
        f"wrote {result.out}"
    )


@app.command("export")
def export_cmd(
    run: Annotated[Path, typer.Argument(help="Run folder written by `medqa train`.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the merged, standalone model.")],
    dtype: Annotated[str | None, typer.Option(help="float32 (default), bfloat16 or float16.")] = None,
    push_to_hub: Annotated[str | None, typer.Option(help="Also upload to this Hub repo: owner/name.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace --out if it exists.")] = False,
) -> None:
    """Merge the LoRA adapter into its base model: a transformers folder that loads without peft."""
    from medqa.config import load_config
    from medqa.export import ExportConfig, export

    flags = _overrides(None, run=str(run), out=str(out), dtype=dtype, push_to_hub=push_to_hub)
    result = export(load_config(ExportConfig, None, {**flags, "overwrite": overwrite}))
    uploaded = f" and uploaded {result.hub_url}" if result.hub_url else ""
    Console().print(f"[green]exported[/green] {result.out}{uploaded}")


# ----------------------------------------------------------------------------------------- main job
@app.command("run")
def run(
    workdir: Annotated[Path | None, typer.Option(help="Folder for this run (default: runs/run-<time>).")] = None,
    data: Annotated[str | None, typer.Option(help="Dataset file (default: bundled MedQuAD).")] = None,
) -> None:
    """The main job on the embedded defaults: prepare the data (later stages join as they land)."""
    from medqa.pipeline import run_pipeline

    run_pipeline(workdir=workdir, data=data)


def main() -> None:
    """Console entry point: one clear message and a non-zero exit for every expected failure."""
    try:
        app()
    except MedqaError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/yellow]")
        sys.exit(130)
    except Exception as exc:  # a bug, not a user error: say so briefly; MEDQA_DEBUG=1 shows the traceback
        if os.environ.get("MEDQA_DEBUG"):
            raise
        console.print(
            f"[bold red]internal error:[/bold red] {type(exc).__name__}: {exc}\n"
            "This is a bug in medqa. Run again with MEDQA_DEBUG=1 for the traceback and report it.",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(3)
