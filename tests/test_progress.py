"""progress_bar: a bar on a terminal, and plain lines with rate and ETA when the output is a file or a pipe."""

from __future__ import annotations

import io

from rich.console import Console

from medqa.progress import eta_text, progress_bar, progress_line


def test_off_a_terminal_it_prints_a_line_with_rate_and_eta_every_interval_and_at_the_end() -> None:
    out = io.StringIO()
    with progress_bar("passages", Console(file=out, force_terminal=False, width=200)) as bar:
        bar.every = 0.0  # every update is due: the test does not wait ~10 s
        task = bar.add_task("embedding passages", total=4)
        bar.advance(task, 1)
        bar.advance(task, 3)
    lines = [line for line in out.getvalue().splitlines() if line.startswith("embedding passages:")]
    assert lines[0].startswith("embedding passages: 1/4 (25.0%)")
    assert lines[-1].startswith("embedding passages: 4/4 (100.0%)")
    assert len([line for line in lines if "4/4" in line]) == 1  # the last line once, not once per update


def test_lines_are_rate_limited() -> None:
    out = io.StringIO()
    with progress_bar("answers", Console(file=out, force_terminal=False, width=200)) as bar:
        task = bar.add_task("generating", total=1000)
        for _ in range(999):
            bar.advance(task)
    assert "generating: " not in out.getvalue().replace("generating: 1,000/1,000", "")  # no line before 10 s


def test_a_terminal_gets_the_bar_not_lines() -> None:
    out = io.StringIO()
    with progress_bar("passages", Console(file=out, force_terminal=True, width=200)) as bar:
        bar.every = 0.0
        task = bar.add_task("embedding passages", total=2)
        bar.advance(task, 2)
    assert "embedding passages: 2/2" not in out.getvalue()


def test_progress_line_and_eta_text() -> None:
    assert progress_line("dense index", 1024, 38485, 54.0, "passages") == (
        "dense index: 1,024/38,485 (2.7%), 54.0 passages/s, ETA 11:34"
    )
    assert progress_line("x", 5, None, None, "items") == "x: 5"
    assert eta_text(3725) == "1:02:05" and eta_text(None) == "?"
