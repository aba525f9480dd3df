"""`medqa report`: systems side by side, with intervals, paired tests, plots and examples."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import numpy as np

from medqa.errors import MedqaError
from medqa.evaluate.bootstrap import paired_bootstrap
from medqa.evaluate.metrics import BERTSCORE_NAME, MetricStats, _bleu_from_stats, _exp_ratio, _ratio
from medqa.evaluate.run import read_eval
from medqa.fileio import atomic_output_dir
from medqa.progress import figure_png

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
    "groundedness",
    "citation_validity",
    "answer_words",
)
AGGREGATES = {"bleu": _bleu_from_stats, "perplexity": _exp_ratio}
LOWER_IS_BETTER = {"perplexity"}


def build_report(eval_dirs: list[Path], out: Path, overwrite: bool = False) -> dict[str, Any]:
    """Write `out/report.html`, `out/report.md`, `out/summary.json` and the plots; return the summary."""
    if not eval_dirs:
        raise MedqaError("name at least one eval folder (made by `medqa eval`)")
    systems = [_load_system(Path(d)) for d in eval_dirs]
    names = [s["name"] for s in systems]
    if len(set(names)) != len(names):
        raise MedqaError(f"two eval folders have the same system name ({', '.join(names)}); rename one with --name")
    metric_names = _metric_names(systems)
    comparisons = _comparisons(systems, metric_names)
    summary = {
        "systems": [
            {
                "name": s["name"],
                "folder": s["folder"],
                "model": s["metrics"]["model"],
                "samples": s["metrics"]["samples"],
                "metrics": s["metrics"]["metrics"],
            }
            for s in systems
        ],
        "baseline": names[0],
        "paired": comparisons,
        "notes": sorted({n for s in systems for n in s["metrics"].get("notes", [])}),
    }
    plots = {"metrics": _metrics_plot(systems, metric_names)}
    loss = _loss_plot(systems)
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


def _stats(system: dict[str, Any], metric: str, ids: list[str]) -> MetricStats | None:
    by_id = {p["id"]: p for p in system["predictions"]}
    rows = [by_id[i]["stats"].get(metric) for i in ids]
    if any(r is None for r in rows):
        return None
    return MetricStats(
        metric,
        np.asarray(rows, dtype=np.float64),
        AGGREGATES.get(metric, _ratio),
        higher_is_better=metric not in LOWER_IS_BETTER,
    )


def _comparisons(systems: list[dict[str, Any]], metric_names: list[str]) -> list[dict[str, Any]]:
    """Paired bootstrap of every system against the first, on the questions both answered."""
    baseline = systems[0]
    results = []
    for other in systems[1:]:
        shared = sorted({p["id"] for p in baseline["predictions"]} & {p["id"] for p in other["predictions"]})
        for metric in metric_names:
            if metric == "answer_words" or not shared:
                continue
            a, b = _stats(other, metric, shared), _stats(baseline, metric, shared)
            if a is None or b is None:
                continue
            comparison = paired_bootstrap(a, b)
            results.append(
                {
                    "system": other["name"],
                    "baseline": baseline["name"],
                    "metric": metric,
                    "samples": len(shared),
                    "difference": round(comparison.difference, 6),
                    "ci_low": round(comparison.ci_low, 6),
                    "ci_high": round(comparison.ci_high, 6),
                    "better_share": round(comparison.a_better_share, 4),
                }
            )
    return results


def _metrics_plot(systems: list[dict[str, Any]], metric_names: list[str]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [m for m in metric_names if m != "answer_words"]
    cols = min(4, len(shown))
    rows = (len(shown) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.3 * cols, 2.9 * rows), squeeze=False)
    for ax, metric in zip(axes.flat, shown, strict=False):
        values, lows, highs, labels = [], [], [], []
        for system in systems:
            entry = system["metrics"]["metrics"].get(metric)
            if entry is None:
                continue
            values.append(entry["value"])
            lows.append(entry["value"] - entry["ci_low"])
            highs.append(entry["ci_high"] - entry["value"])
            labels.append(system["name"])
        positions = np.arange(len(values))
        ax.bar(positions, values, yerr=[lows, highs], capsize=4, color=[f"C{i}" for i in range(len(values))])
        ax.set_xticks(positions, [str(i + 1) for i in positions])
        ax.set_title(metric + (" (lower is better)" if metric in LOWER_IS_BETTER else ""), fontsize=9)
    for ax in list(axes.flat)[len(shown) :]:
        ax.axis("off")
    legend = "  ".join(f"{i + 1}: {s['name']}" for i, s in enumerate(systems))
    fig.suptitle(f"95% bootstrap intervals. {legend}", fontsize=8)
    return figure_png(fig)


def _loss_plot(systems: list[dict[str, Any]]) -> bytes | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from medqa.train.outputs import METRICS_FILE, read_metrics

    runs = {}
    for system in systems:
        log = Path(system["metrics"]["model"]) / METRICS_FILE
        if log.is_file():
            runs[Path(system["metrics"]["model"]).name] = read_metrics(log)
    if not runs:
        return None
    fig, ax = plt.subplots(figsize=(8, 3.5))
    for k, (name, rows) in enumerate(runs.items()):
        train = [(r["step"], r["loss"]) for r in rows if r.get("split") == "train"]
        valid = [(r["step"], r["loss"]) for r in rows if r.get("split") == "validation"]
        if train:
            ax.plot(*zip(*train, strict=True), color=f"C{k}", alpha=0.5, label=f"{name} train")
        if valid:
            ax.plot(*zip(*valid, strict=True), "o-", color=f"C{k}", label=f"{name} validation")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)
    ax.set_title("training runs")
    return figure_png(fig)


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
                    {"system": s["name"], "answer": b[qid]["answer"], "rougeL": b[qid]["scores"].get("rougeL")}
                    for s, b in zip(systems, by_id, strict=True)
                ],
            }
        )
    return examples


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


def _cell(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "-"
    return f"{entry['value']:.4g} [{entry['ci_low']:.4g}, {entry['ci_high']:.4g}]"


def _markdown(
    summary: dict[str, Any],
    metric_names: list[str],
    examples: list[dict[str, Any]],
    data: dict[str, Any] | None,
    plots: dict[str, bytes],
) -> str:
    systems = summary["systems"]
    lines = ["# medqa evaluation report", "", "Value [95% bootstrap interval] per system.", ""]
    lines.append("| metric | " + " | ".join(f"{s['name']} (n={s['samples']})" for s in systems) + " |")
    lines.append("|---" * (len(systems) + 1) + "|")
    for metric in metric_names:
        lines.append(f"| {metric} | " + " | ".join(_cell(s["metrics"].get(metric)) for s in systems) + " |")
    if summary["paired"]:
        lines += [
            "",
            f"## Paired bootstrap against {summary['baseline']}",
            "",
            "| system | metric | difference | 95% interval | share of resamples better |",
            "|---|---|---|---|---|",
        ]
        for c in summary["paired"]:
            lines.append(
                f"| {c['system']} | {c['metric']} | {c['difference']:+.4g} | [{c['ci_low']:.4g}, "
                f"{c['ci_high']:.4g}] | {c['better_share']:.3f} |"
            )
    lines += ["", *(f"![{name}]({name}.png)" for name in plots)]
    if data:
        lines += [
            "",
            "## Data",
            "",
            f"{data['rows_kept']} rows, leakage audit: {data['audit_leaks']} leaks.",
            "",
            "| split | rows | groups |",
            "|---|---|---|",
        ]
        lines += [f"| {n} | {s['rows']} | {s['groups']} |" for n, s in data["splits"].items()]
    if examples:
        lines += ["", "## Where the systems differ most (ROUGE-L)", ""]
        for example in examples:
            lines += [f"**Q:** {example['question']}", "", f"*Reference:* {example['reference'][:600]}", ""]
            lines += [f"- *{a['system']}* (ROUGE-L {a['rougeL']:.3f}): {a['answer'][:600]}" for a in example["answers"]]
            lines.append("")
    lines += ["", "## Notes", "", *(f"- {n}" for n in summary["notes"]), f"- BERTScore here is {BERTSCORE_NAME}.", ""]
    return "\n".join(lines)


def _html(
    summary: dict[str, Any],
    metric_names: list[str],
    examples: list[dict[str, Any]],
    data: dict[str, Any] | None,
    plots: dict[str, bytes],
) -> str:
    e = html.escape
    systems = summary["systems"]
    head = "".join(f"<th>{e(s['name'])}<br><small>n={s['samples']}</small></th>" for s in systems)
    rows = "".join(
        f"<tr><td>{e(m)}</td>" + "".join(f"<td>{e(_cell(s['metrics'].get(m)))}</td>" for s in systems) + "</tr>"
        for m in metric_names
    )
    paired = "".join(
        f"<tr><td>{e(c['system'])}</td><td>{e(c['metric'])}</td><td>{c['difference']:+.4g}</td>"
        f"<td>[{c['ci_low']:.4g}, {c['ci_high']:.4g}]</td><td>{c['better_share']:.3f}</td></tr>"
        for c in summary["paired"]
    )
    figures = "".join(
        f'<figure><img alt="{e(n)}" src="data:image/png;base64,{base64.b64encode(p).decode()}"></figure>'
        for n, p in plots.items()
    )
    data_html = ""
    if data:
        data_html = (
            f"<h2>Data</h2><p>{data['rows_kept']} rows; leakage audit: {data['audit_leaks']} leaks.</p>"
            "<table><tr><th>split</th><th>rows</th><th>groups</th></tr>"
            + "".join(
                f"<tr><td>{e(n)}</td><td>{s['rows']}</td><td>{s['groups']}</td></tr>" for n, s in data["splits"].items()
            )
            + "</table>"
        )
    example_html = ""
    for example in examples:
        answers = "".join(
            f"<li><b>{e(a['system'])}</b> (ROUGE-L {a['rougeL']:.3f}): {e(a['answer'])}</li>"
            for a in example["answers"]
        )
        example_html += (
            f"<div class='ex'><p><b>Q:</b> {e(example['question'])}</p>"
            f"<p><i>Reference:</i> {e(example['reference'][:1200])}</p><ul>{answers}</ul></div>"
        )
    notes = "".join(f"<li>{e(n)}</li>" for n in summary["notes"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>medqa evaluation report</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1150px;margin:2rem auto;padding:0 1rem;color:#1b1f24}}
table{{border-collapse:collapse;margin:.5rem 0 1rem}}th,td{{border:1px solid #d0d7de;padding:.3rem .6rem}}
td{{text-align:right}}td:first-child{{text-align:left}}img{{max-width:100%}}.ex{{border-top:1px solid #d0d7de}}
h2{{border-bottom:1px solid #d0d7de}}</style></head><body>
<h1>medqa evaluation report</h1><p>Value [95% bootstrap interval] per system.</p>
<table><tr><th>metric</th>{head}</tr>{rows}</table>
{
        "<h2>Paired bootstrap against " + e(summary["baseline"]) + "</h2><table><tr><th>system</th><th>metric</th>"
        "<th>difference</th><th>95% interval</th><th>share of resamples better</th></tr>" + paired + "</table>"
        if paired
        else ""
    }
{figures}{data_html}
{"<h2>Where the systems differ most (ROUGE-L)</h2>" + example_html if example_html else ""}
<h2>Notes</h2><ul>{notes}<li>BERTScore here is {e(BERTSCORE_NAME)}.</li></ul></body></html>
"""
