"""`medqa export`: a trained run as a plain transformers folder (LoRA merged), optionally on the Hub."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from medqa.config import check, raise_problems
from medqa.errors import MedqaError
from medqa.export.gguf import template_gguf, write_gguf
from medqa.export.ollama import write_modelfile
from medqa.fileio import atomic_output_dir, check_output_dir
from medqa.models import ADAPTER_DIR, CONFIG_FILE, GGUF_FILE, MODEL_DIR, TRAIN_INFO_FILE, load_trained
from medqa.prompt import Decoding

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")
DTYPES = {"float32": "float32", "bfloat16": "bfloat16", "float16": "float16"}


@dataclass
class ExportConfig:
    """What `export` reads, writes and uploads."""

    run: str
    """Run folder written by `medqa train`."""
    out: str
    """Output folder: a standalone transformers model (safetensors) with its prompt template and card."""
    overwrite: bool = False
    """Replace `out` if it exists."""
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"
    """Weight type of the exported model (bfloat16 halves the size)."""
    push_to_hub: str | None = None
    """Also upload the folder to this Hugging Face repo (owner/name); needs the internet and a token."""
    private: bool = True
    """Create the Hub repo as private."""
    gguf: bool = False
    """Also write `out/model.gguf` for llama.cpp and an Ollama `out/Modelfile` (Llama, Mistral, Qwen2, Phi-3,
    Gemma)."""
    gguf_type: Literal["q8_0", "q4_1", "f16", "f32"] = "q8_0"
    """GGUF weight type: q8_0 keeps the fine-tuning (q4_1, the bundled file's type, rounds small
    LoRA updates back onto the base model's grid), f16/f32 are exact but slower."""

    def __post_init__(self) -> None:
        problems: list[str] = []
        check(
            problems,
            self.push_to_hub is None or bool(_REPO_ID.match(self.push_to_hub)),
            f"'push_to_hub' must be a Hub repo id like 'your-name/medqa-smollm2', got {self.push_to_hub!r}",
        )
        raise_problems(problems, "export config")


@dataclass
class ExportResult:
    """Where the exported model went."""

    out: Path
    merged: bool
    """True when a LoRA adapter was merged into the base weights."""
    hub_url: str | None


def export(config: ExportConfig) -> ExportResult:
    """Merge the run's adapter into its base model and save a folder that loads without peft."""
    import torch

    run, out = Path(config.run), Path(config.out)
    if not (run / ADAPTER_DIR).is_dir() and not (run / MODEL_DIR).is_dir():
        raise MedqaError(f"{run} is not a training run: it has no {ADAPTER_DIR}/ or {MODEL_DIR}/ folder")
    if config.push_to_hub:
        _check_hub_access()  # before the slow part: a missing token should not cost a merge first
    check_output_dir(out, config.overwrite)
    loaded, template = load_trained(run)
    merged = hasattr(loaded.model, "merge_and_unload")
    model = loaded.model.merge_and_unload() if merged else loaded.model
    with atomic_output_dir(out, overwrite=config.overwrite) as tmp:
        if config.gguf:  # from the float32 merge, before any cast to a smaller dtype
            _write_gguf(run, model, loaded.tokenizer, tmp, config.gguf_type)
            write_modelfile(
                tmp,
                GGUF_FILE,
                loaded.tokenizer,
                template,
                Decoding.load(run),
                context_length=int(getattr(model.config, "max_position_embeddings", 2048)),
                add_bos=_gguf_adds_bos(tmp / GGUF_FILE),
            )
        model = model.to(getattr(torch, DTYPES[config.dtype]))
        model.save_pretrained(tmp, safe_serialization=True)
        loaded.tokenizer.save_pretrained(tmp)
        template.save(tmp)
        Decoding.load(run).save(tmp)  # how this model is asked to answer travels with it
        for name in ("README.md", TRAIN_INFO_FILE, CONFIG_FILE):
            if (run / name).is_file():
                shutil.copy2(run / name, tmp / (name if name != CONFIG_FILE else "train_config.yaml"))
    url = _push(out, config.push_to_hub, config.private) if config.push_to_hub else None
    return ExportResult(out=out, merged=merged, hub_url=url)


def _write_gguf(run: Path, model: Any, tokenizer: Any, folder: Path, qtype: str) -> None:
    """folder/model.gguf, with the base model's GGUF metadata when the base came as a GGUF."""
    import json

    info = run / TRAIN_INFO_FILE
    base = json.loads(info.read_text(encoding="utf-8")).get("base_model", "") if info.is_file() else ""
    write_gguf(model, tokenizer, folder / GGUF_FILE, qtype, template_gguf(base))  # type: ignore[arg-type]


def _gguf_adds_bos(path: Path) -> bool:
    """Whether llama.cpp puts a BOS token before the text it tokenizes from this GGUF."""
    import gguf

    field = gguf.GGUFReader(str(path)).fields.get("tokenizer.ggml.add_bos_token")
    return bool(field.contents()) if field is not None else False


def _check_hub_access() -> None:
    """Fail early and clearly when an upload cannot work."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes"}:
        raise MedqaError("--push-to-hub needs the internet, but HF_HUB_OFFLINE is set; unset it to upload")
    from huggingface_hub import get_token

    if not get_token():
        raise MedqaError("--push-to-hub needs a Hugging Face token: run `hf auth login` or set HF_TOKEN")


def _push(folder: Path, repo: str, private: bool) -> str:
    from huggingface_hub import HfApi

    api = HfApi()
    try:
        api.create_repo(repo, private=private, exist_ok=True)
        info = api.upload_folder(folder_path=str(folder), repo_id=repo, commit_message="Upload model from medqa export")
    except Exception as exc:  # network, auth and permission errors all mean the same to the user
        raise MedqaError(f"upload to {repo} failed: {exc}") from exc
    return str(getattr(info, "commit_url", f"https://huggingface.co/{repo}"))
