"""What a run leaves behind besides weights: metrics, the loss plot and the model card."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from medqa.errors import MedqaError
from medqa.fileio import atomic_write_text
from medqa.models import ADAPTER_DIR, BUNDLED_LICENCE, BUNDLED_MODEL, CONFIG_FILE, TRAIN_INFO_FILE
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


BUNDLED_HUB_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"  # the original of the bundled GGUF (see BUNDLED_LICENCE)
MEDQUAD_HUB_ID = "lavita/MedQuAD"  # MedQuAD on the Hub (the bundled data is its answered part)
_CARD_METRICS = ("rouge1", "rouge2", "rougeL", "bleu", "bertscore_f1", "perplexity")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def base_model_hub_id(base: str) -> str | None:
    """The Hub id of the model a run started from: the original for the bundled alias, the id itself
    for a Hub model, None for a local folder (nothing on the Hub to point to)."""
    if base == BUNDLED_MODEL:
        return BUNDLED_HUB_ID
    return base if _HUB_ID.match(base) and not Path(base).expanduser().exists() else None


def point_adapter_at_hub(adapter: Path, base: str) -> None:
    """Make `adapter/adapter_config.json` name the base model by its Hub id, so that
    `PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(id), adapter)` works on another
    machine (peft records the path it loaded, here a folder in this machine's cache)."""
    hub_id = base_model_hub_id(base)
    path = Path(adapter) / "adapter_config.json"
    if hub_id is None or not path.is_file():
        return
    config = json.loads(path.read_text(encoding="utf-8"))
    if config.get("base_model_name_or_path") != hub_id:
        config["base_model_name_or_path"] = hub_id
        atomic_write_text(path, json.dumps(config, indent=2, sort_keys=True) + "\n")


def find_evaluations(run: Path) -> list[dict[str, Any]]:
    """Evaluation results of this run (`metrics.json` of `medqa eval`) in the places medqa writes them:
    RUN/eval/ (sweeps) and the eval/ folder beside the run (`medqa run`), model = this run."""
    run = Path(run).resolve()
    found = []
    for path in sorted({*run.glob("eval/**/metrics.json"), *run.parent.glob("eval/*/metrics.json")}):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue  # a report being written or a foreign file: not this card's business
        model = str(result.get("model", ""))
        if isinstance(result.get("metrics"), dict) and model and Path(model).resolve() == run:
            found.append(result)
    return found


def _eval_table(evaluations: list[dict[str, Any]]) -> str:
    if not evaluations:
        return "Not evaluated when this card was written (`medqa eval --model RUN` scores the run)."
    lines = ["| evaluation | split | n | metric | value | 95% interval |", "| --- | --- | --- | --- | --- | --- |"]
    for result in evaluations:
        for name in _CARD_METRICS:
            if name in result["metrics"]:
                m = result["metrics"][name]
                label, split = result.get("label") or result.get("mode", "?"), result.get("split", "?")
                interval = f"{m['ci_low']:.4f} - {m['ci_high']:.4f}"
                lines.append(
                    f"| {label} | {split} | {result.get('samples', '?')} | {name} | {m['value']:.4f} | {interval} |"
                )
    return "\n".join(lines)


def _card_data(info: dict[str, Any], config: dict[str, Any], evaluations: list[dict[str, Any]]) -> Any:
    """The card's YAML front matter (Hub metadata)."""
    from huggingface_hub import EvalResult, ModelCardData

    hub_id = base_model_hub_id(info["base_model"])
    bundled_data = bool(info.get("bundled_data"))
    dataset_name = "MedQuAD" if bundled_data else Path(str(info["data"])).name
    results = [
        EvalResult(
            task_type="text-generation",
            dataset_type=MEDQUAD_HUB_ID if bundled_data else dataset_name,
            dataset_name=dataset_name,
            dataset_split=str(result.get("split", "test")),
            metric_type=name,
            metric_name=f"{name} ({result.get('label') or result.get('mode', '?')})",
            metric_value=round(float(result["metrics"][name]["value"]), 4),
        )
        for result in evaluations
        for name in _CARD_METRICS
        if name in result["metrics"]
    ]
    return ModelCardData(
        base_model=hub_id,
        license="apache-2.0" if info["base_model"] == BUNDLED_MODEL else None,
        datasets=[MEDQUAD_HUB_ID] if bundled_data else None,
        language="en",
        library_name="peft" if config["method"] != "full" else "transformers",
        pipeline_tag="text-generation",
        tags=["medical", "question-answering", "medqa", "lora" if config["method"] != "full" else "full-fine-tune"],
        model_name="medqa fine-tune" if results else None,
        eval_results=results or None,
    )


def write_model_card(run: Path, info: dict[str, Any], config: dict[str, Any]) -> None:
    """RUN/README.md, a Hub model card: metadata (base model, licence, data, evaluation) as YAML front
    matter, then what was trained on what, how, how well, and what it must not be used for. Also points
    the adapter at the base model's Hub id."""
    from huggingface_hub import ModelCard

    run = Path(run)
    base = info["base_model"]
    hub_id = base_model_hub_id(base)
    point_adapter_at_hub(run / ADAPTER_DIR, base)
    evaluations = find_evaluations(run)
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
    base_text = f"`{hub_id}`" + (f" (medqa's alias `{base}`)" if hub_id != base else "") if hub_id else f"`{base}`"
    usage = (
        f"""## Use
```python
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

base = AutoModelForCausalLM.from_pretrained("{hub_id}")
model = PeftModel.from_pretrained(base, "PATH/TO/THIS/FOLDER/adapter")
tokenizer = AutoTokenizer.from_pretrained("PATH/TO/THIS/FOLDER/adapter")
```
`medqa serve --model PATH/TO/THIS/FOLDER` serves it with retrieval, citations and emergency triage.

"""
        if hub_id and config["method"] != "full"
        else ""
    )
    body = f"""
# Medical QA model fine-tuned with medqa

| | |
| --- | --- |
| base model | {base_text} |
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

### Evaluation
{_eval_table(evaluations)}

{usage}## Intended use
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
    card = ModelCard(f"---\n{_card_data(info, config, evaluations).to_yaml()}\n---\n{body}")
    atomic_write_text(run / "README.md", str(card))


def refresh_model_card(run: Path) -> None:
    """Rewrite a finished run's card, e.g. after `medqa eval` scored it (the table picks the results up)."""
    import yaml

    run = Path(run)
    info = json.loads((run / TRAIN_INFO_FILE).read_text(encoding="utf-8"))
    config = yaml.safe_load((run / CONFIG_FILE).read_text(encoding="utf-8"))
    write_model_card(run, info, config)
