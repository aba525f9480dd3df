"""The web page in a real browser (Debian's chromium driven by Playwright) against a real server
with the fake assistant: streaming, sources, disclaimer, the emergency banner, safe rendering."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fakes import EMERGENCY, StubTriage, live_server
from medqa.assistant.answer import Assistant, AssistantConfig
from medqa.inference.base import GenerationSettings, Prompt
from medqa.retrieval.index import Index

CHROMIUM = Path(os.environ.get("MEDQA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "screenshot.png"
WAIT_MS = 30_000  # a bound on waiting for the page, not a performance threshold

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]


class GatedGenerator:
    """Streams an answer that depends on the question. The first sentence of the inhaler answer is
    followed by a wait for `gate`, so the test can see streamed text before the answer ends (the
    output guard shows text a sentence at a time)."""

    name = "gated"

    def __init__(self) -> None:
        self.gate = threading.Event()

    def stream(
        self, prompt: Prompt, settings: GenerationSettings, should_stop: Callable[[], bool] | None = None
    ) -> Iterator[str]:
        if "html" in prompt.question:
            yield "An inhaler <img src=x onerror=alert(1)> opens the airways [1]. "
            yield "Asthma **narrows** the airways. "
            yield "Use it as prescribed and see [the guide](javascript:alert(2))."  # unsupported: never shown
            return
        yield "An inhaler opens the airways quickly [1]. "
        self.gate.wait(timeout=30)
        yield "*Asthma* narrows the airways [1]."  # a sentence the passage supports, in Markdown


@pytest.fixture
def assistant(index: Index) -> Assistant:
    triage = StubTriage({"face drooping": EMERGENCY})
    return Assistant(index, triage, GatedGenerator(), AssistantConfig(k=2, min_relevance=0.5))


@pytest.fixture
def page(tmp_path: Path, assistant: Assistant) -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api")
    with live_server(tmp_path, assistant) as url, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 760, "height": 860})
        page.set_default_timeout(WAIT_MS)
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(url)
        page.dialogs = dialogs
        yield page
        browser.close()


def ask(page, question: str) -> None:  # noqa: ANN001
    page.get_by_label("Your question").fill(question)
    page.keyboard.press("Enter")


def test_chat_streams_cites_and_shows_the_disclaimer(page, assistant: Assistant) -> None:  # noqa: ANN001
    ask(page, "How is asthma treated with an inhaler?")
    answer = page.locator(".msg.assistant .answer").last
    answer.get_by_text("An inhaler opens the airways").wait_for()  # streamed: the rest is not generated yet
    assert page.locator(".msg.assistant .sources").count() == 0
    assert page.locator("#stop").is_visible()
    assistant.generator.gate.set()
    source = page.locator(".msg.assistant .sources a").first
    source.wait_for()
    assert source.get_attribute("href") == "https://ex.org/asthma"
    assert source.get_attribute("rel") == "noopener noreferrer" and source.get_attribute("target") == "_blank"
    assert answer.locator("em").inner_text() == "Asthma"  # Markdown italics
    assert page.locator(".msg.assistant .disclaimer").last.is_visible()
    assert page.locator("#disclaimer").is_visible()
    assert page.locator("#emergency").is_hidden()
    assert page.evaluate("document.activeElement.id") == "question"  # focus back in the question box
    page.get_by_role("button", name="Helpful", exact=True).click()
    page.get_by_text("Thanks for the feedback.").wait_for()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    page.reload()  # the conversation is kept in the browser
    page.locator(".msg.assistant .sources a").first.wait_for()
    page.get_by_role("button", name="New chat").click()
    assert page.locator(".msg").count() == 0


def test_emergency_shows_the_banner_on_a_phone_sized_screen(page) -> None:  # noqa: ANN001
    page.set_viewport_size({"width": 375, "height": 720})
    ask(page, "my dad's face drooping right now")
    banner = page.get_by_role("alert")
    banner.wait_for()
    assert "emergency" in banner.inner_text().lower()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling


def test_html_is_shown_as_text_or_removed(page) -> None:  # noqa: ANN001
    ask(page, "asthma inhaler html <img src=x onerror=alert(1)>")
    # the user's own message is put into the page as text...
    page.locator(".msg.user").last.get_by_text("<img src=x onerror=alert(1)>").wait_for()
    answer = page.locator(".msg.assistant .answer").last
    page.locator(".msg.assistant .sources").wait_for()
    # ...and the model's tags are removed by the output guard before they reach the page
    assert "An inhaler opens the airways" in answer.inner_text() and "onerror" not in answer.inner_text()
    assert page.locator("img").count() == 0 and page.dialogs == []
    assert answer.locator("strong").inner_text() == "narrows"
    # a javascript: link never becomes a link; the only links are the [n] snippets' source pages
    assert answer.locator("a[href^='javascript']").count() == 0
    assert answer.locator("a").count() == answer.locator(".cite a").count()
