"""The fast in-process CPU backend (llama.cpp) and the remote backend (any OpenAI-compatible server).

Both implement `medqa.inference.base.Generator` and build prompts only through the model's
`PromptTemplate`, so they ask the model exactly what training showed it:

- `LlamaCppGenerator` renders and tokenizes the prompt with the model's transformers tokenizer
  (`encode_prompt`, the function training uses) and hands llama.cpp the token ids, so the prompt
  tokens are identical to training's whatever llama.cpp's own tokenizer would have done.
- `OpenAIGenerator` sends the template's chat messages; the server applies the model's chat
  template (the same one stored in the tokenizer/GGUF).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from medqa.errors import MedqaError
from medqa.hardware import cpu_threads, llama_cpp_available
from medqa.inference.base import GenerationSettings, Prompt
from medqa.inference.llamacpp_engine import EngineStats
from medqa.inference.tokenizer import load_light_tokenizer
from medqa.models import (
    ADAPTER_DIR,
    BUNDLED_MODEL,
    GGUF_FILE,
    TRAIN_INFO_FILE,
    bundled_gguf,
    load_tokenizer,
    resolve_model,
)
from medqa.prompt import PromptTemplate, encode_prompt

# Cache cells per answer: a grounded prompt (~600 tokens) and a 200-token answer leave ~1,200 for the
# conversation so far (older turns are left out beyond that). 8 answers x 2,048 cells of the bundled
# model's f16 cache take 377 MB (the server peaked at 740 MB with 1,536 cells, 283 MB).
CONTEXT_TOKENS = 2048
LLAMA_CPP_INSTALL = "pip install 'medqa[fast]'  (or: pip install llama-cpp-python==0.3.36)"


class RemoteGenerationError(MedqaError):
    """The remote generation server could not be reached or refused the request."""


class LlamaCppGenerator:
    """A GGUF model run in-process by llama.cpp (~4x faster than transformers on CPU here), with
    continuous batching (`medqa.inference.llamacpp_engine`): concurrent answers are decoded together, so a
    new question starts while others are being answered instead of queueing behind them.

    Repetition penalty uses llama.cpp's semantics (the last 64 tokens), not transformers' (every
    token of prompt and answer); greedy decoding is otherwise identical.
    """

    name = "llamacpp"

    def __init__(
        self,
        gguf: Path,
        tokenizer: Any,
        template: PromptTemplate,
        n_ctx: int = CONTEXT_TOKENS,
        n_parallel: int = 8,
        n_threads: int | None = None,
    ) -> None:
        if not llama_cpp_available():
            raise MedqaError(f"the llama.cpp backend needs llama-cpp-python: {LLAMA_CPP_INSTALL}")
        from medqa.inference.llamacpp_engine import BatchEngine

        if not Path(gguf).is_file():
            raise MedqaError(f"{gguf}: no such GGUF file")
        self.engine = BatchEngine(
            Path(gguf), n_threads or cpu_threads(), n_ctx=n_ctx, n_parallel=n_parallel, **engine_tuning()
        )
        self.gguf = Path(gguf)
        self.tokenizer = tokenizer
        self.template = template

    def prompt_ids(self, prompt: Prompt, max_new_tokens: int = 0) -> list[int]:
        """The prompt's tokens; when prompt and answer would not fit in a sequence's cache, the oldest
        turns of the conversation are left out first (the passages and the question always stay)."""
        history = list(prompt.history)
        while True:
            ids = encode_prompt(self.template, self.tokenizer, prompt.question, prompt.passages, history)
            if not history or len(ids) + max_new_tokens <= self.engine.n_ctx:
                return ids
            history = history[1:]

    def generate(self, prompts: Sequence[Prompt], settings: GenerationSettings) -> list[str]:
        # All queued before any is read: the engine decodes them together.
        streams = [self.engine.stream(self.prompt_ids(p, settings.max_new_tokens), settings) for p in prompts]
        return ["".join(stream).strip() for stream in streams]

    def stream(
        self, prompt: Prompt, settings: GenerationSettings, should_stop: Callable[[], bool] | None = None
    ) -> Iterator[str]:
        # A generator, so that errors (a prompt too long for a sequence) come while the caller reads,
        # where the assistant turns them into its extractive answer.
        yield from self.engine.stream(self.prompt_ids(prompt, settings.max_new_tokens), settings, should_stop)

    def stats(self) -> EngineStats:
        """The engine's token counters and queue (for /metrics)."""
        return self.engine.stats()

    def close(self) -> None:
        self.engine.close()


