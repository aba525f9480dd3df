"""Shared fixtures: the real CLI run in-process, tiny models and data for training, a single-thread
switch for torch, and the fake retrieval index. Plain helpers live in fakes.py."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from fakes import ROWS, OneHotEmbedder, save_tiny_llama, save_tiny_t5, single_thread, write_data

if TYPE_CHECKING:
    from medqa.retrieval.index import Index


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run `medqa ARGS...` through the console entry point (the same code path as the installed script)."""
    from medqa.cli import main

    def run(*args: str) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["medqa", *map(str, args)])
        monkeypatch.setenv("COLUMNS", "200")  # rich wraps long error messages at the terminal width
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def one_thread() -> Iterator[None]:
    """Torch single-threaded for one test; a module opts in with
    `pytestmark = pytest.mark.usefixtures("one_thread")` (see `fakes.single_thread` for why)."""
    with single_thread():
        yield


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def tiny_t5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_t5(tmp_path_factory.mktemp("tiny-t5"))


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_data(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def index() -> Index:
    """The five-row corpus (fakes.ROWS) indexed with the one-hot embedder: exact, deterministic hits."""
    from medqa.retrieval.corpus import passages_from_rows  # here, not above: a second of imports
    from medqa.retrieval.index import Index

    return Index.build(passages_from_rows(ROWS), embedder=OneHotEmbedder())
