"""`medqa chat`: the grounded assistant in the terminal.

Answers stream sentence by sentence once each has passed the support check, wrapped at word
boundaries, with every cited page underneath, once, and the passage text each `[n]` points to; an
emergency reply comes in a red panel. Commands: /reset (forget the conversation), /sources (the
passages behind the last answer), /help, /quit.

On a terminal the prompt edits like a shell's (prompt_toolkit: arrows, Ctrl+R, history kept across
sessions in medqa's cache). Ctrl+C while an answer streams stops that answer and returns to the
prompt; at the prompt, Ctrl+C asks for a second press (or Ctrl+D) before leaving.
"""

from __future__ import annotations

import queue
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from medqa.assistant.answer import Answer, Assistant, Event
from medqa.resources import cache_dir
from medqa.retrieval.sources import source_link

HELP = "Commands: /reset forgets the conversation, /sources shows the last answer's passages, /quit leaves."
HISTORY_FILE = "chat_history"  # in medqa's cache: the questions asked, for the up arrow in the next session
PROMPT = "you> "
EMERGENCY_WAIT_S = (
    0.05  # the emergency reply's final event follows its text at once; an answer's next sentence does not
)
_TOKENS = re.compile(r"\n|[^\S\n]+|\S+")


class WordWrap:
    """Writes streamed text to the console, breaking lines between words (a terminal breaks them
    mid-word at its edge). Keeps the column across pieces, and holds a piece's unfinished last word
    until the next piece, so a word split over two pieces stays whole."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.column = 0
        self.space = False  # a space is owed before the next word on this line
        self.partial = ""  # the end of the last piece, which may be the start of a word

    def write(self, text: str) -> None:
        text, self.partial = self.partial + text, ""
        tokens = _TOKENS.findall(text)
        if tokens and not tokens[-1].isspace():
            self.partial = tokens.pop()
        self._emit(tokens)

    def end_line(self) -> None:
        """Flush the held word and end the line, if anything is on it."""
        self._emit([self.partial] if self.partial else [])
        self.partial = ""
        if self.column:
            self.console.print()
        self.column, self.space = 0, False

    def _emit(self, tokens: list[str]) -> None:
        width, out = self.console.width, []
        for token in tokens:
            if token == "\n":
                out.append("\n")
                self.column, self.space = 0, False
            elif token.isspace():
                self.space = self.column > 0
            else:
                size = cell_len(token)
                if self.column and self.column + self.space + size > width:
                    out.append("\n")
                    self.column, self.space = 0, False
                if self.space:
                    out.append(" ")
                    self.column += 1
                out.append(token)
                self.column += size
                self.space = False
        if out:
            self.console.print("".join(out), end="", markup=False, highlight=False, soft_wrap=True)


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
        """Stream the answer from a worker thread; this (the main) thread shows it and takes Ctrl+C,
        which stops the answer at the next token instead of raising through the generator."""
        stop = threading.Event()
        events: queue.Queue[Event | BaseException | None] = queue.Queue()
        view = _AnswerView(self.console)
        stopped = False
        try:
            threading.Thread(target=self._produce, args=(text, stop, events), daemon=True).start()
        except KeyboardInterrupt:  # pressed as the answer began: the thread runs, and stops at once
            stop.set()
            stopped = True
        while True:
            try:
                item = events.get(timeout=view.wait_s)
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                view.add(item)
            except queue.Empty:
                view.release()  # more is being written: the first text is not an emergency reply
            except KeyboardInterrupt:
                stop.set()
                stopped = True
        view.close()
        if stopped:
            self.console.print("[yellow](stopped)[/yellow]", highlight=False)
        self.history += [{"role": "user", "content": text}, {"role": "assistant", "content": view.text()}]
        if view.final is None:
            return
        self.last = view.final
        show_sources(view.final, self.console)
        self.console.print(f"[dim]{view.final.disclaimer}[/dim]\n", highlight=False)

    def _produce(self, text: str, stop: threading.Event, events: queue.Queue[Any]) -> None:
        try:
            for event in self.assistant.stream(text, list(self.history), should_stop=stop.is_set):
                if event.kind != "delta" or not stop.is_set():  # after a stop, nothing more is shown
                    events.put(event)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
            events.put(exc)
        finally:
            events.put(None)

    def _show_passages(self) -> None:
        if self.last is None or not self.last.passages:
            self.console.print("[dim]no sources yet: ask a question first[/dim]")
            return
        for number, passage in enumerate(self.last.passages, start=1):
            self.console.print(f"[bold][{number}] {passage.title}[/bold] {passage.url}", highlight=False)
            self.console.print(f"    {passage.text}", markup=False, highlight=False)


class _AnswerView:
    """What the user sees of one answer as its events arrive: a spinner until the first text, the text
    wrapped at word boundaries, and an emergency reply as a panel. The first text waits a moment
    (EMERGENCY_WAIT_S): an emergency reply is known only from the final event that follows it."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.wrap = WordWrap(console)
        self.shown: list[str] = []
        self.held: str | None = None
        self.final: Answer | None = None
        self.thinking = console.status("[dim]thinking...[/dim]") if console.is_terminal else None
        if self.thinking is not None:
            self.thinking.start()

    @property
    def wait_s(self) -> float:
        return EMERGENCY_WAIT_S if self.held is not None else 0.1

    def add(self, event: Event) -> None:
        if event.kind == "final":
            self.final = event.answer
        elif event.kind == "delta":
            self._stop_thinking()
            if self.held is None and not self.shown:
                self.held = event.text
                return
            self.release()
            self._write(event.text)

    def release(self) -> None:
        if self.held is not None:
            text, self.held = self.held, None
            self._write(text)

    def close(self) -> None:
        self._stop_thinking()
        if self.final is not None and self.final.triage == "emergency" and not self.shown:
            self.held = None
            self.shown = [self.final.answer]
            self.console.print(emergency_panel(self.final.answer))
            return
        self.release()
        self.wrap.end_line()

    def text(self) -> str:
        return "".join(self.shown).strip()

    def _write(self, text: str) -> None:
        self.shown.append(text)
        self.wrap.write(text)

    def _stop_thinking(self) -> None:
        if self.thinking is not None:
            self.thinking.stop()
            self.thinking = None