def engine_tuning() -> dict[str, Any]:
    """Overrides of the engine's scheduling defaults, for measuring them (bench/serve_load.py):
    MEDQA_LLAMACPP_PREFILL_CHUNK (prompt tokens per step while an answer starts; the default is
    `llamacpp_engine.PREFILL_CHUNK`) and MEDQA_LLAMACPP_PREFIX_CACHE=0 (read every prompt whole)."""
    tuning: dict[str, Any] = {}
    chunk = os.environ.get("MEDQA_LLAMACPP_PREFILL_CHUNK", "").strip()
    if chunk:
        if not chunk.isdigit() or int(chunk) < 1:
            raise MedqaError(f"MEDQA_LLAMACPP_PREFILL_CHUNK must be a whole number >= 1, got {chunk!r}")
        tuning["prefill_chunk"] = int(chunk)
    cache = os.environ.get("MEDQA_LLAMACPP_PREFIX_CACHE", "").strip().lower()
    if cache:
        if cache not in ("0", "1", "false", "true"):
            raise MedqaError(f"MEDQA_LLAMACPP_PREFIX_CACHE must be 0 or 1, got {cache!r}")
        tuning["reuse_prefix"] = cache in ("1", "true")
    return tuning


class OpenAIGenerator:
    """Generation delegated to an OpenAI-compatible server (vLLM, llama.cpp server, TGI, OpenAI).

    medqa keeps retrieval, safety and citations; the server only turns the template's chat
    messages into text. Connection and HTTP errors become `RemoteGenerationError`, which the
    assistant turns into its extractive answer.
    """

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        api_key: str | None = None,
        template: PromptTemplate | None = None,
        timeout: float = 60.0,
        max_retries: int = 1,
        http_client: Any = None,
    ) -> None:
        import openai

        self.base_url = base_url
        self.model = model  # None: the first model the server lists, looked up on first use
        self.template = template or PromptTemplate()
        # Local servers accept any key, but the client insists on one.
        key = api_key or os.environ.get("OPENAI_API_KEY") or "not-needed"
        self.client = openai.OpenAI(
            base_url=base_url, api_key=key, timeout=timeout, max_retries=max_retries, http_client=http_client
        )

    def generate(self, prompts: Sequence[Prompt], settings: GenerationSettings) -> list[str]:
        return ["".join(self.stream(p, settings)).strip() for p in prompts]

    def stream(
        self, prompt: Prompt, settings: GenerationSettings, should_stop: Callable[[], bool] | None = None
    ) -> Iterator[str]:
        import httpx
        import openai

        request: dict[str, Any] = {
            "messages": self.template.messages(prompt.question, prompt.passages, prompt.history),
            "max_tokens": settings.max_new_tokens,
            "temperature": settings.temperature,
            "seed": settings.seed,
            "stream": True,
        }
        if settings.temperature > 0:
            request["top_p"] = settings.top_p
        # Neither is an OpenAI parameter: vLLM reads both (TGI the penalty), other servers ignore them.
        extra = {"repetition_penalty": settings.repetition_penalty} if settings.repetition_penalty != 1.0 else {}
        if settings.min_new_tokens:
            extra["min_tokens"] = settings.min_new_tokens
        if extra:
            request["extra_body"] = extra
        try:
            request["model"] = self.model or self._served_model()
            response = self.client.chat.completions.create(**request)
            with response:  # closing the response stops generation on the server too
                for chunk in response:
                    if should_stop and should_stop():
                        break
                    if chunk.choices and chunk.choices[0].delta.content:
                        yield chunk.choices[0].delta.content
        except (openai.APIError, httpx.HTTPError) as exc:
            raise RemoteGenerationError(f"generation server {self.base_url} failed: {_describe(exc)}") from exc

    def _served_model(self) -> str:
        models = self.client.models.list().data
        if not models:
            raise RemoteGenerationError(f"generation server {self.base_url} serves no model")
        self.model = models[0].id
        return self.model


def _describe(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    first = (str(exc).splitlines() or [type(exc).__name__])[0]
    return f"HTTP {status}: {first}" if status else f"{type(exc).__name__}: {first}"


def gguf_source(model: str) -> tuple[Path, Any, PromptTemplate] | None:
    """(GGUF file, tokenizer, prompt template) for `model` when a GGUF of its weights exists:
    the bundled GGUF for the bundled base model, FOLDER/model.gguf for an export or a run; else None."""
    import json

    if model == BUNDLED_MODEL:
        return bundled_gguf(), serving_tokenizer(resolve_model(model)), PromptTemplate()
    folder = Path(model)
    if not (folder / GGUF_FILE).is_file():
        return None
    if (folder / "tokenizer_config.json").is_file():  # an export carries its tokenizer
        tokenizer_path = str(folder)
    elif (folder / ADAPTER_DIR / "tokenizer_config.json").is_file():
        tokenizer_path = str(folder / ADAPTER_DIR)
    else:  # a run: its base model's tokenizer
        base = json.loads((folder / TRAIN_INFO_FILE).read_text(encoding="utf-8"))["base_model"]
        tokenizer_path = resolve_model(base)
    return folder / GGUF_FILE, serving_tokenizer(tokenizer_path), PromptTemplate.load(folder)


def serving_tokenizer(path: str) -> Any:
    """The tokenizer of `path` for serving: the torch-free `LightTokenizer` where it gives exactly the
    ids transformers would (a fast tokenizer.json, as SmolLM2 and every medqa export have), else the
    transformers tokenizer. Loading transformers' tokenizer imports torch: ~320 MB of memory."""

    try:
        light = load_light_tokenizer(path)
    except MedqaError:
        return load_tokenizer(path)
    return light if light.exact_class else load_tokenizer(path)
