"""The web page in a real browser (Debian's chromium driven by Playwright) against a real server
with the fake assistant: streaming, sources, disclaimer, the emergency banner, safe rendering, the
loading and error states, conversations kept in the browser, and the screenshots under docs/."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes import ASTHMA, EMERGENCY, StubTriage, live_server
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
DOCS = Path(__file__).resolve().parents[1] / "docs"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
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
def browser(tmp_path: Path, assistant: Assistant) -> Iterator[Callable[..., Any]]:
    """Opens the page in a fresh browser context (its own localStorage) with the given options; each
    page records console errors and failed requests in `page.problems`."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with live_server(tmp_path, assistant) as url, sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

        def open_page(viewport: dict[str, int] = DESKTOP, **options: Any) -> Any:
            context = chromium.new_context(viewport=viewport, **options)
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            page.dialogs, page.problems = [], []
            page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
            page.on("console", lambda message: message.type == "error" and page.problems.append(message.text))
            page.on("response", lambda r: r.status >= 400 and page.problems.append(f"{r.status} {r.url}"))
            page.goto(url)
            return page

        yield open_page
        chromium.close()


@pytest.fixture
def page(browser: Callable[..., Any]) -> Any:
    return browser()


def ask(page, question: str) -> None:  # noqa: ANN001
    page.get_by_label("Your question").fill(question)
    page.keyboard.press("Enter")


def answered(page) -> Any:  # noqa: ANN001
    """The last answer, once its sources are shown (the answer is complete)."""
    last = page.locator(".msg.assistant").last
    last.locator(".sources a").first.wait_for()
    return last


def test_chat_streams_cites_and_keeps_feedback_across_a_reload(page, assistant: Assistant) -> None:  # noqa: ANN001
    ask(page, ASTHMA)
    answer = page.locator(".msg.assistant .answer").last
    answer.get_by_text("An inhaler opens").wait_for()  # streamed: the rest is not generated yet
    assert page.locator(".msg.assistant .sources").count() == 0
    assert page.locator(".msg.assistant .typing").is_visible()  # the typing indicator while it writes
    assert page.locator("#stop").is_visible()
    assistant.generator.gate.set()
    source = answered(page).locator(".sources a").first
    assert source.get_attribute("href") == "https://ex.org/asthma"
    assert source.get_attribute("rel") == "noopener noreferrer" and source.get_attribute("target") == "_blank"
    assert page.locator(".typing").count() == 0
    assert page.locator(".msg.assistant .disclaimer").last.is_visible()
    assert page.locator("#disclaimer").is_visible()
    assert page.locator("#emergency").is_hidden()
    assert page.evaluate("document.activeElement.id") == "question"  # focus back in the question box
    # each [n] opens the passage text it points to
    cite = answer.locator(".cite button").first
    cite.click()
    assert cite.get_attribute("aria-expanded") == "true"
    snippet = answer.locator(".cite.open .snippet").first
    assert snippet.is_visible() and "Asthma" in snippet.inner_text()
    cite.click()
    # the feedback buttons say which answer they are about
    helpful = page.get_by_role("button", name=f"Helpful: the answer to “{ASTHMA}”", exact=True)
    helpful.click()
    page.get_by_text("Thanks for the feedback.").wait_for()
    page.get_by_role("button", name="Copy the answer and its sources").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "An inhaler opens" in copied and "[1] Asthma - https://ex.org/asthma" in copied
    page.screenshot(path=str(DOCS / "screenshot.png"))
    page.reload()  # the conversation and the feedback given are kept in the browser
    answered(page)
    assert helpful.get_attribute("aria-pressed") == "true"
    first_id = page.evaluate("JSON.parse(localStorage.getItem('medqa.chats.v2')).conversations[0].messages[1].medqa.id")
    page.get_by_role("button", name="Regenerate").click()
    page.locator(".typing").wait_for(state="detached")
    answered(page)
    assert page.locator(".msg.assistant").count() == 1 and page.locator(".msg.user").count() == 1
    new_id = page.evaluate("JSON.parse(localStorage.getItem('medqa.chats.v2')).conversations[0].messages[1].medqa.id")
    assert new_id != first_id
    assert helpful.get_attribute("aria-pressed") == "false"  # a new answer, not yet rated
    assert page.problems == []  # the favicon is found; no console errors


