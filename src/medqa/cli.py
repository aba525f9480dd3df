"""The `medqa` command line. It only parses arguments and calls the stage functions."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from typer.core import TyperCommand

from medqa.errors import MedqaError
from medqa.hardware import configure_threads

app = typer.Typer(
    help="medqa: turn a medical Q&A dataset into a trustworthy, grounded assistant.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,  # typer's --install-completion / --show-completion (bash, zsh, fish, PowerShell)
)
data_app = typer.Typer(help="Prepare, inspect and audit question/answer datasets.", no_args_is_help=True)
app.add_typer(data_app, name="data")

console = Console(stderr=True)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"medqa {version('medqa')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit."),
    ] = None,
) -> None:
    """medqa: turn a medical Q&A dataset into a trustworthy, grounded assistant."""


def settings_help(config: str) -> type[TyperCommand]:
    """A command class whose --help ends with every setting of the config dataclass `config`
    ("module:Class"): key, type, default and the docstring that documents it in the code.

    The class is imported only when help is asked for, so `medqa` stays quick to start.
    """

    class SettingsCommand(TyperCommand):
        def format_help(self, ctx: typer.Context, formatter: object) -> None:  # type: ignore[override]
            super().format_help(ctx, formatter)  # type: ignore[arg-type]
            import importlib

            from rich.table import Table
            from typer.rich_utils import _get_rich_console

            from medqa.config import setting_docs

            module, name = config.split(":")
            how = "--set KEY=VALUE or a YAML recipe (--config)" if any(p.name == "set_" for p in self.params) else ""
            table = Table(
                title=f"Settings ({name}){': ' + how if how else ', through the options above'}",
                title_justify="left",
                box=None,
                padding=(0, 1),
            )
            table.add_column("key", style="bold cyan", no_wrap=True)
            table.add_column("type", style="yellow")
            table.add_column("default", overflow="fold", max_width=24)
            table.add_column("meaning")
            for row in setting_docs(getattr(importlib.import_module(module), name)):
                table.add_row(row.key, row.type, row.default, row.doc)
            _get_rich_console().print(table, markup=False, highlight=False)

    return SettingsCommand


RecipeOption = Annotated[Path | None, typer.Option("--config", "-c", help="YAML recipe with config keys.")]
SetOption = Annotated[
    list[str] | None, typer.Option("--set", help="Override a config key, e.g. --set split.seed=7 (repeatable).")
]
ModelOption = Annotated[str | None, typer.Option(help="Run/exported folder or base model (default: latest run).")]
OverwriteOption = Annotated[bool, typer.Option(help="Replace the output folder if it exists.")]
QuestionColOption = Annotated[str | None, typer.Option(help="Question column (auto-detected if omitted).")]
IndexOption = Annotated[Path | None, typer.Option(help="Index folder (default: the bundled corpus, built once).")]
AnswerColOption = Annotated[str | None, typer.Option(help="Answer column (auto-detected if omitted).")]
EncodingOption = Annotated[str | None, typer.Option(help="Force a text encoding instead of detecting it.")]
FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        help="Row layout: table, alpaca (instruction/input/output), messages (OpenAI chat) or sharegpt "
        "(conversations); default: detected.",
    ),
]


def _overrides(sets: list[str] | None, **flags: object) -> list[str] | dict[str, object]:
    """Merge explicit flags (only those given) with `--set key=value` strings."""
    from medqa.config import parse_override

    merged: dict[str, object] = {key: value for key, value in flags.items() if value is not None}
    for text in sets or []:
        key, value = parse_override(text)
        merged[key] = value
    return merged


# ----------------------------------------------------------------------------------------- data
@data_app.command("prepare", cls=settings_help("medqa.data.prepare:DataConfig"))
def data_prepare(
    input: Annotated[
        str | None, typer.Argument(help="CSV, TSV, JSONL or Parquet file (default: bundled MedQuAD).")
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for the splits and reports.")] = Path(
        "runs/data"
    ),
    question_col: QuestionColOption = None,
    answer_col: AnswerColOption = None,
    encoding: EncodingOption = None,
    format_: FormatOption = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the grouped split.")] = None,
    overwrite: OverwriteOption = False,
    config: RecipeOption = None,
    set_: SetOption = None,
) -> None:
    """Clean, group and split a dataset without leakage; write splits and reports."""
    configure_threads("torch")
    from medqa.config import load_config
    from medqa.data.prepare import DataConfig, prepare

    flags = _overrides(
        set_,
        input=input,
        format=format_,
        question_col=question_col,
        answer_col=answer_col,
        encoding=encoding,
        **{"split.seed": seed},
    )
    cfg = load_config(DataConfig, config, flags)
    result = prepare(cfg, out, overwrite=overwrite)
    from medqa.data.report import print_summary

    print_summary(result.report, Console())
    Console().print(f"[green]wrote[/green] {out}/train.jsonl, validation.jsonl, test.jsonl, data_report.json/.html")


@data_app.command("stats", cls=settings_help("medqa.data.prepare:DataConfig"))
def data_stats(
    input: Annotated[str | None, typer.Argument(help="Dataset file (default: bundled MedQuAD).")] = None,
    question_col: QuestionColOption = None,
    answer_col: AnswerColOption = None,
    encoding: EncodingOption = None,
    format_: FormatOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    config: RecipeOption = None,
    set_: SetOption = None,
) -> None:
    """Print the statistics `prepare` would report, without writing anything."""
    configure_threads("torch")
    import json

    from medqa.config import load_config
    from medqa.data.prepare import DataConfig, build_dataset
    from medqa.data.report import print_summary

    flags = _overrides(
        set_, input=input, format=format_, question_col=question_col, answer_col=answer_col, encoding=encoding
    )
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
    question_col: QuestionColOption = None,
    answer_col: AnswerColOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the audit as JSON.")] = False,
) -> None:
    """Check splits made elsewhere for exact and near-duplicate leakage. Exits 1 when it finds any."""
    configure_threads("torch")
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
@app.command("train", cls=settings_help("medqa.train.config:TrainConfig"))
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
    report_to: Annotated[
        str | None, typer.Option(help="Experiment trackers, comma-separated: tensorboard, trackio, mlflow, wandb.")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Train nothing: print encoded training examples with the trained answer tokens marked, "
            "their token counts and what max_length / max_answer_tokens cut.",
        ),
    ] = False,
    examples: Annotated[int, typer.Option(min=1, help="How many examples --dry-run prints.")] = 3,
    config: RecipeOption = None,
    set_: SetOption = None,
) -> None:
    """Fine-tune a model on prepared splits (loss on the answer only); writes adapter, metrics and card."""
    configure_threads("torch")
    from medqa.config import load_config
    from medqa.train import TrainConfig, train

    flags = _overrides(
        set_,
        model=model,
        data=data,
        out=out,
        method=method,
        max_steps=max_steps,
        max_minutes=max_minutes,
        resume=resume or None,
        overwrite=overwrite or None,
        report_to=report_to,
    )
    settings = load_config(TrainConfig, config, flags)
    if dry_run:
        from medqa.train.batches import preview, print_examples

        print_examples(preview(settings, examples), settings, Console())
        return
    result = train(settings)
    best = f"{result.best_validation_loss:.4f}" if result.best_validation_loss is not None else "n/a"
    Console().print(
        f"[green]trained[/green] {result.steps} steps in {result.minutes:.1f} min ({result.stopped}); "
        f"train loss {result.first_train_loss:.4f} -> {result.last_train_loss:.4f}, best validation {best}; "
        f"wrote {result.out}"
    )


@app.command("export", cls=settings_help("medqa.export.merge:ExportConfig"))
def export_cmd(
    run: Annotated[Path, typer.Argument(help="Run folder written by `medqa train`.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the merged, standalone model.")],
    dtype: Annotated[str | None, typer.Option(help="float32 (default), bfloat16 or float16.")] = None,
    push_to_hub: Annotated[str | None, typer.Option(help="Also upload to this Hub repo: owner/name.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace --out if it exists.")] = False,
    gguf: Annotated[
        bool,
        typer.Option(
            "--gguf",
            help="Also write OUT/model.gguf for the fast llama.cpp backend and an Ollama OUT/Modelfile "
            "(Llama, Mistral, Qwen2, Phi-3, Gemma).",
        ),
    ] = False,
    gguf_type: Annotated[str | None, typer.Option(help="GGUF weights: q8_0 (default), q4_1, f16 or f32.")] = None,
) -> None:
    """Merge the LoRA adapter into its base model: a transformers folder that loads without peft."""
    configure_threads("torch")
    from medqa.config import load_config
    from medqa.export.merge import ExportConfig, export

    flags = _overrides(
        None, run=str(run), out=str(out), dtype=dtype, push_to_hub=push_to_hub, gguf=gguf or None, gguf_type=gguf_type
    )
    result = export(load_config(ExportConfig, None, {**flags, "overwrite": overwrite}))
    uploaded = f" and uploaded {result.hub_url}" if result.hub_url else ""
    Console().print(f"[green]exported[/green] {result.out}{uploaded}")


# ----------------------------------------------------------------------------------------- index
index_app = typer.Typer(
    help="Build and query the hybrid (BM25 + MiniLM) index of the trusted corpus.", no_args_is_help=True
)
app.add_typer(index_app, name="index")


@index_app.command("build", cls=settings_help("medqa.retrieval.index:IndexConfig"))
def index_build(
    data: Annotated[
        str | None,
        typer.Option(help="Prepared data folder (indexes train.jsonl only) or CSV/JSONL file (default: MedQuAD)."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Index folder to create.")] = Path("runs/index"),
    all_splits: Annotated[
        bool, typer.Option("--all-splits", help="Also index validation/test.jsonl (their questions see their answers).")
    ] = False,
    max_words: Annotated[int | None, typer.Option(help="Longest passage in words (default 120).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace the index folder if it exists.")] = False,
    config: RecipeOption = None,
    set_: SetOption = None,
) -> None:
    """Chunk, embed and BM25-index the corpus into a folder (memory-mapped when loaded)."""
    configure_threads("torch")
    from medqa.config import load_config
    from medqa.retrieval.index import IndexConfig, build_index

    flags = _overrides(set_, data=data, all_splits=all_splits or None, max_words=max_words)
    cfg = load_config(IndexConfig, config, flags)
    result = build_index(cfg, out, overwrite=overwrite)
    Console().print(
        f"[green]indexed[/green] {result.rows} rows as {result.passages} passages in {result.seconds:.0f} s "
        f"(embedding {result.embed_seconds:.0f} s) -> {out}"
    )


@index_app.command("query")
def index_query(
    index: Annotated[Path, typer.Argument(help="An index folder made by `medqa index build`.")],
    text: Annotated[str, typer.Argument(help="The question.")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many passages to show.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the passages as JSON lines.")] = False,
) -> None:
    """Print the top passages of an index for a question."""
    configure_threads("torch")
    import dataclasses
    import json

    from medqa.retrieval.index import query_index

    for rank, hit in enumerate(query_index(index, text, k), start=1):
        if as_json:
            print(json.dumps(dataclasses.asdict(hit), ensure_ascii=False))
        else:
            line = f"[bold]{rank}. {hit.title}[/bold] ({hit.score:.4f}) {hit.url}\n   {hit.text[:300]}"
            Console().print(line, highlight=False)


# ----------------------------------------------------------------------------------------- assistant
BackendOption = Annotated[
    str,
    typer.Option(
        help="auto (llama.cpp when installed and the model has a GGUF, else transformers), llamacpp, "
        "transformers, or openai (a remote OpenAI-compatible server; needs --base-url)."
    ),
]
BaseUrlOption = Annotated[
    str | None, typer.Option(help="OpenAI-compatible server for --backend openai, e.g. http://localhost:8000/v1.")
]
ApiModelOption = Annotated[
    str | None, typer.Option(help="Model name on the --base-url server (default: the first one it lists).")
]


@app.command("ask", cls=settings_help("medqa.assistant.answer:AssistantConfig"))
def ask_command(
    question: Annotated[str | None, typer.Argument(help="The question (or use --file).")] = None,
    file: Annotated[
        Path | None, typer.Option(help="Answer every line of this file (one JSON object each with --json).")
    ] = None,
    model: ModelOption = None,
    index: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the structured answer as JSON.")] = False,
    backend: BackendOption = "auto",
    base_url: BaseUrlOption = None,
    api_model: ApiModelOption = None,
    config: RecipeOption = None,
    set_: SetOption = None,
) -> None:
    """Ask the grounded assistant: triage, retrieval, an answer checked sentence by sentence against its
    sources and cited, the sources with their snippets, and the disclaimer (--json: the structured answer,
    with which sentences were generated, quoted or removed)."""
    configure_threads("llamacpp")
    import json

    from medqa.assistant.answer import AssistantConfig
    from medqa.assistant.load import load_assistant
    from medqa.chat import show_sources
    from medqa.config import load_config

    if (question is None) == (file is None):
        raise MedqaError("give either a QUESTION or --file QUESTIONS.txt")
    questions = [question] if question is not None else _question_lines(file)
    settings = load_config(AssistantConfig, config, _overrides(set_))
    assistant = load_assistant(model, index, settings, console, backend, base_url, api_model)
    out = Console()
    for text in questions:
        answer = assistant.answer(text)
        if as_json:
            print(json.dumps(answer.as_dict(), ensure_ascii=False), flush=True)
            continue
        style = "bold red" if answer.triage == "emergency" else "bold"
        out.print(answer.answer, style=style, markup=False, highlight=False)  # "[1]" is a marker, not markup
        show_sources(answer, out)
        out.print(f"[dim]{answer.disclaimer}[/dim]\n", highlight=False)


def _question_lines(path: Path | None) -> list[str]:
    if path is None or not path.is_file():
        raise MedqaError(f"{path}: no such file")
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    except UnicodeDecodeError as exc:
        raise MedqaError(f"{path}: not UTF-8 text (byte offset {exc.start})") from exc
    questions = [line for line in lines if line]
    if not questions:
        raise MedqaError(f"{path}: holds no questions (one per line)")
    return questions


# ----------------------------------------------------------------------------------------- evaluate
@app.command("eval", cls=settings_help("medqa.evaluate.run:EvalConfig"))
def eval_command(
    model: Annotated[
        str | None,
        typer.Option(help="Base model (smollm2-135m, folder, hub id), a run folder, or 'nearest' (no model)."),
    ] = None,
    data: Annotated[str | None, typer.Option(help="Prepared data folder, a Q&A file, or 'kqa'.")] = None,
    split: Annotated[str | None, typer.Option(help="Split of a prepared folder (default test).")] = None,
    limit: Annotated[int | None, typer.Option(help="Evaluate a seeded random sample of N questions.")] = None,
    max_new_tokens: Annotated[int | None, typer.Option(help="Longest generated answer in tokens.")] = None,
    decoding: Annotated[str | None, typer.Option(help="greedy (default), beam or sample.")] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            help="closed (the model alone, default), grounded (the assistant, training-only index) or open-book "
            "(the assistant, every split indexed: faithful reading, not generalisation)."
        ),
    ] = None,
    backend: Annotated[
        str | None, typer.Option(help="transformers (default) or llamacpp (the model's GGUF, ~4x faster on CPU).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="System name in reports.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default RUN/eval/NAME).")] = None,
    overwrite: OverwriteOption = False,
    config: RecipeOption = None,
    set_: SetOption = None,
) -> None:
    """Generate answers for held-out questions and score them (ROUGE, BLEU, BERTScore, perplexity, ...)."""
    configure_threads("torch")
    from medqa.config import load_config
    from medqa.evaluate.run import EvalConfig, evaluate, print_metrics

    flags = _overrides(
        set_,
        model=model,
        data=data,
        split=split,
        limit=limit,
        max_new_tokens=max_new_tokens,
        decoding=decoding,
        mode=mode,
        backend=backend,
        name=name,
    )
    result = evaluate(load_config(EvalConfig, config, flags), out, overwrite=overwrite)
    print_metrics(result.metrics, Console())
    Console().print(f"[green]wrote[/green] {result.out}/metrics.json and predictions.jsonl")


@app.command("report")
def report_command(
    eval_dirs: Annotated[
        list[Path], typer.Argument(help="Eval folders (from `medqa eval`); the first is the baseline.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Report folder.")] = Path("runs/report"),
    overwrite: OverwriteOption = False,
) -> None:
    """Compare systems side by side: metric table with intervals, paired bootstrap, plots, examples."""
    configure_threads("torch")
    from medqa.evaluate.report import build_report

    build_report(eval_dirs, out, overwrite=overwrite)
    Console().print(f"[green]wrote[/green] {out}/report.html and report.md")


@app.command("sweep")
def sweep_command(
    grid: Annotated[Path, typer.Option(help="Grid file: training keys and the values to try (YAML).")],
) -> None:
    """Train and evaluate every point of a hyperparameter grid; finished points are kept (resumable)."""
    configure_threads("torch")
    from medqa.sweep import read_spec, run_sweep

    spec = read_spec(grid)
    result = run_sweep(spec)
    Console().print(f"[green]wrote[/green] {spec.out}/sweep.json, sweep.md and plots; best: {result['best']}")


# ----------------------------------------------------------------------------------------- serve
@app.command("serve")
def serve_command(
    model: ModelOption = None,
    index: IndexOption = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8000).")] = None,
    workers: Annotated[int | None, typer.Option(help="Answers in flight at once (default 8).")] = None,
    backend: Annotated[
        str | None, typer.Option(help="auto (default), llamacpp, transformers or openai (needs MEDQA_BASE_URL).")
    ] = None,
    allow_fallback: Annotated[
        bool | None,
        typer.Option(
            "--allow-fallback",
            help="Serve with transformers (slower) if llama.cpp cannot load the model's GGUF (MEDQA_ALLOW_FALLBACK).",
        ),
    ] = None,
) -> None:
    """Serve the web chat and the OpenAI-compatible API; other settings come from MEDQA_* variables."""
    configure_threads("llamacpp")
    from medqa.server.app import run_server
    from medqa.server.settings import load_settings

    settings = load_settings(
        model=model, index=index, host=host, port=port, workers=workers, backend=backend, allow_fallback=allow_fallback
    )
    console.print(f"serving on http://{settings.host}:{settings.port} (the model loads in the background)")
    run_server(settings)


@app.command("chat", cls=settings_help("medqa.assistant.answer:AssistantConfig"))
def chat_command(
    model: ModelOption = None,
    index: IndexOption = None,
    backend: BackendOption = "auto",
    base_url: BaseUrlOption = None,
    api_model: ApiModelOption = None,
    config: RecipeOption = None,
    set_: SetOption = None,
) -> None:
    """Chat with the grounded assistant in the terminal (streaming; /reset, /sources, /quit; Ctrl+C stops an answer)."""
    configure_threads("llamacpp")
    from medqa.assistant.answer import AssistantConfig
    from medqa.assistant.load import load_assistant
    from medqa.chat import run_chat
    from medqa.config import load_config

    settings = load_config(AssistantConfig, config, _overrides(set_))
    run_chat(lambda: load_assistant(model, index, settings, console, backend, base_url, api_model), console)


# ----------------------------------------------------------------------------------------- main job
@app.command("run", cls=settings_help("medqa.pipeline:PipelineConfig"))
def run(
    workdir: Annotated[Path | None, typer.Option(help="Folder for this run (default: runs/run-<time>).")] = None,
    data: Annotated[str | None, typer.Option(help="Dataset file (default: bundled MedQuAD).")] = None,
    recipe: Annotated[
        str | None, typer.Option(help="Training recipe: train-cpu (default, ~10 min), train-cpu-long, or a YAML file.")
    ] = None,
    train_steps: Annotated[
        int | None, typer.Option(help="Training steps (default: the recipe's, 45 in train-cpu).")
    ] = None,
    eval_limit: Annotated[int | None, typer.Option(help="Test questions evaluated per system (default 40).")] = None,
    set_: SetOption = None,
) -> None:
    """The main job on the embedded defaults: prepare -> train -> export -> serve, evaluating beside it."""
    configure_threads("torch")
    from medqa.config import load_config
    from medqa.pipeline import PipelineConfig, run_pipeline

    flags = _overrides(set_, data=data, recipe=recipe, train_steps=train_steps, eval_limit=eval_limit)
    run_pipeline(load_config(PipelineConfig, None, flags), workdir)


def _quiet_known_warnings() -> None:
    """Hide the library warnings users can do nothing about, each matched exactly (others still show)."""
    import warnings

    # peft (0.21) reads `model.is_gradient_checkpointing` when it wraps a model, which transformers 5
    # deprecates with a FutureWarning at every training and export start: the call is peft's, not ours.
    warnings.filterwarnings(
        "ignore", message=r"`is_gradient_checkpointing` is deprecated", category=FutureWarning, module="transformers"
    )


def main() -> None:
    """Console entry point: one clear message and a non-zero exit for every expected failure."""
    _quiet_known_warnings()
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
