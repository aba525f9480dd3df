"""`medqa eval`: generate answers for held-out questions and score them with intervals."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from rich.console import Console

from medqa.config import check, config_to_dict, raise_problems, save_config
from medqa.errors import MedqaError
from medqa.evaluate.bootstrap import bootstrap_interval
from medqa.evaluate.coverage import COVERAGE_THRESHOLD, coverage_stats, statement_coverage
from medqa.evaluate.data import KQA, EvalExample, load_examples
from medqa.evaluate.faithfulness import SUPPORT_PRECISION, faithfulness_metrics, judge_answer, reference_metrics
from medqa.evaluate.grounded import (
    GroundedAnswers,
    answer_all,
    grounding_metrics,
    open_eval_index,
    own_page_metric,
)
from medqa.evaluate.metrics import (
    BERTSCORE_NAME,
    DEGENERATE_WORDS,
    MetricStats,
    _ratio,
    degenerate_metric,
    perplexity_metric,
    summary,
    text_metrics,
    token_accuracy_metric,
)
from medqa.evaluate.nearest import NEAREST, NearestAnswers
from medqa.evaluate.qtypes import question_type
from medqa.fileio import atomic_output_dir, atomic_write_json, check_output_dir, write_jsonl
from medqa.inference.base import GenerationSettings, Generator, Prompt, TransformersGenerator
from medqa.models import CONFIG_FILE, LoadedModel, is_trained_folder, load_for_eval
from medqa.progress import progress_bar
from medqa.prompt import Decoding, PromptTemplate


@dataclass
class EvalConfig:
    """Settings of `medqa eval`."""

    # a base model (alias, folder, hub id), a run/exported folder (has prompt.yaml), or "nearest": no model,
    # the answer of the most similar training question (the yardstick every report shows)
    model: str = "smollm2-135m"
    data: str = "runs/data"  # a prepared data folder, a Q&A file, or "kqa" (bundled out-of-domain set)
    split: str = "test"  # which split of a prepared folder
    # closed: the model alone; grounded: the assistant with an index of the training split (generalisation);
    # open-book: the assistant with an index of every split, own answer page included (faithful reading)
    mode: Literal["closed", "grounded", "open-book"] = "closed"
    index: str | None = None  # an index folder (default: DATA/index-train from train.jsonl; open-book: DATA/index-all)
    name: str | None = None  # system name in reports (default: from the model and mode)
    limit: int | None = None  # evaluate a seeded random sample of this many questions
    seed: int = 0
    decoding: Literal["greedy", "beam", "sample"] = "greedy"
    num_beams: int = 4  # beam search width (decoding=beam)
    temperature: float = 0.7  # sampling (decoding=sample)
    top_p: float = 0.9  # sampling (decoding=sample)
    # None: the model's saved decoding (RUN/generation.yaml, written by training and export; 256 tokens and
    # 1.1 for a base model); a value given here (recipe, --set, --max-new-tokens) wins
    max_new_tokens: int | None = None
    repetition_penalty: float | None = None
    min_new_tokens: int | None = None  # shortest answer (never above max_new_tokens): the main job asks base alike
    # generation engine: transformers (any model, batched, beam search) or llama.cpp on the model's GGUF
    # (the bundled GGUF, or FOLDER/model.gguf from `medqa export --gguf`): ~4x faster on CPU
    backend: Literal["transformers", "llamacpp"] = "transformers"
    batch_size: int = 8
    max_length: int = 1024  # teacher-forced perplexity: longest prompt + reference answer in tokens
    bertscore: bool = True
    perplexity: bool = True
    bootstrap_resamples: int = 1000

    def __post_init__(self) -> None:
        problems: list[str] = []
        check(problems, self.limit is None or self.limit >= 1, "limit must be >= 1")
        check(problems, self.batch_size >= 1, "batch_size must be >= 1")
        check(problems, self.bootstrap_resamples >= 100, "bootstrap_resamples must be >= 100")
        check(
            problems,
            self.model != NEAREST or self.mode == "closed",
            "model=nearest answers without a model or retrieval; use mode=closed",
        )
        check(
            problems,
            self.model != NEAREST or self.split != "train",
            "model=nearest on the training split would find every question itself; evaluate test or validation",
        )
        check(
            problems,
            not (self.backend == "llamacpp" and self.decoding == "beam"),
            "the llamacpp backend does not do beam search; use decoding=greedy or sample, or backend=transformers",
        )
        raise_problems(problems, "eval settings")

    def generation(self) -> GenerationSettings:
        saved = Decoding.load(self.model) if self.model != NEAREST else Decoding()
        longest = self.max_new_tokens if self.max_new_tokens is not None else saved.max_new_tokens
        shortest = self.min_new_tokens if self.min_new_tokens is not None else saved.min_new_tokens
        return GenerationSettings(
            max_new_tokens=longest,
            min_new_tokens=shortest,
            repetition_penalty=(
                self.repetition_penalty if self.repetition_penalty is not None else saved.repetition_penalty
            ),
            temperature=self.temperature if self.decoding == "sample" else 0.0,
            top_p=self.top_p if self.decoding == "sample" else 1.0,
            num_beams=self.num_beams if self.decoding == "beam" else 1,
            seed=self.seed,
        )


@dataclass
class EvalResult:
    out: Path
    metrics: dict[str, Any]


def default_out(config: EvalConfig) -> Path:
    """RUN/eval/<name> for a trained model, else runs/eval/<name>."""
    root = Path(config.model) / "eval" if is_trained_folder(config.model) else Path("runs") / "eval"
    return root / system_name(config)


def system_name(config: EvalConfig) -> str:
    if config.name:
        return config.name
    model = Path(config.model).name if is_trained_folder(config.model) else config.model.replace("/", "_")
    data = "kqa" if config.data == KQA else config.split
    return f"{NEAREST}-{data}" if config.model == NEAREST else f"{model}-{config.mode}-{data}"


# Metrics whose statistics are (count, out of) rows: metrics.json also gives their totals.
COUNTED = (
    "degenerate_answers",
    "faithfulness",
    "faithfulness_any_source",
    "cited_sentences",
    "contradicts_sources",
    "contradicts_reference",
    "reference_support",
    "own_page_retrieved",
)


@dataclass
class Answered:
    """What a system said, with what only some systems have (sources, the copied training row)."""

    answers: list[str]
    backend: str
    seconds: float
    label: str  # what the scores measure, in a few words (report column headers)
    notes: list[str] = field(default_factory=list)
    metrics: list[MetricStats] = field(default_factory=list)  # mode-specific (faithfulness, grounding)
    rows: list[dict[str, Any]] = field(default_factory=list)  # per question, added to predictions.jsonl


def evaluate(
    config: EvalConfig, out: Path | None = None, overwrite: bool = False, console: Console | None = None
) -> EvalResult:
    """Generate, score and write `metrics.json` + `predictions.jsonl` (+ the resolved config)."""
    console = console or Console(stderr=True)
    out = out or default_out(config)
    check_output_dir(out, overwrite)
    examples = load_examples(config.data, config.split, config.limit, config.seed)
    loaded = template = None
    if config.model == NEAREST:
        answered = _answer_nearest(config, examples)
    else:
        # transformers is needed to generate with it, or for teacher-forced perplexity; llama.cpp alone is not
        if config.backend == "transformers" or config.perplexity:
            loaded, template = load_for_eval(config.model)
        generator = eval_generator(config, loaded, template)
        if config.mode == "closed":
            answered = _answer_closed(generator, examples, config, console)
        else:
            answered = _answer_grounded(generator, examples, config, console)
    answers, references = answered.answers, [e.reference for e in examples]
    console.print("scoring answers ...")
    metrics: list[MetricStats] = text_metrics(answers, references, bertscore=config.bertscore)
    metrics.append(degenerate_metric(answers))
    metrics.extend(reference_metrics([e.question for e in examples], answers, references, [e.focus for e in examples]))
    if config.perplexity and loaded is not None and template is not None:
        metrics.extend(_teacher_forced(loaded, template, examples, config))
    if any(e.must_have for e in examples):
        from medqa.retrieval.embedding import MiniLMEmbedder

        pairs = statement_coverage(answers, [e.must_have for e in examples], MiniLMEmbedder())
        metrics.append(MetricStats("must_have_coverage", coverage_stats(pairs), _ratio))
    metrics.extend(answered.metrics)
    report = {
        "system": system_name(config),
        "model": config.model,
        "trained": is_trained_folder(config.model),
        "mode": config.mode,
        "label": answered.label,
        "data": config.data,
        "split": None if config.data == KQA else config.split,
        "samples": len(examples),
        "backend": answered.backend,
        "decoding": asdict(config.generation()),
        "metrics": {
            m.name: summary(m, bootstrap_interval(m, config.bootstrap_resamples, seed=config.seed)) for m in metrics
        },
        "counts": {
            m.name: {"count": int(round(m.stats[:, 0].sum())), "of": int(round(m.stats[:, 1].sum()))}
            for m in metrics
            if m.name in COUNTED
        },
        "notes": _notes(metrics) + answered.notes,
        "generation_seconds": round(answered.seconds, 1),
        "answers_per_second": round(len(examples) / max(answered.seconds, 1e-9), 3),
        "config": config_to_dict(config),
    }
    predictions = _predictions(examples, answers, metrics)
    for row, extra in zip(predictions, answered.rows or [{}] * len(predictions), strict=True):
        row.update(extra)
    with atomic_output_dir(out, overwrite) as tmp:
        write_jsonl(tmp / "predictions.jsonl", predictions)
        atomic_write_json(tmp / "metrics.json", report)
        save_config(config, tmp / CONFIG_FILE)
    return EvalResult(out, report)


def _answer_nearest(config: EvalConfig, examples: list[EvalExample]) -> Answered:
    """The no-model yardstick: each answer is the answer of the most similar training question."""
    started = time.perf_counter()
    nearest = NearestAnswers.from_data(config.data)
    answers, details = nearest.answer_all([e.question for e in examples])
    return Answered(
        answers,
        backend="bm25 over train.jsonl questions",
        seconds=time.perf_counter() - started,
        label="nearest training answer (no model)",
        notes=[
            f"{NEAREST}: no model; each answer is the answer of the most similar question of {config.data}/train.jsonl "
            "(BM25 over the questions). The yardstick: a system below it does worse than copying."
        ],
        rows=[{"nearest": d} for d in details],
    )


def _answer_closed(generator: Generator, examples: list[EvalExample], config: EvalConfig, console: Console) -> Answered:
    started = time.perf_counter()
    answers = _generate(generator, examples, config, console)
    return Answered(answers, generator.name, time.perf_counter() - started, "closed book")


def _answer_grounded(
    generator: Generator, examples: list[EvalExample], config: EvalConfig, console: Console
) -> Answered:
    """The assistant (retrieval, prompt, support check, citations) on every question, and how
    faithful its answers are to the passages they cite."""
    open_book = config.mode == "open-book"
    index = open_eval_index(config.data, config.index, _scores_heldout(config), console, open_book=open_book)
    started = time.perf_counter()
    grounded = _ask_assistant(generator, index, examples, config, console)
    seconds = time.perf_counter() - started
    passages = index.meta.get("passages")
    if open_book:
        label = "open book: every split indexed (faithful reading)"
        note = (
            f"open book: answers retrieve from {passages} passages of every split of {config.index or config.data}, "
            "so each question's own page can be found: these scores measure faithful reading of the right page, "
            "not generalisation to unseen questions."
        )
    else:
        label = "grounded: training-only index (generalisation)"
        note = f"grounded (generalisation): answers retrieve from {passages} passages of " + (
            f"{config.index}"
            if config.index
            else f"{config.data}/train.jsonl only: held-out questions never see their own answers"
        )
    judged = [
        judge_answer(e.question, answer, sources, e.focus, abstained)
        for e, answer, sources, abstained in zip(
            examples, grounded.answers, grounded.sources, grounded.abstained, strict=True
        )
    ]
    from medqa.retrieval.embedding import MiniLMEmbedder

    metrics = [
        *faithfulness_metrics(judged),
        *grounding_metrics(grounded, MiniLMEmbedder()),
        own_page_metric(grounded, [e.question for e in examples], [e.url for e in examples]),
    ]
    rows = [
        {"grounding": detail, "faithfulness": j.as_dict()} for detail, j in zip(grounded.details, judged, strict=True)
    ]
    return Answered(grounded.answers, generator.name, seconds, label, [note, FAITHFULNESS_NOTE], metrics, rows)


def eval_generator(config: EvalConfig, loaded: LoadedModel | None, template: PromptTemplate | None) -> Generator:
    """The engine that writes the answers (transformers on `loaded`, or llama.cpp on the model's GGUF).
    Perplexity is always teacher-forced on `loaded` (transformers)."""
    if config.backend == "transformers":
        assert loaded is not None and template is not None  # evaluate() loads them for this backend
        return TransformersGenerator(loaded, template, batch_size=config.batch_size)
    from medqa.inference.load import load_generator

    generator, error, _ = load_generator(config.model, config.backend)
    if generator is None:
        raise MedqaError(f"the {config.backend} backend cannot answer: {error}; or use backend=transformers")
    return generator


def _generate(generator: Generator, examples: list[EvalExample], config: EvalConfig, console: Console) -> list[str]:
    settings = config.generation()
    answers: list[str] = []
    with progress_bar("answers", console) as progress:
        task = progress.add_task("generating", total=len(examples))
        for first in range(0, len(examples), config.batch_size):
            chunk = examples[first : first + config.batch_size]
            answers.extend(generator.generate([Prompt(e.question) for e in chunk], settings))
            progress.advance(task, len(chunk))
    return answers


def _scores_heldout(config: EvalConfig) -> bool:
    return config.data != KQA and Path(config.data).is_dir() and config.split != "train"


def _ask_assistant(
    generator: Generator, index: Any, examples: list[EvalExample], config: EvalConfig, console: Console
) -> GroundedAnswers:
    from medqa.assistant.answer import Assistant, AssistantConfig
    from medqa.assistant.triage import default_triage

    assistant = Assistant(index, default_triage(), generator, AssistantConfig(generation=config.generation()))
    with progress_bar("answers", console) as progress:
        task = progress.add_task("asking the assistant", total=len(examples))
        # transformers generates one streamed answer at a time; llama.cpp batches concurrent ones
        parallel = config.batch_size if generator.name == "llamacpp" else 1
        return answer_all(assistant, [e.question for e in examples], progress, task, parallel)


def _teacher_forced(
    loaded: LoadedModel, template: PromptTemplate, examples: list[EvalExample], config: EvalConfig
) -> list[MetricStats]:
    from medqa.evaluate.teacher_forced import teacher_forced_stats
    from medqa.prompt import encode_examples
    from medqa.train.batches import collate

    encoded = encode_examples(
        template,
        loaded.tokenizer,
        [(e.question, e.reference) for e in examples],
        config.max_length,
        seq2seq=loaded.seq2seq,
    )
    kept = [i for i, e in enumerate(encoded) if e is not None]
    if not kept:
        raise MedqaError(f"every prompt is longer than max_length={config.max_length} tokens; raise it")
    # Batches of similar lengths waste little on padding; results are mapped back through `kept`.
    kept.sort(key=lambda i: len(encoded[i].input_ids))  # type: ignore[union-attr]
    valid = [encoded[i] for i in kept]
    pad_id = loaded.tokenizer.pad_token_id if loaded.tokenizer.pad_token_id is not None else 0
    batches = (
        collate([[j] for j in range(s, min(s + config.batch_size, len(valid)))], valid, pad_id, loaded.seq2seq)
        for s in range(0, len(valid), config.batch_size)
    )
    stats = teacher_forced_stats(loaded.model, batches)
    # Prompts too long to score count as no tokens, so every metric keeps one row per example.
    nll, counts, correct = [0.0] * len(examples), [0] * len(examples), [0] * len(examples)
    for index, n, c, k in zip(kept, stats.nll_sums, stats.token_counts, stats.correct, strict=True):
        nll[index], counts[index], correct[index] = n, c, k
    return [perplexity_metric(nll, counts), token_accuracy_metric(correct, counts)]


def _predictions(examples: list[EvalExample], answers: list[str], metrics: list[MetricStats]) -> list[dict[str, Any]]:
    per_sample = {m.name: m.per_sample() for m in metrics}
    rows = []
    for index, (example, answer) in enumerate(zip(examples, answers, strict=True)):
        rows.append(
            {
                "id": example.id,
                "question": example.question,
                "qtype": question_type(example.qtype, example.question),
                "reference": example.reference,
                "answer": answer,
                "scores": {name: round(values[index], 6) for name, values in per_sample.items()},
                # Sufficient statistics, so `medqa report` can run a paired bootstrap between systems.
                "stats": {m.name: [float(x) for x in m.stats[index]] for m in metrics},
            }
        )
    return rows


FAITHFULNESS_NOTE = (
    "faithfulness: the share of answer sentences supported by a passage they cite with a [n] marker (lexical "
    f"entailment by proxy, independent of the assistant's own check: >= {SUPPORT_PRECISION:.0%} of the sentence's "
    "content words in one or two consecutive passage sentences, no negation clash, every number and name in the "
    "cited passages; a sentence without a marker is unsupported); faithfulness_any_source judges the same sentences "
    "against every passage the assistant was given; contradicts_sources: yes/no answers whose polarity differs "
    "from their cited passages'."
)


def _notes(metrics: list[MetricStats]) -> list[str]:
    notes = [f"bertscore_f1 is {BERTSCORE_NAME}; it is not comparable with BERTScore numbers made with DeBERTa."]
    notes.append("bleu is corpus BLEU (sacrebleu, 13a) on a 0-1 scale; ROUGE is F1 with Porter stemming.")
    notes.append(
        f"degenerate_answers: the share of answers under {DEGENERATE_WORDS} words. reference_support: the share of "
        "answer sentences the reference answer supports (the faithfulness test, with the reference as the one "
        "cited passage); contradicts_reference: yes/no answers whose polarity differs from the reference's."
    )
    if any(m.name == "perplexity" for m in metrics):
        notes.append("perplexity and token_accuracy are teacher-forced on the reference answers (answer tokens only).")
    if any(m.name == "must_have_coverage" for m in metrics):
        notes.append(
            f"must_have_coverage: share of K-QA must-have statements with an answer sentence at cosine >= "
            f"{COVERAGE_THRESHOLD} (all-MiniLM-L6-v2)."
        )
    return notes


def read_eval(folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """metrics.json and predictions.jsonl of an eval folder, with clear errors."""
    folder = Path(folder)
    metrics_path, predictions_path = folder / "metrics.json", folder / "predictions.jsonl"
    if not metrics_path.is_file() or not predictions_path.is_file():
        raise MedqaError(f"{folder} is not an eval folder (no metrics.json and predictions.jsonl); run `medqa eval`")
    try:
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
        predictions = [json.loads(line) for line in predictions_path.read_text(encoding="utf-8").splitlines() if line]
    except json.JSONDecodeError as exc:
        raise MedqaError(f"{folder}: damaged eval output ({exc})") from exc
    return metrics, predictions


def print_metrics(report: dict[str, Any], console: Console) -> None:
    """The metric table of one eval, with intervals."""
    from rich.table import Table

    table = Table(title=f"{report['system']} ({report['samples']} questions)")
    for column in ("metric", "value", "95% interval"):
        table.add_column(column, justify="right")
    for name, entry in report["metrics"].items():
        table.add_row(name, f"{entry['value']:.4f}", f"[{entry['ci_low']:.4f}, {entry['ci_high']:.4f}]")
    console.print(table)