def emergency_panel(text: str) -> Panel:
    """The emergency reply, unmistakable: bold, in a red box titled EMERGENCY."""
    return Panel(Text(text, style="bold"), title="EMERGENCY", title_align="left", border_style="bold red", expand=False)


def show_sources(answer: Answer, console: Console) -> None:
    """Each cited page once, with the passage text its `[n]` points to underneath."""
    snippets = {c.number: c.snippet for c in answer.citations}
    originals = {c.url: c.original_url for c in answer.citations}
    for numbers, title, url in answer.sources():
        link = source_link(originals.get(url) or url)  # MedQuAD's 2017 address, and where the page lives today
        console.print(f"  {''.join(f'[{n}]' for n in numbers)} {title} - {link.url}", markup=False, highlight=False)
        if link.moved or link.retired:
            note = f"first published at {link.original_url}" if link.moved else link.retired
            console.print(f"      ({note})", style="dim", markup=False, highlight=False)
        for number in numbers:
            label = f"[{number}] " if len(numbers) > 1 else ""
            console.print(f"      {label}{snippets[number]}", style="dim", markup=False, highlight=False)


def run_chat(
    assistant: Assistant | Any | Callable[[], Assistant],
    console: Console | None = None,
    read_line: Callable[[], str] | None = None,
) -> None:
    """The chat loop: read a line, answer or run the command, until /quit, Ctrl+D, or Ctrl+C twice at
    the prompt. `assistant` may be a function that loads it: the loading is then shown while it runs."""
    # Ctrl+C must reach the chat as KeyboardInterrupt even when it was started with SIGINT ignored (a shell
    # runs background jobs so, and Python then installs no handler); the caller's handler is put back.
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _chat_loop(assistant, console or Console(), read_line)
    finally:
        if threading.current_thread() is threading.main_thread() and previous is not None:
            signal.signal(signal.SIGINT, previous)


def _chat_loop(
    assistant: Assistant | Any | Callable[[], Assistant], console: Console, read_line: Callable[[], str] | None
) -> None:
    if not hasattr(assistant, "stream"):
        started = time.perf_counter()
        with console.status("Loading the model and the search index..."):
            assistant = assistant()
        console.print(f"[dim]loaded in {time.perf_counter() - started:.1f} s[/dim]")
    read = read_line or _line_reader(console)
    session = ChatSession(assistant, console)
    console.print(f"[bold]medqa chat[/bold] - health questions answered from trusted sources. {HELP}")
    interrupted = False
    while True:
        try:
            line = read()
        except EOFError:
            console.print()
            return
        except KeyboardInterrupt:
            if interrupted:
                console.print()
                return
            interrupted = True
            console.print("[dim](press Ctrl+C again, or Ctrl+D, to leave)[/dim]", highlight=False)
            continue
        interrupted = False
        if not session.handle(line):
            return


def _line_reader(console: Console) -> Callable[[], str]:
    """prompt_toolkit's line editor with persistent history on a terminal; rich's plain input on a pipe."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return lambda: console.input(f"[bold cyan]{PROMPT.strip()}[/bold cyan] ")
    from prompt_toolkit import PromptSession
    from prompt_toolkit.formatted_text import HTML
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    history: FileHistory | InMemoryHistory
    try:
        path = cache_dir() / HISTORY_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        history = FileHistory(str(path))
    except OSError:  # a read-only cache: history for this session only
        history = InMemoryHistory()
    session: PromptSession[str] = PromptSession(history=history)
    prompt = HTML(f"<ansicyan><b>{PROMPT.strip()}</b></ansicyan> ")
    return lambda: session.prompt(prompt)
