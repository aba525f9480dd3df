"""Shared output helpers: the project's progress bar and PNG rendering of matplotlib figures.

Every step a user waits for (index build, evaluations, export, data preparation) reports through
`progress_bar`: a bar with rate and ETA on a terminal, and a plain line every `LINE_EVERY_S` seconds
when the output is a file or a pipe (a log, CI), where a bar would print nothing for minutes.
"""

from __future__ import annotations

import io
import time
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

LINE_EVERY_S = 10.0  # a progress line this often when the output is not a terminal


class RateColumn(ProgressColumn):
    """Items per second, as rich measures it (for example '3.2 answers/s')."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.1f} {self.unit}/s" if speed else "", style="progress.data.speed")


def eta_text(seconds: float | None) -> str:
    """'1:02:03', '4:05' or '?' (unknown)."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "?"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_line(description: str, done: float, total: float | None, rate: float | None, unit: str) -> str:
    """One plain progress line: 'embedding passages: 1,024/38,485 (2.7%), 54.1 passages/s, ETA 11:32'."""
    line = f"{description}: {done:,.0f}"
    if total:
        line += f"/{total:,.0f} ({100 * done / total:.1f}%)"
    if rate:
        line += f", {rate:,.1f} {unit}/s"
        if total:
            line += f", ETA {eta_text((total - done) / rate)}"
    return line


class LoggedProgress(Progress):
    """rich's Progress that, when its console is not a terminal, prints `progress_line` every
    `every` seconds (and once at the end of each task) instead of a bar nobody sees."""

    def __init__(self, *columns: Any, unit: str, every: float = LINE_EVERY_S, **kwargs: Any) -> None:
        super().__init__(*columns, **kwargs)
        self.unit, self.every = unit, every
        self.plain = not self.console.is_terminal and not kwargs.get("disable", False)
        self._last: dict[TaskID, float] = {}

    def update(self, task_id: TaskID, **kwargs: Any) -> None:  # type: ignore[override]  # same signature, as keywords
        super().update(task_id, **kwargs)
        self._maybe_print(task_id)

    def advance(self, task_id: TaskID, advance: float = 1) -> None:
        super().advance(task_id, advance)
        self._maybe_print(task_id)

    def add_task(self, description: str, *args: Any, **kwargs: Any) -> TaskID:
        task_id = super().add_task(description, *args, **kwargs)
        self._last[task_id] = time.monotonic()
        return task_id

    def _maybe_print(self, task_id: TaskID) -> None:
        if not self.plain:
            return
        task = self._tasks[task_id]
        now = time.monotonic()
        if now - self._last.get(task_id, 0.0) < self.every and not task.finished:
            return
        if task.finished and self._last.get(task_id) == float("inf"):
            return  # the last line of this task is out already
        self._last[task_id] = float("inf") if task.finished else now
        rate = task.finished_speed or task.speed
        self.console.print(
            progress_line(task.description, task.completed, task.total, rate, self.unit), highlight=False, markup=False
        )


def progress_bar(
    unit: str, console: Console | None = None, transient: bool = False, disable: bool = False
) -> LoggedProgress:
    """Description, bar, done/total, rate, elapsed time and ETA; a plain line every ~10 s off a terminal."""
    return LoggedProgress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(unit),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=transient,
        disable=disable,
        unit=unit,
    )


def figure_png(fig: Any, dpi: int = 90) -> bytes:
    """A matplotlib figure as PNG bytes (the figure is closed)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()
