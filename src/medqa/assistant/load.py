"""Everything the assistant needs, loaded once: the index (built on first use), triage, the generator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medqa.assistant.answer import Assistant, AssistantConfig
from medqa.assistant.triage import default_triage
from medqa.inference.load import load_generator
from medqa.resources import cache_dir
from medqa.retrieval.index import FORMAT_VERSION, Index, IndexConfig, build_index


def default_index_dir() -> Path:
    """Where the bundled-corpus index lives once built: the user's medqa cache."""
    return cache_dir() / "index" / f"medquad-v{FORMAT_VERSION}"


def ensure_index(index: Path | None, console: Any = None) -> Index:
    """Open `index`, or the bundled-corpus index (built on first use, with a progress bar)."""
    if index is not None:
        return Index.load(index)
    path = default_index_dir()
    if not (path / "index.json").is_file():
        if console is not None:
            console.print(f"building the index of the bundled corpus once, into {path} (a few minutes) ...")
        build_index(IndexConfig(), path, overwrite=path.exists())
    return Index.load(path)


def load_assistant(
    model: str | None = None,
    index: Path | None = None,
    config: AssistantConfig | None = None,
    console: Any = None,
    backend: str = "auto",
    base_url: str | None = None,
    api_model: str | None = None,
) -> Assistant:
    """Everything the assistant needs, loaded once: index, triage, generator (see `load_generator`)."""
    loaded_index = ensure_index(index, console)
    loaded_index.embedder.encode(["warm-up"])  # the query embedder loads now, not on the first question
    generator, error, _ = load_generator(model, backend, base_url, api_model)
    if error and console is not None:
        console.print(f"[yellow]warning:[/yellow] no language model ({error}); answers will be extractive")
    return Assistant(loaded_index, default_triage(), generator, config, generator_error=error)
