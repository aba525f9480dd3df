"""The data report: statistics as JSON, an HTML page with plots, and a terminal summary."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table as RichTable

from medqa.data.audit import CHECKS
from medqa.progress import figure_png

# MedQuAD's source folder names, as a reader knows the sites; other datasets' values are shown as they are.
SOURCE_NAMES = {
    "1_CancerGov_QA": "CancerGov (cancer.gov)",
    "2_GARD_QA": "GARD (rare diseases)",
    "3_GHR_QA": "Genetics Home Reference",
    "4_MPlus_Health_Topics_QA": "MedlinePlus health topics",
    "5_NIDDK_QA": "NIDDK (diabetes, digestive, kidney)",
    "6_NINDS_QA": "NINDS (neurological disorders)",
    "7_SeniorHealth_QA": "NIHSeniorHealth",
    "8_NHLBI_QA_XML": "NHLBI (heart, lung, blood)",
    "9_CDC_QA": "CDC",
}
COLUMN_NAMES = {"source": "source website", "qtype": "question type", "focus": "topic"}
SHIFT_POINTS = 0.05  # a category whose share differs this much between two splits is called out


def column_name(column: str) -> str:
    """A data column as a reader says it ("qtype" -> "question type")."""
    return COLUMN_NAMES.get(column, column.replace("_", " "))


def readable(column: str, value: str) -> str:
    """A category value as a reader says it ("3_GHR_QA" -> "Genetics Home Reference")."""
    return SOURCE_NAMES.get(value, value) if column == "source" else value.replace("_", " ")


def mix_shifts(splits: dict[str, dict[str, Any]]) -> list[str]:
    """Sentences naming each category whose share of rows differs by SHIFT_POINTS or more between splits."""
    found = []
    columns = sorted({k.removesuffix("_mix") for s in splits.values() for k in s if k.endswith("_mix")})
    for column in columns:
        shares = {}
        for name, split in splits.items():
            shares[name] = {c: n / max(split["rows"], 1) for c, n in split.get(f"{column}_mix", {}).items()}
        for category in sorted({c for mix in shares.values() for c in mix}):
            per_split = {name: mix.get(category, 0.0) for name, mix in shares.items()}
            if max(per_split.values()) - min(per_split.values()) >= SHIFT_POINTS:
                parts = ", ".join(f"{share:.0%} of {name}" for name, share in per_split.items())
                found.append(f"{column_name(column)} {readable(column, category)}: {parts}")
    return found


def length_stats(texts: Sequence[str]) -> dict[str, float]:
    """Word-count statistics of a list of texts."""
    if not texts:
        return {"mean": 0.0, "median": 0, "p95": 0, "min": 0, "max": 0}
    counts = np.array([len(t.split()) for t in texts])
    return {
        "mean": round(float(counts.mean()), 2),
        "median": int(np.median(counts)),
        "p95": int(np.percentile(counts, 95)),
        "min": int(counts.min()),
        "max": int(counts.max()),
    }


def split_summary(rows: Sequence[dict[str, Any]], total: int, mix_columns: Sequence[str]) -> dict[str, Any]:
    """Size, groups, lengths and category mix of one split."""
    summary: dict[str, Any] = {
        "rows": len(rows),
        "share": round(len(rows) / total, 4) if total else 0.0,
        "groups": len({r["group"] for r in rows}),
        "question_words": length_stats([r["question"] for r in rows]),
        "answer_words": length_stats([r["answer"] for r in rows]),
    }
    for column in mix_columns:
        summary[f"{column}_mix"] = dict(Counter(str(r.get(column) or "(none)") for r in rows).most_common())
    return summary


def render_plots(splits: dict[str, Sequence[dict[str, Any]]], mix_columns: Sequence[str]) -> dict[str, str]:
    """PNG plots (base64) of lengths per split and of each category column's mix per split."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plots: dict[str, str] = {}
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for ax, field in zip(axes, ("question", "answer"), strict=True):
        for name, rows in splits.items():
            counts = [len(r[field].split()) for r in rows]
            if counts:
                upper = int(np.percentile(counts, 99)) + 1
                # Short texts get one bin per word count; binning them coarser leaves empty gaps.
                bins = np.arange(0, upper + 1) if upper <= 60 else np.linspace(0, upper, 51)
                weights = np.full(len(counts), 1 / len(counts))  # each split's bars add up to 1: splits compare
                ax.hist(counts, bins=bins, weights=weights, histtype="step", label=f"{name} ({len(counts):,} rows)")
        ax.set_title(f"How long the {field}s are (words; longest 1% left out)")
        ax.set_xlabel(f"words in the {field}")
        ax.set_ylabel("share of the split's rows")
        ax.legend()
    plots["lengths"] = _png(fig)
    for column in mix_columns:
        categories = Counter(str(r.get(column) or "(none)") for rows in splits.values() for r in rows)
        top = [c for c, _ in categories.most_common(16)]
        fig, ax = plt.subplots(figsize=(11, 0.35 * len(top) + 1.2))
        positions = np.arange(len(top))
        height = 0.8 / max(len(splits), 1)
        for k, (name, rows) in enumerate(splits.items()):
            mix = Counter(str(r.get(column) or "(none)") for r in rows)
            shares = [mix[c] / max(len(rows), 1) for c in top]
            ax.barh(positions + k * height, shares, height=height, label=name)
        ax.set_yticks(positions + height * (len(splits) - 1) / 2, [readable(column, c) for c in top])
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_xlabel("share of the split's rows")
        ax.set_title(f"Rows by {column_name(column)}, per split")
        ax.legend(title="split")
        fig.tight_layout()
        plots[f"{column}_mix"] = _png(fig)
    return plots


def render_html(report: dict[str, Any], plots: dict[str, str]) -> str:
    """The HTML page (self-contained: plots embedded as base64 PNG, every text escaped)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("medqa", "templates"), autoescape=select_autoescape(["html"]))
    template = env.get_template("data_report.html")
    return template.render(r=report, plots=plots, checks=CHECKS, shifts=mix_shifts(report["splits"]))


def print_summary(report: dict[str, Any], console: Console) -> None:
    """A short terminal summary of the report."""
    overview = RichTable(title="Data", show_header=False)
    overview.add_row("input", f"{report['input']['path']} ({report['input']['format']}, {report['input']['encoding']})")
    overview.add_row("columns", f"question={report['input']['question_col']}  answer={report['input']['answer_col']}")
    overview.add_row("rows read", f"{report['rows_read']:,}")
    for reason, count in report["dropped"].items():
        overview.add_row(f"  dropped: {reason}", f"{count:,}")
    overview.add_row("rows kept", f"{report['rows_kept']:,}")
    groups = report["groups"]
    overview.add_row("groups", f"{groups['count']:,} (largest {groups['largest']:,} rows)")
    console.print(overview)
    splits = RichTable(title="Splits")
    for column in ("split", "rows", "share", "groups", "answer words (median)"):
        splits.add_column(column, justify="right")
    for name, split in report["splits"].items():
        splits.add_row(
            name,
            f"{split['rows']:,}",
            f"{100 * split['share']:.1f}%",
            f"{split['groups']:,}",
            str(split["answer_words"]["median"]),
        )
    console.print(splits)
    leaks = report["audit"]["total_leaks"]
    console.print("leakage audit: " + ("[green]0 leaks[/green]" if leaks == 0 else f"[red]{leaks} leaking rows[/red]"))
    for warning in report.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)


def _png(fig: Any) -> str:
    return base64.b64encode(figure_png(fig)).decode("ascii")
