"""`medqa report`: systems side by side, with intervals, paired tests, plots and examples.

The report opens with a verdict in plain words, drawn from what the systems are (read from their
metrics.json, whatever their names): the base model, the fine-tuned model, the no-model yardstick
`nearest` (closed book), the assistant grounded in a training-only index (generalisation) and in an
index of every split (open book: faithful reading). Paired bootstrap intervals compare every
system with the first (or `baseline`), and fine-tuned with base, every model with `nearest`, and
the grounded assistant with the same model closed-book.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from medqa.errors import MedqaError
from medqa.evaluate.bootstrap import paired_bootstrap
from medqa.evaluate.metrics import BERTSCORE_NAME, DEGENERATE_WORDS, MetricStats, _bleu_from_stats, _exp_ratio, _ratio
from medqa.evaluate.nearest import NEAREST
from medqa.evaluate.qtypes import by_type, question_type
from medqa.evaluate.run import read_eval
from medqa.fileio import atomic_output_dir
from medqa.models import CONFIG_FILE, TRAIN_INFO_FILE
from medqa.progress import figure_png
from medqa.retrieval.sources import current_url

# Display order; anything else a system reports comes after these.
METRIC_ORDER = (
    "rouge1",
    "rouge2",
    "rougeL",
    "bleu",
    "bertscore_f1",
    "perplexity",
    "token_accuracy",
    "must_have_coverage",
    "faithfulness",
    "faithfulness_any_source",
    "cited_sentences",
    "contradicts_sources",
    "reference_support",
    "contradicts_reference",
    "groundedness",
    "citation_validity",
    "own_page_retrieved",
    "abstention_rate",
    "degenerate_answers",
    "answer_words",
)
AGGREGATES = {"bleu": _bleu_from_stats, "perplexity": _exp_ratio}
NOT_COMPARED = {"answer_words"}  # context, neither better nor worse
VERDICT_METRICS = {
    "rougeL": "ROUGE-L",
    "rouge1": "ROUGE-1",
    "bertscore_f1": "BERTScore",
    "bleu": "BLEU",
    "perplexity": "perplexity",
}
MIN_TYPE_QUESTIONS = 3  # a question type with fewer questions is shown but not called good or bad
# What each score means, for a reader who is not an ML engineer: (name on plots, one-line meaning).
METRIC_TEXT = {
    "rouge1": ("ROUGE-1", "share of the reference answer's words that the answer uses"),
    "rouge2": ("ROUGE-2", "share of the reference answer's word pairs that the answer uses"),
    "rougeL": ("ROUGE-L", "longest run of the reference answer's words, in order, that the answer shares"),
    "bleu": ("BLEU", "overlap of word sequences with the reference (0 to 1)"),
    "bertscore_f1": ("BERTScore", "closeness in meaning to the reference, judged by a small language model"),
    "perplexity": ("perplexity", "how surprised the model is by the reference answer (lower is better)"),
    "token_accuracy": ("next-word accuracy", "how often the model predicts the reference answer's next word"),
    "faithfulness": ("faithfulness", "share of answer sentences supported by the passage they cite"),
    "reference_support": ("supported by reference", "share of answer sentences the reference answer supports"),
    "contradicts_reference": ("contradicts reference", "yes/no answers that say the opposite of the reference"),
    "degenerate_answers": ("empty or broken answers", f"answers under {DEGENERATE_WORDS} words"),
    "answer_words": ("answer length", "words per answer"),
}


def build_report(
    eval_dirs: list[Path],
    out: Path,
    overwrite: bool = False,
    baseline: str | None = None,
    training_run: Path | None = None,
) -> dict[str, Any]:
    """Write `out/report.html`, `out/report.md`, `out/summary.json` and the plots; return the summary.
    `baseline`: the system every other is paired with (default the first); `training_run`: the run
    whose loss curve and stopping reason the report shows (default: any evaluated run folder)."""
    if not eval_dirs:
        raise MedqaError("name at least one eval folder (made by `medqa eval`)")
    systems = [_load_system(Path(d)) for d in eval_dirs]
    names = [s["name"] for s in systems]
    if len(set(names)) != len(names):
        raise MedqaError(f"two eval folders have the same system name ({', '.join(names)}); rename one with --name")
    if baseline is not None and baseline not in names:
        raise MedqaError(f"baseline {baseline!r} is not one of the systems ({', '.join(names)})")
    first = next(s for s in systems if s["name"] == (baseline or names[0]))
    metric_names = _metric_names(systems)
    roles = _roles(systems)
    comparisons = _comparisons(_pairs(systems, first, roles), metric_names)
    types = _by_type(systems)
    training = _training(systems, roles, training_run)
    summary = {
        "verdict": _verdict(systems, roles, comparisons, training),
        "systems": [
            {
                "name": s["name"],
                "folder": s["folder"],
                "model": s["metrics"]["model"],
                "label": _label(s),
                "samples": s["metrics"]["samples"],
                "metrics": s["metrics"]["metrics"],
                "counts": s["metrics"].get("counts", {}),
            }
            for s in systems
        ],
        "roles": {role: s["name"] for role, s in roles.items()},
        "baseline": first["name"],
        "paired": comparisons,
        "by_type": types,
        "type_notes": _type_notes(types, roles),
        "training": training,
        "notes": sorted({n for s in systems for n in s["metrics"].get("notes", [])}),
    }
    plots = {"metrics": _metrics_plot(systems, metric_names)}
    loss = _loss_plot(systems, training_run, training)
    if loss:
        plots["training_loss"] = loss
    examples = _differing_examples(systems)
    data_summary = _data_summary(systems)
    with atomic_output_dir(out, overwrite) as tmp:
        for name, png in plots.items():
            (tmp / f"{name}.png").write_bytes(png)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        (tmp / "report.md").write_text(
            _markdown(summary, metric_names, examples, data_summary, plots), encoding="utf-8"
        )
        (tmp / "report.html").write_text(_html(summary, metric_names, examples, data_summary, plots), encoding="utf-8")
    return summary


def _load_system(folder: Path) -> dict[str, Any]:
    metrics, predictions = read_eval(folder)
    return {"name": metrics["system"], "folder": str(folder), "metrics": metrics, "predictions": predictions}


def _metric_names(systems: list[dict[str, Any]]) -> list[str]:
    present = {m for s in systems for m in s["metrics"]["metrics"]}
    return [m for m in METRIC_ORDER if m in present] + sorted(present - set(METRIC_ORDER))


def _label(system: dict[str, Any]) -> str:
    metrics = system["metrics"]
    if metrics.get("label"):
        return str(metrics["label"])
    return "grounded" if metrics.get("mode") == "grounded" else "closed book"  # eval folders of older medqa


# ----------------------------------------------------------------------------------------- roles
def _roles(systems: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Which system is the base model, the fine-tuned one, the yardstick, the grounded assistant and
    the open-book one (the first of each), from what their metrics.json says they are."""
    roles: dict[str, dict[str, Any]] = {}
    for system in systems:
        metrics = system["metrics"]
        mode, trained = metrics.get("mode", "closed"), bool(metrics.get("trained"))
        if metrics.get("model") == NEAREST:
            role = "nearest"
        elif mode == "closed":
            role = "fine-tuned" if trained else "base"
        else:
            role = mode  # grounded, open-book
        if role not in roles or (
            role in ("grounded", "open-book") and trained and not roles[role]["metrics"].get("trained")
        ):
            roles[role] = system
    return roles


