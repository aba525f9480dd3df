"""The run's model card is a Hub model card: YAML metadata (the original base model id, licence, data,
library, evaluation results) that huggingface_hub parses, and an adapter that names its base by Hub id."""

from __future__ import annotations

import json

from huggingface_hub import ModelCard

from medqa.train.outputs import BUNDLED_HUB_ID, MEDQUAD_HUB_ID, base_model_hub_id, write_model_card

CONFIG = {
    "method": "lora",
    "max_length": 256,
    "batching": "packed",
    "batch_size": 8,
    "grad_accum": 1,
    "learning_rate": 2e-4,
    "schedule": "cosine",
    "warmup_ratio": 0.05,
    "precision": "bf16",
    "seed": 0,
    "lora": {"r": 16, "alpha": 32},
}


def _info(base: str, bundled_data: bool = True) -> dict:
    return {
        "base_model": base,
        "data": "runs/data",
        "bundled_data": bundled_data,
        "train_examples": 100,
        "validation_examples": 10,
        "steps": 12,
        "examples_seen": 96,
        "minutes": 1.5,
        "stopped": "max_steps",
        "best_validation_loss": 1.25,
        "best_step": 10,
        "first_train_loss": 2.5,
        "last_train_loss": 1.5,
    }


def _run(tmp_path, cache_path: str):
    run = tmp_path / "run"
    (run / "adapter").mkdir(parents=True)
    adapter = {"base_model_name_or_path": cache_path, "peft_type": "LORA", "r": 16}
    (run / "adapter" / "adapter_config.json").write_text(json.dumps(adapter), encoding="utf-8")
    return run


def test_bundled_run_card_has_hub_metadata_and_the_adapter_names_the_hub_id(tmp_path):
    run = _run(tmp_path, "/root/.cache/medqa/models/smollm2-135m-98362432")
    evaluation = {
        "model": str(run),
        "label": "closed book",
        "mode": "closed",
        "split": "test",
        "samples": 50,
        "metrics": {
            "rougeL": {"value": 0.31, "ci_low": 0.29, "ci_high": 0.33, "higher_is_better": True},
            "rouge1": {"value": 0.4, "ci_low": 0.38, "ci_high": 0.42, "higher_is_better": True},
        },
    }
    (run / "eval").mkdir()
    (run / "eval" / "metrics.json").write_text(json.dumps(evaluation), encoding="utf-8")
    other = tmp_path / "eval" / "someone-else"  # beside the run, but of another model: not in this card
    other.mkdir(parents=True)
    (other / "metrics.json").write_text(json.dumps({**evaluation, "model": "smollm2-135m"}), encoding="utf-8")

    write_model_card(run, _info("smollm2-135m"), CONFIG)

    card = ModelCard.load(run / "README.md")  # parses the front matter as Hub metadata
    data = card.data
    assert data.base_model == BUNDLED_HUB_ID == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert data.license == "apache-2.0" and data.library_name == "peft" and data.language == "en"
    assert data.datasets == [MEDQUAD_HUB_ID] and "medical" in data.tags
    assert {(r.metric_type, r.metric_value, r.dataset_split) for r in data.eval_results} == {
        ("rougeL", 0.31, "test"),
        ("rouge1", 0.4, "test"),
    }
    assert "| closed book | test | 50 | rougeL | 0.3100 | 0.2900 - 0.3300 |" in card.text
    assert "CC BY 4.0" in card.text and "## Disclaimer" in card.text
    assert f'AutoModelForCausalLM.from_pretrained("{BUNDLED_HUB_ID}")' in card.text
    adapter = json.loads((run / "adapter" / "adapter_config.json").read_text(encoding="utf-8"))
    assert adapter["base_model_name_or_path"] == BUNDLED_HUB_ID and adapter["r"] == 16


def test_a_local_base_model_gets_no_invented_hub_id(tmp_path):
    local = tmp_path / "my-model"
    local.mkdir()
    run = _run(tmp_path, str(local))
    write_model_card(run, _info(str(local), bundled_data=False), CONFIG)
    data = ModelCard.load(run / "README.md").data
    assert data.base_model is None and data.datasets is None and data.license is None
    assert data.library_name == "peft" and data.eval_results is None
    assert json.loads((run / "adapter" / "adapter_config.json").read_text())["base_model_name_or_path"] == str(local)


def test_hub_ids():
    assert base_model_hub_id("smollm2-135m") == BUNDLED_HUB_ID
    assert base_model_hub_id("Qwen/Qwen2.5-1.5B-Instruct") == "Qwen/Qwen2.5-1.5B-Instruct"
    assert base_model_hub_id("/some/folder") is None
