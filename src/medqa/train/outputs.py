"""What a run leaves behind besides weights: metrics, the loss plot and the model card."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from medqa.errors import MedqaError
from medqa.fileio import atomic_write_text
from medqa.models import BUNDLED_LICENCE, BUNDLED_MODEL
from medqa.resources import MEDQUAD_ATTRIBUTION

METRICS_FILE = "metrics.jsonl"
DISCLAIMER = (
    "This model gives general medical information for education and research. It is not a medical "
    "device, does not diagnose or treat, and can be wrong or out of date. Always consult a qualified "
    "health professional; in an emergency call your local emergency number."
)


class MetricsLog:
    """Append-only `RUN/metrics.jsonl`, one JSON object per line, flushed as it goes."""

    def __init__(self, run: Path, keep_until_step: int | None = None) -> None:
        self.path = Path(run) / METRICS_FILE
        self.rows: list[dict[str, Any]] = []
        if keep_until_step is not None:
            # A resumed run drops what was logged after its checkpoint: those steps are trained again.
            self.rows = [r for r in read_metrics(self.path) if r["step"] <= keep_until_step]
        atomic_write_text(self.path, "".join(json.dumps(r) + "\n" for r in self.rows))

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """Rows of a metrics.jsonl (missing file: none). A crash or a full disk can cut the last line
    short; it is dropped (a resumed run logs that step again)."""
    if not path.is_file():
        return []
    lines = [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    rows = []
    for number, line in enumerate(lines, 1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            if number < len(lines):
                raise MedqaError(f"{path}, line {number}: not valid JSON ({exc.msg})") from exc
    return rows


def plot_loss(rows: list[dict[str, Any]], path: Path) -> None:
    """Train loss (raw and smoothed) and validation loss against the optimizer step."""
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    train = [(r["step"], r["loss"]) for r in rows if r.get("split") == "train"]
    val = [(r["step"], r["loss"]) for r in rows if r.get("split") == "validation"]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    if train:
        steps, losses = zip(*train, strict=True)
        ax.plot(steps, losses, color="tab:blue", alpha=0.3, linewidth=1, label="train")
        ax.plot(steps, _ema(list(losses)), color="tab:blue", linewidth=2, label="train (smoothed)")
    if val:
        steps, losses = zip(*val, strict=True)
        ax.plot(steps, losses, "o-", color="tab:orange", linewidth=2, label="validation")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss per answer token")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp)
    plt.close(fig)
    tmp.replace(path)


def _ema(values: list[float], weight: float = 0.9) -> list[float]:
    smoothed, current = [], values[0]
    for value in values:
        current = weight * current + (1 - weight) * value
        smoothed.append(current)
    return smoothed


def write_model_card(run: Path, info: dict[str, Any], config: dict[str, Any]) -> None:
    """RUN/README.md: what was trained on what, how, how well, and what it must not be used for."""
    base = info["base_model"]
    licence = BUNDLED_LICENCE if base == BUNDLED_MODEL else "see the base model's own licence and model card"
    data_note = (
        MEDQUAD_ATTRIBUTION if info.get("bundled_data") else "the user's own dataset: check its licence before sharing"
    )
    hyper = {
        k: config[k]
        for k in (
            "method",
            "max_length",
            "batching",
            "batch_size",
            "grad_accum",
            "learning_rate",
            "schedule",
            "warmup_ratio",
            "precision",
            "seed",
        )
    }
    hyper.update({f"lora.{k}": v for k, v in config["lora"].items()} if config["method"] != "full" else {})
    rows = "\n".join(f"| {k} | {v} |" for k, v in hyper.items())
    best = info.get("best_validation_loss")
    weights = "adapter in `adapter/`" if config["method"] != "full" else "weights in `model/`"
    best_text = f"{best:.4f} at step {info['best_step']}" if best is not None else "not evaluated"
    losses = f"{info['first_train_loss']:.4f} / {info['last_train_loss']:.4f}"
    splits = f"{info['train_examples']} training and {info['validation_examples']} validation examples"
    text = f"""# Medical QA model fine-tuned with medqa

| | |
| --- | --- |
| base model | `{base}` |
| base model licence | {licence} |
| method | {config["method"]} ({weights}) |
| data | `{info["data"]}`: {splits} |
| steps | {info["steps"]} optimizer steps, {info["examples_seen"]} examples, {info["minutes"]:.1f} minutes |

## Data, licence and attribution
Trained on {data_note}.
The fine-tuned weights inherit the base model's licence ({licence}); answers learned from the data carry
the data's attribution requirements.

## Hyperparameters
| setting | value |
| --- | --- |
{rows}

The full resolved configuration is in `config.yaml`, the prompt template in `prompt.yaml` (evaluation and
serving reuse it), the per-step metrics in `metrics.jsonl` and the curves in `loss.png`.

## Results
- first / last training loss (per answer token): {losses}
- best validation loss: {best_text}
- stopped because: {info["stopped"]}

## Intended use
Research, teaching and prototyping of medical question answering; answering consumer health questions in
a setting where a person checks the output, ideally grounded in a trusted corpus with citations
(`medqa serve`).

## Limitations
A small model trained briefly on a consumer-health FAQ corpus: it can state wrong facts fluently, omit
contraindications, and does not know recent guidance. Answers were truncated to {config["max_length"]} tokens
in training. It has not been evaluated for clinical safety or bias.

## Disclaimer
{DISCLAIMER}
"""
    atomic_write_text(Path(run) / "README.md", text)
