"""Export: the merged model loads without peft and computes what the adapter did; Hub checks."""

from __future__ import annotations

import sys

import pytest
import torch
from typer.testing import CliRunner

from fakes import single_thread, tiny_config
from medqa.cli import app
from medqa.errors import MedqaError
from medqa.export.merge import ExportConfig, export
from medqa.models import load_trained
from medqa.prompt import PromptTemplate, encode_prompt
from medqa.train import train

pytestmark = pytest.mark.usefixtures("one_thread")  # torch single-threaded: see fakes.single_thread


@pytest.fixture(scope="module")
def trained_run(tiny_llama, tiny_data, tmp_path_factory):
    run = tmp_path_factory.mktemp("run") / "run"
    # A large learning rate so the adapter visibly changes the outputs.
    with single_thread():
        train(tiny_config(tiny_llama, tiny_data, run, max_steps=3, learning_rate=5e-2))
    return run


def test_merged_export_loads_without_peft_and_matches_the_adapter(trained_run, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = tmp_path / "exported"
    result = export(ExportConfig(run=str(trained_run), out=str(out)))
    assert result.merged and (out / "model.safetensors").is_file()
    assert not (out / "adapter_config.json").exists()
    assert PromptTemplate.load(out) == PromptTemplate.load(trained_run)
    assert "## Disclaimer" in (out / "README.md").read_text()
    from huggingface_hub import ModelCard

    assert ModelCard.load(out / "README.md").data.library_name == "peft"  # the card's Hub metadata travels

    plain = AutoModelForCausalLM.from_pretrained(out).eval()  # no peft involved
    tokenizer = AutoTokenizer.from_pretrained(out)
    adapted, template = load_trained(trained_run)
    ids = torch.tensor([encode_prompt(template, tokenizer, "What is asthma?")])
    with torch.no_grad():
        expected = adapted.model.eval()(input_ids=ids).logits
        base = adapted.model.get_base_model()
        with adapted.model.disable_adapter():
            untouched = base(input_ids=ids).logits
        got = plain(input_ids=ids).logits
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)
    assert (expected - untouched).abs().max() > 1e-3  # the adapter did change something
    reloaded, _ = load_trained(out)  # evaluation/serving can load an exported folder the same way
    assert not reloaded.seq2seq


def test_export_refuses_what_it_cannot_do(trained_run, tmp_path):
    with pytest.raises(MedqaError, match="not a training run"):
        export(ExportConfig(run=str(tmp_path), out=str(tmp_path / "x")))
    existing = tmp_path / "exists"
    existing.mkdir()
    with pytest.raises(MedqaError, match="already exists"):
        export(ExportConfig(run=str(trained_run), out=str(existing)))


def test_push_to_hub_arguments_are_checked_before_any_work(trained_run, tmp_path, monkeypatch):
    with pytest.raises(MedqaError, match="must be a Hub repo id"):
        ExportConfig(run=str(trained_run), out=str(tmp_path / "a"), push_to_hub="not a repo")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(MedqaError, match="HF_HUB_OFFLINE is set"):
        export(ExportConfig(run=str(trained_run), out=str(tmp_path / "b"), push_to_hub="me/medqa-tiny"))
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr("huggingface_hub.get_token", lambda: None)
    with pytest.raises(MedqaError, match="needs a Hugging Face token"):
        export(ExportConfig(run=str(trained_run), out=str(tmp_path / "c"), push_to_hub="me/medqa-tiny"))
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()


def test_cli_train_and_export(tiny_llama, tiny_data, tmp_path):
    runner = CliRunner()
    run, out = tmp_path / "run", tmp_path / "exported"
    result = runner.invoke(
        app,
        [
            "train",
            "--model",
            str(tiny_llama),
            "--data",
            str(tiny_data),
            "--out",
            str(run),
            "--max-steps",
            "2",
            "--set",
            "precision=fp32",
            "--set",
            "max_length=160",
            "--set",
            "batch_size=4",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "trained 2 steps" in result.output
    result = runner.invoke(app, ["export", str(run), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "config.json").is_file()


def test_cli_prints_errors_without_a_traceback(tmp_path, monkeypatch, capsys):
    from medqa.cli import main

    existing = tmp_path / "run"
    existing.mkdir()
    monkeypatch.setattr(sys, "argv", ["medqa", "train", "--out", str(existing)])
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "Traceback" not in err
