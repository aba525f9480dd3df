"""Everything the assistant needs, loaded once: the index (built on first use), triage, the generator."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from medqa.assistant.answer import Assistant, AssistantConfig
from medqa.assistant.triage import default_triage
from medqa.inference.load import load_generator
from medqa.prompt import GENERATION_FILE, Decoding
from medqa.resources import cache_dir
from medqa.retrieval.embedding import Embedder, MiniLMEmbedder
from medqa.retrieval.index import FORMAT_VERSION, Index, IndexConfig, IndexDamaged
from medqa.retrieval.staged import open_or_stage, staging_dir

log = logging.getLogger("medqa")


def default_index_dir() -> Path:
    """Where the bundled-corpus index lives once built: the user's medqa cache."""
    return cache_dir() / "index" / f"medquad-v{FORMAT_VERSION}"


def ensure_index(
    index: Path | None,
    console: Any = None,
    embedder: Embedder | None = None,
    corpus: IndexConfig | None = None,
) -> Index:
    """Open `index` (quick checks; the caller verifies every file's checksum, e.g. in the background),
    or the bundled-corpus index of the cache: fully verified when complete (it is small, ~0.1 s of
    sha256, and medqa can rebuild it, so a damaged one is rebuilt, saying why); on a fresh cache its
    staged build (`medqa.retrieval.staged`), which answers at once from BM25 and the dense vectors
    ready so far while the rest is computed in the background (a worker process at the lowest CPU
    priority) and swapped in when complete. `embedder` and `corpus` (default: MiniLM and the bundled
    corpus) let tests index something smaller; a given `embedder` also computes the background
    vectors, in a thread of this process."""
    if index is not None:
        return Index.load(index, embedder)
    path = default_index_dir()
    query_embedder = embedder or MiniLMEmbedder()
    try:
        loaded, complete = open_or_stage(path, corpus or IndexConfig(), query_embedder, embedder)
    except IndexDamaged as exc:
        _say(console, f"{exc}. It is medqa's own cache: rebuilding it now, in the background ...", warning=True)
        shutil.rmtree(path, ignore_errors=True)
        shutil.rmtree(staging_dir(path), ignore_errors=True)
        loaded, complete = open_or_stage(path, corpus or IndexConfig(), query_embedder, embedder)
    if not complete:
        _say(
            console,
            f"the bundled corpus index is being completed in the background ({100 * loaded.dense_fraction:.0f}% of "
            f"its dense vectors ready, into {path}); answering from BM25 and those meanwhile",
        )
    return loaded


def _say(console: Any, message: str, warning: bool = False) -> None:
    """To the terminal when there is one, else to the log (the server's stderr)."""
    if console is not None:
        from rich.markup import escape

        console.print(f"[yellow]warning:[/yellow] {escape(message)}" if warning else escape(message))
    elif warning:
        log.warning("%s", message)
    else:
        log.info("%s", message)


def load_assistant(
    model: str | None = None,
    index: Path | None = None,
    config: AssistantConfig | None = None,
    console: Any = None,
    backend: str = "auto",
    base_url: str | None = None,
    api_model: str | None = None,
    allow_fallback: bool = True,
) -> Assistant:
    """Everything the assistant needs, loaded once: index, triage, generator (see `load_generator`;
    `allow_fallback=False` refuses transformers when a GGUF exists but llama.cpp cannot load it)."""
    loaded_index = ensure_index(index, console)
    loaded_index.embedder.encode(["warm-up"])  # the query embedder loads now, not on the first question
    generator, error, name = load_generator(model, backend, base_url, api_model, allow_fallback=allow_fallback)
    source = model or name
    if source and (Path(source) / GENERATION_FILE).is_file():  # a trained model answers as it was taught to
        config = (config or AssistantConfig()).with_decoding(Decoding.load(source))
    if error and console is not None:
        if generator is None:
            console.print(f"[yellow]warning:[/yellow] no language model ({error}); answers will be extractive")
        else:
            console.print(f"[yellow]warning:[/yellow] {error}")
    return Assistant(loaded_index, default_triage(), generator, config, generator_error=error)
