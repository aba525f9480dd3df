"""A corrupt GGUF is never silently replaced by transformers (float32 on torch, several times slower):
the server refuses to load unless the operator allows the fallback, and then says so in the log and /ready."""

from __future__ import annotations

import importlib.util
import logging
import shutil
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from fakes import fake_assistant, settings, wait_ready
from medqa.errors import MedqaError
from medqa.inference.load import load_generator
from medqa.prompt import PromptTemplate
from medqa.retrieval.index import Index

pytestmark = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python missing")


@pytest.fixture
def corrupt_export(tiny_llama: Path, tmp_path: Path) -> Path:
    """A model folder as `medqa export --gguf` writes it, whose model.gguf is cut off after its header."""
    folder = tmp_path / "export"
    shutil.copytree(tiny_llama, folder)
    PromptTemplate().save(folder)
    # magic, version 3, 2 tensors, 20 metadata entries ... and then the file ends
    (folder / "model.gguf").write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 2, 20) + b"\x05\x00")
    return folder


def test_a_truncated_gguf_is_refused_without_the_fallback(corrupt_export: Path) -> None:
    with pytest.raises(MedqaError, match=r"cannot load .*model\.gguf.*refusing to fall back.*MEDQA_ALLOW_FALLBACK=1"):
        load_generator(str(corrupt_export), "auto", allow_fallback=False)


def test_the_allowed_fallback_is_logged_and_named(corrupt_export: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="medqa")
    generator, notice, _ = load_generator(str(corrupt_export), "auto", allow_fallback=True)
    assert generator is not None and generator.name == "transformers"
    assert notice is not None and notice.startswith("fallback: llama.cpp cannot use the GGUF")
    assert "answering with transformers" in caplog.text


def test_a_folder_without_a_gguf_uses_transformers_without_any_fallback(tiny_llama: Path) -> None:
    generator, notice, _ = load_generator(str(tiny_llama), "auto", allow_fallback=False)
    assert generator is not None and generator.name == "transformers" and notice is None


def _factory(index: Index, folder: Path, allow: bool) -> Callable:
    """What `load_assistant` does with the generator, over the fake index."""

    def load() -> object:
        generator, notice, _ = load_generator(str(folder), "auto", allow_fallback=allow)
        assistant = fake_assistant(index, generator=generator)
        assistant.generator_error = notice
        return assistant

    return load


def test_ready_refuses_a_corrupt_gguf_unless_the_fallback_is_allowed(
    corrupt_export: Path, index: Index, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from fastapi.testclient import TestClient

    from medqa.server.app import create_app

    caplog.set_level(logging.WARNING, logger="medqa")
    with TestClient(create_app(settings(tmp_path), _factory(index, corrupt_export, allow=False))) as client:
        refused = wait_ready(client, 503)
    assert refused["status"] == "failed" and "MEDQA_ALLOW_FALLBACK=1" in refused["reason"]
    allowed_settings = settings(tmp_path, allow_fallback=True)
    with TestClient(create_app(allowed_settings, _factory(index, corrupt_export, allow=True))) as client:
        ready = wait_ready(client)
    assert ready["status"] == "ready" and ready["generator"] == "transformers"
    assert ready["reason"].startswith("fallback: llama.cpp cannot use the GGUF")
    assert "answering with transformers" in caplog.text


def test_serve_has_the_allow_fallback_flag_and_setting(run_cli: Callable, monkeypatch: pytest.MonkeyPatch) -> None:
    from medqa.server.settings import load_settings

    assert "--allow-fallback" in run_cli("serve", "--help").out
    assert load_settings().allow_fallback is False
    monkeypatch.setenv("MEDQA_ALLOW_FALLBACK", "1")
    assert load_settings().allow_fallback is True