def _pairs(
    systems: list[dict[str, Any]], baseline: dict[str, Any], roles: dict[str, dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(system, compared with) pairs: every system with the baseline, then fine-tuned with base,
    every system with the yardstick, and the grounded assistant with the same model closed-book."""
    pairs = [(s, baseline) for s in systems if s is not baseline]
    wanted = [("fine-tuned", "base")]
    wanted += [(role, "nearest") for role in ("base", "fine-tuned", "grounded", "open-book")]
    wanted += [("grounded", "fine-tuned"), ("open-book", "grounded")]
    for system_role, other_role in wanted:
        system, other = roles.get(system_role), roles.get(other_role)
        if system is None or other is None:
            continue
        if not any(a is system and b is other for a, b in pairs):
            pairs.append((system, other))
    return pairs


def _stats(system: dict[str, Any], metric: str, ids: list[str]) -> MetricStats | None:
    by_id = {p["id"]: p for p in system["predictions"]}
    rows = [by_id[i]["stats"].get(metric) for i in ids]
    if any(r is None for r in rows):
        return None
    entry = system["metrics"]["metrics"].get(metric, {})
    return MetricStats(
        metric,
        np.asarray(rows, dtype=np.float64),
        AGGREGATES.get(metric, _ratio),
        higher_is_better=bool(entry.get("higher_is_better", metric != "perplexity")),
    )


def _comparisons(pairs: list[tuple[dict[str, Any], dict[str, Any]]], metric_names: list[str]) -> list[dict[str, Any]]:
    """Paired bootstrap of each pair, on the questions both answered."""
    results = []
    for system, baseline in pairs:
        shared = sorted({p["id"] for p in baseline["predictions"]} & {p["id"] for p in system["predictions"]})
        for metric in metric_names:
            if metric in NOT_COMPARED or not shared:
                continue
            a, b = _stats(system, metric, shared), _stats(baseline, metric, shared)
            if a is None or b is None:
                continue
            comparison = paired_bootstrap(a, b)
            results.append(
                {
                    "system": system["name"],
                    "baseline": baseline["name"],
                    "metric": metric,
                    "samples": len(shared),
                    "difference": round(comparison.difference, 6),
                    "ci_low": round(comparison.ci_low, 6),
                    "ci_high": round(comparison.ci_high, 6),
                    "better_share": round(comparison.a_better_share, 4),
                    "higher_is_better": a.higher_is_better,
                }
            )
    return results


def _outcome(comparison: dict[str, Any]) -> str:
    """ "better", "worse" or "unclear": where the paired 95% interval lies, in the metric's direction."""
    low, high = comparison["ci_low"], comparison["ci_high"]
    if not comparison.get("higher_is_better", True):
        low, high = -high, -low
    return "better" if low > 0 else "worse" if high < 0 else "unclear"


# ----------------------------------------------------------------------------------------- verdict
def _verdict(
    systems: list[dict[str, Any]],
    roles: dict[str, dict[str, Any]],
    comparisons: list[dict[str, Any]],
    training: dict[str, Any] | None,
) -> list[str]:
    """The report's first lines: what fine-tuning changed, how the systems stand against copying
    the nearest training answer, how faithful the assistant was, and how training ended."""
    lines = []

    def paired(system: str, other: str) -> dict[str, dict[str, Any]]:
        return {c["metric"]: c for c in comparisons if c["system"] == system and c["baseline"] == other}

    tuned, base, nearest = roles.get("fine-tuned"), roles.get("base"), roles.get("nearest")
    if tuned and base:
        found = paired(tuned["name"], base["name"])
        outcomes: dict[str, list[str]] = {"better": [], "worse": [], "unclear": []}
        for metric, shown in VERDICT_METRICS.items():
            if metric in found:
                outcomes[_outcome(found[metric])].append(shown)
        n = next(iter(found.values()))["samples"] if found else 0
        improved = _join(outcomes["better"]) or "none of " + _join(list(VERDICT_METRICS.values()), "or")
        text = f"Fine-tuning improved {improved}"
        rest = outcomes["unclear"] + outcomes["worse"]
        if outcomes["better"] and rest:
            text += f", not {_join(rest, 'or')}"
        if outcomes["worse"]:
            text += f"; {_join(outcomes['worse'])} got worse"
        lines.append(f"{text} (fine-tuned vs base, paired 95% intervals on {n} questions).")
    if nearest:
        value = nearest["metrics"]["metrics"].get("rougeL", {}).get("value")
        parts = []
        for role in ("base", "fine-tuned", "grounded", "open-book"):
            system = roles.get(role)
            found = paired(system["name"], nearest["name"]).get("rougeL") if system else None
            if system and found:
                where = {"better": "above", "worse": "below", "unclear": "level with"}[_outcome(found)]
                parts.append(
                    f"{system['name']} {where} it ({found['difference']:+.3f} [{found['ci_low']:+.3f}, "
                    f"{found['ci_high']:+.3f}])"
                )
        if value is not None and parts:
            lines.append(
                f"Copying the answer of the most similar training question (no model) scores ROUGE-L {value:.3f}: "
                f"{'; '.join(parts)}."
            )
    for role, what in (
        ("grounded", "The assistant (grounded in a training-only index: generalisation)"),
        (
            "open-book",
            "In open book (the question's own page indexed: faithful reading, not generalisation), the assistant",
        ),
    ):
        system = roles.get(role)
        counts = system["metrics"].get("counts", {}) if system else {}
        support, clashes = counts.get("faithfulness"), counts.get("contradicts_sources")
        if system and support and support["of"]:
            text = (
                f"{what} had {support['count'] / support['of']:.0%} of its answer sentences supported by the "
                f"passages they cite ({support['count']} of {support['of']}, {system['name']})"
            )
            if clashes and clashes["of"]:
                text += f"; {clashes['count']} of {clashes['of']} yes/no answers contradicted their sources"
            lines.append(text + ".")
    if training:
        lines.append(training["sentence"])
    degenerate = [
        f"{s['name']} {s['metrics']['counts']['degenerate_answers']['count']} of {s['metrics']['samples']}"
        for s in systems
        if "degenerate_answers" in s["metrics"].get("counts", {})
    ]
    if degenerate:
        lines.append(f"Degenerate answers (under {DEGENERATE_WORDS} words): {'; '.join(degenerate)}.")
    return lines


def _join(items: Sequence[str], word: str = "and") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def _training(
    systems: list[dict[str, Any]], roles: dict[str, dict[str, Any]], training_run: Path | None
) -> dict[str, Any] | None:
    """How the fine-tuned model's training ended (train_info.json and its config next to it)."""
    folders = [training_run] if training_run else []
    folders += [Path(s["metrics"]["model"]) for s in (roles.get(r) for r in ("fine-tuned", "grounded")) if s]
    for folder in folders:
        info_path = folder / TRAIN_INFO_FILE
        if not info_path.is_file():
            continue
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
            config: dict[str, Any] = {}
            for name in (CONFIG_FILE, "train_config.yaml"):  # a run folder, an export (`medqa export`)
                if (folder / name).is_file():
                    config = yaml.safe_load((folder / name).read_text(encoding="utf-8")) or {}
                    break
        except (OSError, ValueError, yaml.YAMLError):
            continue
        steps, planned, minutes = info.get("steps"), config.get("max_steps"), info.get("minutes", 0.0)
        of = f" of {planned}" if planned else ""
        stopped = info.get("stopped")
        if stopped == "max_minutes":
            limit = config.get("max_minutes")
            why = f"because of its time limit ({limit:g} min)" if limit else "because of its time limit"
            sentence = f"Training stopped at {steps}{of} steps {why}."
        elif stopped == "early_stopping":
            sentence = f"Training stopped early at {steps}{of} steps: the validation loss stopped improving."
        else:
            ended = "all it planned" if stopped == "max_steps" else stopped
            sentence = f"Training ran {steps}{of} steps ({ended})."
        sentence = sentence[:-1] + f", in {minutes:.1f} minutes."
        return {"folder": str(folder), "steps": steps, "planned_steps": planned, "stopped": stopped,
                "minutes": round(float(minutes), 2), "sentence": sentence}  # fmt: skip
    return None


# ----------------------------------------------------------------------------------------- question types
def _by_type(systems: list[dict[str, Any]], metric: str = "rougeL") -> dict[str, Any]:
    """Mean ROUGE-L per question type and system, on the questions every system answered."""
    by_id = [{p["id"]: p for p in s["predictions"]} for s in systems]
    shared = sorted(set.intersection(*(set(b) for b in by_id)))
    if not shared:
        return {}
    first = by_id[0]
    types = [first[i].get("qtype") or question_type("", first[i]["question"]) for i in shared]
    table: dict[str, Any] = {}
    for system, predictions in zip(systems, by_id, strict=True):
        scores = [float(predictions[i]["scores"].get(metric, 0.0)) for i in shared]
        for qtype, (n, mean) in by_type(types, scores).items():
            table.setdefault(qtype, {"questions": n, "systems": {}})["systems"][system["name"]] = round(mean, 4)
    return table


def _type_notes(types: dict[str, Any], roles: dict[str, dict[str, Any]]) -> list[str]:
    """Per system: its best and worst question types, and where it beats the yardstick."""
    counted = {t: row for t, row in types.items() if row["questions"] >= MIN_TYPE_QUESTIONS}
    if not counted:
        return []
    names = list(next(iter(counted.values()))["systems"])
    nearest = roles.get("nearest", {}).get("name")
    notes = []
    for name in names:
        ranked = sorted(counted, key=lambda t: counted[t]["systems"][name])
        best, worst = ranked[-1], ranked[0]
        text = (
            f"{name}: best on {best} ({counted[best]['systems'][name]:.3f}, {counted[best]['questions']} questions), "
            f"worst on {worst} ({counted[worst]['systems'][name]:.3f}, {counted[worst]['questions']} questions)"
        )
        if nearest and name != nearest:
            above = [t for t in counted if counted[t]["systems"][name] > counted[t]["systems"][nearest]]
            text += f"; above {nearest} on {len(above)} of {len(counted)} types" + (
                f" ({', '.join(above)})" if above else ""
            )
        notes.append(text + ".")
    return notes


# ----------------------------------------------------------------------------------------- plots
def _metrics_plot(systems: list[dict[str, Any]], metric_names: list[str]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [m for m in metric_names if m not in NOT_COMPARED]
    cols = min(4, len(shown))
    rows = (len(shown) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.3 * cols, 2.9 * rows), squeeze=False)
    for ax, metric in zip(axes.flat, shown, strict=False):
        values, lows, highs, labels, lower_better = [], [], [], [], False
        for system in systems:
            entry = system["metrics"]["metrics"].get(metric)
            if entry is None:
                continue
            values.append(entry["value"])
            lows.append(max(0.0, entry["value"] - entry["ci_low"]))
            highs.append(max(0.0, entry["ci_high"] - entry["value"]))
            labels.append(system["name"])
            lower_better = not entry.get("higher_is_better", True)
        positions = np.arange(len(values))
        ax.bar(positions, values, yerr=[lows, highs], capsize=4, color=[f"C{i}" for i in range(len(values))])
        ax.set_xticks(positions, [_wrap(label, 12) for label in labels], fontsize=8)
        name = METRIC_TEXT.get(metric, (metric,))[0]
        ax.set_title(f"{name} ({'lower' if lower_better else 'higher'} is better)", fontsize=10)
        ax.set_ylabel("score", fontsize=8)
    for ax in list(axes.flat)[len(shown) :]:
        ax.axis("off")
    questions = max(s["metrics"]["samples"] for s in systems)
    fig.suptitle(
        f"Scores on {questions} held-out questions; the black line on each bar is its 95% interval", fontsize=10
    )
    fig.tight_layout()
    return figure_png(fig)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def _loss_plot(
    systems: list[dict[str, Any]], training_run: Path | None = None, training: dict[str, Any] | None = None
) -> bytes | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from medqa.train.outputs import METRICS_FILE, read_metrics

    folders = [Path(s["metrics"]["model"]) for s in systems] + ([training_run] if training_run else [])
    runs = {}
    for folder in folders:
        log = folder / METRICS_FILE
        if log.is_file():
            runs[folder.name] = read_metrics(log)
    if not runs:
        return None
    fig, ax = plt.subplots(figsize=(8, 3.8))
    for k, (name, rows) in enumerate(runs.items()):
        run = f" ({name})" if len(runs) > 1 else ""  # one run: the series need no run name
        train = [(r["step"], r["loss"]) for r in rows if r.get("split") == "train"]
        valid = [(r["step"], r["loss"]) for r in rows if r.get("split") == "validation"]
        if train:
            ax.plot(*zip(*train, strict=True), color=f"C{k}", alpha=0.5, label=f"loss on training batches{run}")
        if valid:
            label = f"loss on held-out validation questions{run} ({len(valid)} checks)"
            ax.plot(*zip(*valid, strict=True), "o-", color=f"C{k}", markersize=6, label=label)
    if training and training.get("steps"):
        why = {"max_minutes": "time limit", "early_stopping": "no more improvement", "max_steps": "planned end"}
        text = f"stopped at step {training['steps']}"
        if training.get("planned_steps"):
            text += f" of {training['planned_steps']}"
        ax.axvline(training["steps"], color="0.4", linestyle="--", linewidth=1)
        ax.annotate(f"{text}\n({why.get(training['stopped'], training['stopped'])})", (training["steps"], 0.95),
                    xycoords=("data", "axes fraction"), ha="right", va="top", fontsize=8, color="0.3")  # fmt: skip
    ax.set_xlabel("training step (one batch of examples each)")
    ax.set_ylabel("loss (lower is better)")
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title("How the model's error fell during fine-tuning")
    fig.tight_layout()
    return figure_png(fig)


# ----------------------------------------------------------------------------------------- examples and data
def _differing_examples(systems: list[dict[str, Any]], count: int = 6) -> list[dict[str, Any]]:
    """Questions where ROUGE-L differs most across systems."""
    if len(systems) < 2:
        return []
    by_id = [{p["id"]: p for p in s["predictions"]} for s in systems]
    shared = set.intersection(*(set(b) for b in by_id))
    spread = []
    for qid in shared:
        scores = [b[qid]["scores"].get("rougeL", 0.0) for b in by_id]
        spread.append((max(scores) - min(scores), qid))
    examples = []
    for _, qid in sorted(spread, reverse=True)[:count]:
        first = by_id[0][qid]
        examples.append(
            {
                "question": first["question"],
                "reference": first["reference"],
                "answers": [
                    {
                        "system": s["name"],
                        "label": _label(s),
                        "answer": b[qid]["answer"],
                        "rougeL": b[qid]["scores"].get("rougeL"),
                        "sources": _sources(b[qid].get("citations") or []),
                    }
                    for s, b in zip(systems, by_id, strict=True)
                ],
            }
        )
    return examples


def _sources(citations: list[dict[str, Any]]) -> list[str]:
    """The pages an assistant's answer cites, each once, at its current address: "[1][2] Title - URL"."""
    pages: dict[str, list[str]] = {}
    for c in citations:
        pages.setdefault(f"{c.get('title', '')} - {current_url(c.get('url', ''))}", []).append(f"[{c['number']}]")
    return [f"{''.join(numbers)} {page}" for page, numbers in pages.items()]


def _data_summary(systems: list[dict[str, Any]]) -> dict[str, Any] | None:
    for system in systems:
        report = Path(system["metrics"]["data"]) / "data_report.json"
        if report.is_file():
            data = json.loads(report.read_text())
            return {
                "path": str(report),
                "rows_kept": data["rows_kept"],
                "audit_leaks": data["audit"]["total_leaks"],
                "splits": {n: {"rows": s["rows"], "groups": s["groups"]} for n, s in data["splits"].items()},
            }
    return None


# ----------------------------------------------------------------------------------------- rendering
def _cell(entry: dict[str, Any] | None, count: dict[str, Any] | None = None) -> str:
    if entry is None:
        return "-"
    text = f"{entry['value']:.4g} [{entry['ci_low']:.4g}, {entry['ci_high']:.4g}]"
    return text + (f" ({count['count']} of {count['of']})" if count else "")


def _table_rows(summary: dict[str, Any], metric_names: list[str]) -> list[list[str]]:
    """[metric, cell per system] rows of the main table, "what it measures" first."""
    systems = summary["systems"]
    rows = [["what it measures", *(s["label"] for s in systems)]]
    for metric in metric_names:
        rows.append([metric, *(_cell(s["metrics"].get(metric), s["counts"].get(metric)) for s in systems)])
    return rows


def _type_rows(summary: dict[str, Any]) -> list[list[str]]:
    names = [s["name"] for s in summary["systems"]]
    return [
        [qtype, str(row["questions"]), *(f"{row['systems'][n]:.3f}" for n in names)]
        for qtype, row in summary["by_type"].items()
    ]


def _paired_row(c: dict[str, Any]) -> list[str]:
    return [
        c["system"],
        c["baseline"],
        c["metric"],
        f"{c['difference']:+.4g}",
        f"[{c['ci_low']:.4g}, {c['ci_high']:.4g}]",
        f"{c['better_share']:.3f}",
    ]


PAIRED_HEAD = ["system", "compared with", "metric", "difference", "95% interval", "share of resamples better"]


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    cell = lambda text: str(text).replace("|", "\\|")  # noqa: E731
    return [
        "| " + " | ".join(cell(h) for h in head) + " |",
        "|---" * len(head) + "|",
        *("| " + " | ".join(cell(c) for c in row) + " |" for row in rows),
    ]


def _markdown(
    summary: dict[str, Any],
    metric_names: list[str],
    examples: list[dict[str, Any]],
    data: dict[str, Any] | None,
    plots: dict[str, bytes],
) -> str:
    systems = summary["systems"]
    lines = ["# medqa evaluation report", ""]
    if summary["verdict"]:
        lines += ["## Verdict", "", *(f"- {v}" for v in summary["verdict"]), ""]
    lines += ["Value [95% bootstrap interval] per system.", ""]
    table = _table_rows(summary, metric_names)
    lines += _md_table(["metric", *(f"{s['name']} (n={s['samples']})" for s in systems)], table)
    if summary["paired"]:
        lines += ["", f"## Paired bootstrap (baseline: {summary['baseline']})", ""]
        lines += _md_table(PAIRED_HEAD, [_paired_row(c) for c in summary["paired"]])
    if summary["by_type"]:
        lines += ["", "## By question type (ROUGE-L)", ""]
        lines += _md_table(["type", "questions", *(s["name"] for s in systems)], _type_rows(summary))
        lines += ["", *(f"- {n}" for n in summary["type_notes"])]
    lines += ["", *(f"![{name}]({name}.png)" for name in plots)]
    if data:
        lines += ["", "## Data", "", f"{data['rows_kept']} rows, leakage audit: {data['audit_leaks']} leaks.", ""]
        lines += _md_table(
            ["split", "rows", "groups"], [[n, str(s["rows"]), str(s["groups"])] for n, s in data["splits"].items()]
        )
    if examples:
        lines += ["", "## Where the systems differ most (ROUGE-L)", ""]
        for example in examples:
            lines += [f"**Q:** {example['question']}", "", f"*Reference:* {example['reference'][:600]}", ""]
            lines += [f"- *{a['system']}* (ROUGE-L {a['rougeL']:.3f}): {a['answer'][:600]}" for a in example["answers"]]
            lines.append("")
    lines += ["", "## Notes", "", *(f"- {n}" for n in summary["notes"]), f"- BERTScore here is {BERTSCORE_NAME}.", ""]
    return "\n".join(lines)


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    e = html.escape
    return (
        "<table><tr>"
        + "".join(f"<th>{e(h)}</th>" for h in head)
        + "</tr>"
        + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
        + "</table>"
    )


def _html(
    summary: dict[str, Any],
    metric_names: list[str],
    examples: list[dict[str, Any]],
    data: dict[str, Any] | None,
    plots: dict[str, bytes],
) -> str:
    e = html.escape
    systems = summary["systems"]
    verdict = (
        "<section class='verdict'><h2>Verdict</h2><ul>"
        + "".join(f"<li>{e(v)}</li>" for v in summary["verdict"])
        + "</ul></section>"
        if summary["verdict"]
        else ""
    )
    main = _html_table(
        ["metric", *(f"{s['name']} (n={s['samples']})" for s in systems)], _table_rows(summary, metric_names)
    )
    paired = (
        f"<h2>Paired bootstrap (baseline: {e(summary['baseline'])})</h2>"
        + _html_table(PAIRED_HEAD, [_paired_row(c) for c in summary["paired"]])
        if summary["paired"]
        else ""
    )
    types = (
        "<h2>By question type (ROUGE-L)</h2>"
        + _html_table(["type", "questions", *(s["name"] for s in systems)], _type_rows(summary))
        + "<ul>"
        + "".join(f"<li>{e(n)}</li>" for n in summary["type_notes"])
        + "</ul>"
        if summary["by_type"]
        else ""
    )
    figures = "".join(
        f'<figure><img alt="{e(n)}" src="data:image/png;base64,{base64.b64encode(p).decode()}"></figure>'
        for n, p in plots.items()
    )
    data_html = ""
    if data:
        data_html = (
            f"<h2>Data</h2><p>{data['rows_kept']} rows; leakage audit: {data['audit_leaks']} leaks.</p>"
            + _html_table(
                ["split", "rows", "groups"], [[n, str(s["rows"]), str(s["groups"])] for n, s in data["splits"].items()]
            )
        )
    example_html = ""
    for example in examples:
        reference = e(example["reference"][:1200])
        cells = f"<div class='col ref'><h4>Reference answer (NIH page)</h4><p>{reference}</p></div>"
        for a in example["answers"]:
            sources = "".join(f"<li>{e(x)}</li>" for x in a["sources"])
            cells += (
                f"<div class='col'><h4>{e(a['system'])} <small>{e(a['label'])}</small></h4><p>{e(a['answer'])}</p>"
                + (f"<p class='src'>Sources:</p><ul class='src'>{sources}</ul>" if sources else "")
                + f"<p class='score'>ROUGE-L {a['rougeL']:.3f}</p></div>"
            )
        example_html += f"<div class='ex'><h3>{e(example['question'])}</h3><div class='side'>{cells}</div></div>"
    questions = max(s["samples"] for s in systems)
    glossary = "".join(
        f"<li><b>{e(METRIC_TEXT[m][0])}</b>: {e(METRIC_TEXT[m][1])}.</li>" for m in metric_names if m in METRIC_TEXT
    )
    guide = (
        f"<h2>How to read this report</h2><p>Every system answered the same {questions} held-out questions: "
        "questions from pages that fine-tuning never saw. Each answer is compared with the answer NIH wrote. "
        "A score such as <code>0.153 [0.146, 0.160]</code> is the average over the questions with its 95% "
        "interval: with another set of questions like these, the average would most likely land in that range. "
        "When two systems are compared on the same questions, a difference whose interval lies wholly above 0 "
        "(or below) is unlikely to be luck; an interval that spans 0 means no clear difference.</p>"
        f"<ul>{glossary}</ul>"
    )
    side_by_side = (
        "<h2>Answers side by side</h2><p>The questions where the systems differ most.</p>" + example_html
        if example_html
        else ""
    )
    notes = "".join(f"<li>{e(n)}</li>" for n in summary["notes"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>medqa evaluation report</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1150px;margin:2rem auto;padding:0 1rem;color:#1b1f24}}
table{{border-collapse:collapse;margin:.5rem 0 1rem}}th,td{{border:1px solid #d0d7de;padding:.3rem .6rem}}
td{{text-align:right}}td:first-child{{text-align:left}}img{{max-width:100%}}.ex{{border-top:1px solid #d0d7de}}
h2{{border-bottom:1px solid #d0d7de}}.verdict{{background:#eef5fd;border:1px solid #8aa6c7;border-radius:.5rem;
padding:.25rem 1rem}}.verdict h2{{border:0}}
.side{{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:.75rem}}
.col{{border:1px solid #d0d7de;border-radius:.4rem;padding:0 .6rem;font-size:.9rem}}.col.ref{{background:#f6f8fa}}
.col h4 small{{font-weight:normal;color:#57606a;display:block}}.src,.score{{color:#57606a;font-size:.85rem}}
</style></head><body>
<h1>medqa evaluation report</h1>{verdict}{guide}
<h2>Scores</h2><p>Value [95% interval] per system, on {questions} questions.</p>
{main}{figures}{paired}{types}{data_html}
{side_by_side}
<h2>Notes</h2><ul>{notes}<li>BERTScore here is {e(BERTSCORE_NAME)}.</li></ul></body></html>
"""
