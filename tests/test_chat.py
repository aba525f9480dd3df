"""The terminal chat driven with scripted input and a fake assistant: streaming, sources, commands,
Ctrl+C stopping one answer without leaving."""

from __future__ import annotations

import io
import os
import signal
import time
from collections.abc import Iterator

from rich.console import Console

from medqa.assistant.answer import Answer, Citation, Event
from medqa.assistant.triage import DISCLAIMER
from medqa.chat import run_chat
from medqa.retrieval.index import RetrievedPassage


def _passage() -> RetrievedPassage:
    return RetrievedPassage(
        "Asthma narrows the airways of the lungs.",
        0.9,
        "https://ex.org/asthma",
        "Asthma",
        "What is asthma?",
        "r1",
        7,
        dense_score=0.9,
    )


class FakeAssistant:
    """Streams fixed pieces then a final answer citing one page; records the history it was given.
    `interrupt_after`: send this process SIGINT (Ctrl+C) after that many pieces."""

    def __init__(self, pieces: list[str], interrupt_after: int | None = None) -> None:
        self.pieces, self.interrupt_after = pieces, interrupt_after
        self.calls: list[tuple[str, list[dict[str, str]]]] = []

    def stream(self, message: str, history=(), should_stop=None, settings=None) -> Iterator[Event]:  # noqa: ANN001
        self.calls.append((message, list(history)))
        for number, piece in enumerate(self.pieces):
            if should_stop():
                break
            yield Event("delta", piece)
            if number + 1 == self.interrupt_after:
                os.kill(os.getpid(), signal.SIGINT)  # a person presses Ctrl+C between two tokens
                deadline = time.monotonic() + 60  # a bound, not a timing: on a busy machine the main thread is slow
                while not should_stop() and time.monotonic() < deadline:
                    time.sleep(0.01)  # the next token comes only after the main thread has taken the Ctrl+C
        text = "".join(self.pieces)
        citation = Citation(1, "https://ex.org/asthma", "Asthma", 7, "Asthma narrows")
        yield Event(
            "final", answer=Answer("a1", text, [citation], "none", "none", False, DISCLAIMER, passages=[_passage()])
        )


def chat(assistant: FakeAssistant, lines: list[str]) -> str:
    out = io.StringIO()
    script = iter(lines)

    def read() -> str:
        try:
            return next(script)
        except StopIteration:
            raise EOFError from None

    run_chat(assistant, Console(file=out, width=200, color_system=None), read)
    return out.getvalue()


def test_answer_streams_with_sources_and_disclaimer():
    output = chat(FakeAssistant(["Asthma ", "narrows the airways [1]."]), ["What is asthma?"])
    assert "Asthma narrows the airways [1]." in output
    assert "[1] Asthma - https://ex.org/asthma" in output
    assert DISCLAIMER.split()[0] in output


def test_history_is_kept_and_reset_clears_it():
    assistant = FakeAssistant(["It is a disease."])
    chat(assistant, ["What is asthma?", "How is it treated?", "/reset", "And gout?"])
    assert assistant.calls[0][1] == []
    assert assistant.calls[1][1] == [
        {"role": "user", "content": "What is asthma?"},
        {"role": "assistant", "content": "It is a disease."},
    ]
    assert assistant.calls[2][1] == []


def test_sources_command_shows_the_passages_of_the_last_answer():
    output = chat(FakeAssistant(["Yes."]), ["/sources", "What is asthma?", "/sources"])
    assert "no sources yet" in output
    assert "Asthma narrows the airways of the lungs." in output


def test_quit_and_unknown_commands():
    assistant = FakeAssistant(["x"])
    output = chat(assistant, ["/nope", "/quit", "never asked"])
    assert "unknown command /nope" in output
    assert assistant.calls == []


def test_ctrl_c_stops_the_answer_and_the_chat_goes_on():
    assistant = FakeAssistant(["First ", "second ", "third."], interrupt_after=1)
    before = signal.getsignal(signal.SIGINT)
    output = chat(assistant, ["What is asthma?", "/sources"])
    assert "First" in output and "second" not in output and "(stopped)" in output
    assert assistant.calls[0][0] == "What is asthma?"
    assert "Asthma narrows the airways of the lungs." in output  # /sources still ran after the stop
    assert signal.getsignal(signal.SIGINT) is before  # the caller's handler was put back


def test_chat_reads_a_real_stdin_in_a_subprocess():
    """The real input path (rich's console.input on a pipe), ending at end of input."""
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from test_chat import FakeAssistant; from medqa.chat import run_chat;"
        "run_chat(FakeAssistant(['Asthma ', 'narrows the airways [1].']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(Path(__file__).parent)],
        input="What is asthma?\n/sources\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Asthma narrows the airways [1]." in done.stdout
    assert "Asthma narrows the airways of the lungs." in done.stdout


def test_each_page_is_listed_once_with_the_snippets_its_markers_point_to():
    class TwoPassages(FakeAssistant):
        def stream(self, message, history=(), should_stop=None, settings=None):  # noqa: ANN001
            yield Event("delta", "Asthma narrows the airways [1]. “An inhaler opens them” [2].")
            citations = [
                Citation(1, "https://ex.org/asthma", "Asthma", 7, "Asthma narrows the airways of the lungs."),
                Citation(2, "https://ex.org/asthma", "Asthma", 8, "An inhaler opens them."),
            ]
            text = "Asthma narrows the airways [1]. “An inhaler opens them” [2]."
            yield Event("final", answer=Answer("a2", text, citations, "none", "none", False, DISCLAIMER))

    output = chat(TwoPassages([]), ["What is asthma?"])
    assert output.count("https://ex.org/asthma") == 1 and "[1][2] Asthma - https://ex.org/asthma" in output
    assert "[1] Asthma narrows the airways of the lungs." in output and "[2] An inhaler opens them." in output
