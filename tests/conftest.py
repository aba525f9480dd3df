"""Shared test helpers: run the real CLI in-process and capture what a user would see."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest


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