def test_stop_edit_and_a_second_conversation_survive_a_reload(page, assistant: Assistant) -> None:  # noqa: ANN001
    ask(page, ASTHMA)
    page.locator(".msg.assistant .answer").get_by_text("An inhaler opens").wait_for()
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("Stopped before the end").wait_for()
    assistant.generator.gate.set()  # lets the server's worker finish
    page.reload()
    page.get_by_text("Stopped before the end").wait_for()  # the stopped answer is kept, with what it showed
    assert "An inhaler opens" in page.locator(".msg.assistant").inner_text()
    assert page.get_by_role("button", name="Retry").is_visible()
    page.get_by_role("button", name="New chat").click()
    assert page.locator(".msg").count() == 0
    ask(page, "What is anemia and does iron help?")
    answered(page)
    page.reload()
    chats = page.locator("#conversations")
    assert chats.locator("li").count() == 2
    assert chats.get_by_role("button", name="What is anemia and does iron help?", exact=True).get_attribute(
        "aria-current"
    )
    chats.get_by_role("button", name=ASTHMA, exact=True).click()  # the first conversation, kept
    page.get_by_text("Stopped before the end").wait_for()
    page.get_by_role("button", name=re.compile("^Edit and resend")).click()
    box = page.get_by_label("Your question")
    assert box.input_value() == ASTHMA
    box.fill("How does an inhaler help asthma?")
    page.keyboard.press("Enter")
    answered(page)
    assert page.locator(".msg.user .text").all_inner_texts() == ["How does an inhaler help asthma?"]
    assert page.locator(".msg.assistant").count() == 1 and page.get_by_text("Stopped before the end").count() == 0
    assert chats.get_by_role("button", name="How does an inhaler help asthma?", exact=True).count() == 1  # renamed


def test_loading_state_keeps_the_question_and_errors_offer_a_retry(page, assistant: Assistant) -> None:  # noqa: ANN001
    """While the server loads, /ready answers 503 with progress (intercepted here, in the server's shape):
    the page shows it, keeps a question typed meanwhile, even across a reload, and sends it once ready."""
    assistant.generator.gate.set()
    loading = threading.Event()
    loading.set()
    progress = {"stage": "building the search index", "fraction": 0.42, "eta_s": 300}
    body = json.dumps({"status": "loading", "reason": "the assistant is still loading", "progress": progress})

    def ready(route) -> None:  # noqa: ANN001
        if loading.is_set():
            route.fulfill(status=503, content_type="application/json", body=body)
        else:
            route.continue_()

    page.route("**/ready", ready)
    page.reload()
    page.get_by_text("The assistant is loading.").wait_for()
    detail = page.locator("#status-detail").inner_text()
    assert "Building the search index" in detail and "42% done" in detail and "about 5 min left" in detail
    assert page.locator("#status-progress").evaluate("p => p.value") == pytest.approx(0.42)
    ask(page, ASTHMA)
    waiting = page.get_by_text("your question will be sent as soon as it is ready")
    waiting.wait_for()
    page.reload()
    waiting.wait_for()  # not lost on a reload either
    assert page.locator(".msg.user .text").inner_text() == ASTHMA
    loading.clear()
    answered(page)
    assert page.locator("#status").is_hidden() and page.locator(".msg.assistant").count() == 1

    busy = threading.Event()
    busy.set()
    refusal = json.dumps({"error": {"message": "the server is busy: retry shortly", "type": "service_unavailable"}})

    def chat(route) -> None:  # noqa: ANN001
        if busy.is_set():
            busy.clear()
            route.fulfill(status=503, content_type="application/json", body=refusal, headers={"Retry-After": "2"})
        else:
            route.continue_()

    page.route("**/v1/chat/completions", chat)
    ask(page, "What is diabetes and insulin?")
    page.locator("#messages").get_by_text("The assistant cannot answer right now. The server is busy").wait_for()
    page.get_by_role("button", name="Retry").click()
    assert "Diabetes" in answered(page).locator(".sources").inner_text()


