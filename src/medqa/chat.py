"""`medqa chat`: the grounded assistant in the terminal.

Answers stream sentence by sentence once each has passed the support check, with every cited page
underneath, once, and the passage text each `[n]` points to. Commands: /reset
(forget the conversation), /sources (the passages behind the last answer), /help, /quit.
Ctrl+C while an answer streams stops that answer and returns to the prompt; Ctrl+C or Ctrl+D at
the prompt leaves.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console

from medqa.assistant.answer import Answer, Assistant

HELP = "Commands: /reset forgets the conversation, /sources shows the last answer's passages, /quit leaves."


class ChatSession:
    """The conversation state and the command/answer logic, independent of where input comes from."""

    def __init__(self, assistant: Assistant | Any, console: Console) -> None:
        self.assistant = assistant
        self.console = console
        self.history: list[dict[str, str]] = []
        self.last: Answer | None = None

    def handle(self, line: str) -> bool:
        """Act on one input line; False means the user wants to leave."""
        text = line.strip()
        if not text:
            return True
        if text.startswith("/"):
            return self._command(text.split()[0].lower())
        self._ask(text)
        return True

    def _command(self, command: str) -> bool:
        if command in ("/quit", "/exit", "/q"):
            return False
        if command == "/reset":
            self.history.clear()
            self.last = None
            self.console.print("[dim]conversation cleared[/dim]")
        elif command == "/sources":
            self._show_passages()
        elif command == "/help":
            self.console.print(HELP)
        else:
            self.console.print(f"unknown command {command}. {HELP}", markup=False, highlight=False)
        return True

    def _ask(self, text: str) -> None:
        stop = threading.Event()
        shown: list[str] = []
        final: Answer | None = None
        with _interrupt_sets(stop):
            try:
                for event in self.assistant.stream(text, list(self.history), should_stop=stop.is_set):
                    if event.kind == "final":
                        final = event.answer
                    elif event.kind == "delta" and not stop.is_set():  # after a stop, skip what is added
                        shown.append(event.text)
                        self.console.print(event.text, end="", markup=False, highlight=False)
            except KeyboardInterrupt:  # raised outside the main thread's handler (or a second Ctrl+C)
                stop.set()
        self.console.print()
        if stop.is_set():
            self.console.print("[yellow](stopped)[/yellow]")
        self.history += [{"role": "user", "content": text}, {"role": "assistant", "content": "".join(shown).strip()}]
        if final is None:
            return
        self.last = final
        show_sources(final, self.console)
        self.console.print(f"[dim]{final.disclaimer}[/dim]\n", highlight=False)

    def _show_passages(self) -> None:
        if self.last is None or not self.last.passages:
            self.console.print("[dim]no sources yet: ask a question first[/dim]")
            return
        for number, passage in enumerate(self.last.passages, start=1):
            self.console.print(f"[bold][{number}] {passage.title}[/bold] {passage.url}", highlight=False)
            self.console.print(f"    {passage.text}", markup=False, highlight=False)


def show_sources(answer: Answer, console: Console) -> None:
    """Each cited page once, with the passage text its `[n]` points to underneath."""
    snippets = {c.number: c.snippet for c in answer.citations}
    for numbers, title, url in answer.sources():
        console.print(f"  {''.join(f'[{n}]' for n in numbers)} {title} - {url}", markup=False, highlight=False)
        for number in numbers:
            label = f"[{number}] " if len(numbers) > 1 else ""
            console.print(f"      {label}{snippets[number]}", style="dim", markup=False, highlight=False)


def run_chat(
    assistant: Assistant | Any, console: Console | None = None, read_line: Callable[[], str] | None = None
) -> None:
    """The chat loop: read a line, answer or run the command, until /quit, Ctrl+D or Ctrl+C at the prompt."""
    console = console or Console()
    read = read_line or (lambda: console.input("[bold cyan]you>[/bold cyan] "))
    session = ChatSession(assistant, console)
    console.print(f"[bold]medqa chat[/bold] - health questions answered from trusted sources. {HELP}")
    while True:
        try:
            line = read()
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if not session.handle(line):
            return


@contextmanager
def _interrupt_sets(stop: threading.Event) -> Iterator[None]:
    """While an answer streams, Ctrl+C sets `stop` (the generator ends cleanly at the next token)
    instead of raising through it. Only the main thread can install signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda _signum, _frame: stop.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
