"""Which engine writes the text for a model: llama.cpp on its GGUF, transformers, or a remote server."""

from __future__ import annotations

import logging
from pathlib import Path

from medqa.errors import MedqaError
from medqa.hardware import llama_cpp_available
from medqa.inference.backends import LlamaCppGenerator, OpenAIGenerator, gguf_source
from medqa.inference.base import Generator, TransformersGenerator
from medqa.models import BUNDLED_MODEL, is_trained_folder, latest_run, load_for_eval
from medqa.prompt import PromptTemplate

BACKENDS = ("auto", "llamacpp", "transformers", "openai")
GGUF_HINT = "medqa export RUN --out DIR --gguf"
log = logging.getLogger("medqa")


def load_generator(
    model: str | None,
    backend: str = "auto",
    base_url: str | None = None,
    api_model: str | None = None,
    allow_fallback: bool = True,
) -> tuple[Generator | None, str | None, str]:
    """The generator for `model` (a run/exported folder or a base model; None: the latest run, else
    the bundled model) on `backend`:

    - "auto": llama.cpp when llama-cpp-python is installed and a GGUF of the model exists (the
      bundled GGUF, FOLDER/model.gguf from `medqa export --gguf`), else transformers;
    - "llamacpp", "transformers": that engine, or the reason it cannot load;
    - "openai": an OpenAI-compatible server at `base_url` serving `api_model` (default: the first
      model the server lists); `model` then only supplies the prompt template.

    A model that cannot load gives (None, the reason, name): answers then degrade to extractive
    ones instead of failing. An unknown backend is the caller's mistake and raises.

    A GGUF that exists but that llama.cpp cannot load (truncated, corrupt) under "auto" is not the
    same as having none: transformers then answers in float32 on torch, several times slower and
    with more memory. That fallback is logged and returned as (generator, the notice, name) when
    `allow_fallback`; without it, a MedqaError refuses to load (the server's default).
    """
    if backend not in BACKENDS:
        raise MedqaError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if backend == "openai":
        if not base_url:
            raise MedqaError("the openai backend needs --base-url, e.g. http://localhost:8000/v1")
        template = PromptTemplate.load(Path(model)) if model and is_trained_folder(model) else PromptTemplate()
        return OpenAIGenerator(base_url, api_model, template=template), None, api_model or base_url
    if model is None:
        run = latest_run()
        model = str(run) if run else BUNDLED_MODEL
    failures: list[str] = []
    gguf_error: str | None = None  # a GGUF exists and llama.cpp could not load it
    if backend == "llamacpp" or (backend == "auto" and llama_cpp_available()):
        try:
            source = gguf_source(model)
            if source is not None:
                return LlamaCppGenerator(*source), None, model
            failures.append(f"{model}: no GGUF (export one with `{GGUF_HINT}`)")
        except (MedqaError, OSError, ValueError, RuntimeError) as exc:
            failures.append(f"{model}: {exc}")
            gguf_error = str(exc)
        if backend == "llamacpp":
            return None, "; ".join(failures), model
    if gguf_error is not None and not allow_fallback:
        raise MedqaError(
            f"llama.cpp cannot use the GGUF of {model} ({gguf_error}); refusing to fall back to transformers "
            f"(float32 on torch: several times slower, more memory). Replace the GGUF (`{GGUF_HINT}`), "
            "or allow the fallback: MEDQA_ALLOW_FALLBACK=1 or `medqa serve --allow-fallback`"
        )
    try:
        loaded, template = load_for_eval(model)
    except (MedqaError, OSError, ValueError, RuntimeError) as exc:
        return None, "; ".join([*failures, f"{model}: {exc}"]), model
    notice = None
    if gguf_error is not None:
        notice = (
            f"fallback: llama.cpp cannot use the GGUF of {model} ({gguf_error}); answering with transformers "
            f"instead (float32 on torch: several times slower); replace the GGUF with `{GGUF_HINT}`"
        )
        log.warning("%s", notice)
    return TransformersGenerator(loaded, template, batch_size=1), notice, model