def test_emergency_banner_stays_while_a_later_question_is_answered_on_a_phone(browser, assistant) -> None:  # noqa: ANN001
    assistant.generator.gate.set()
    page = browser(viewport=PHONE)
    ask(page, "my dad's face drooping right now")
    banner = page.get_by_role("alert")
    banner.wait_for()
    assert "emergency" in banner.inner_text().lower()
    ask(page, ASTHMA)
    last = answered(page)  # answered below the banner, not given the emergency text again
    assert "inhaler" in last.inner_text().lower() and "urgent" not in (last.get_attribute("class") or "")
    assert banner.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    page.screenshot(path=str(DOCS / "screenshot-phone.png"), full_page=True)


def test_dark_mode_follows_the_system(browser, assistant) -> None:  # noqa: ANN001
    assistant.generator.gate.set()
    page = browser(color_scheme="dark")
    ask(page, ASTHMA)
    answered(page)
    background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    red, green, blue = map(int, re.findall(r"\d+", background)[:3])
    assert red + green + blue < 150, background  # a dark page, not the light one
    page.screenshot(path=str(DOCS / "screenshot-dark.png"))


def test_a_long_message_is_refused_visibly_and_lists_render_as_lists(page) -> None:  # noqa: ANN001
    box = page.get_by_label("Your question")
    text = "word " * 820 + "What is asthma?"  # 4,115 characters: the question at the end must not be cut
    box.fill(text)
    page.keyboard.press("Enter")
    page.get_by_text("Too long to send: 4,115 characters, 115 over the limit of 4,000.").wait_for()
    assert box.input_value() == text and box.get_attribute("aria-invalid") == "true"
    assert page.locator(".msg").count() == 0
    # answers with an intro line and a list, as the assistant (sentences) and an older page (text) kept them
    sentence = {"source": "generated", "citations": [1], "evidence": ["Glaucoma is treated with eye drops."]}
    structured = {
        "id": "a1",
        "answer": "",
        "triage": "none",
        "disclaimer": "Not medical advice.",
        "notes": "",
        "citations": [{"number": 1, "url": "https://ex.org/glaucoma", "title": "Glaucoma", "snippet": "..."}],
        "sentences": [
            {**sentence, "text": "The treatments for glaucoma are:\n"},
            {**sentence, "text": "- Medications\n"},
            {**sentence, "text": "- Laser surgery", "source": "quoted"},
        ],
    }
    plain = {**structured, "id": "a2", "sentences": [], "answer": "The symptoms are:\n- Eye pain\n- Blurred vision"}
    messages = [{"role": "user", "content": "Glaucoma?"}, {"role": "assistant", "medqa": structured}]
    messages += [{"role": "user", "content": "Symptoms?"}, {"role": "assistant", "medqa": plain}]
    chats = {"current": "c1", "conversations": [{"id": "c1", "title": "Glaucoma?", "updated": 1, "messages": messages}]}
    page.evaluate("chats => localStorage.setItem('medqa.chats.v2', JSON.stringify(chats))", chats)
    page.reload()
    first, second = page.locator(".msg.assistant .answer").all()
    assert first.locator("p").first.inner_text().startswith("The treatments for glaucoma are:")
    assert [t.split(" [")[0] for t in first.locator("li").all_inner_texts()] == ["Medications", "Laser surgery"]
    assert first.locator("li q.quote").inner_text() == "Laser surgery"  # a quoted sentence looks like a quote
    assert second.locator("li").all_inner_texts() == ["Eye pain", "Blurred vision"]
    assert "- " not in second.inner_text()


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
