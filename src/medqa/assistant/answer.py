"""The grounded assistant: safety check -> retrieve -> grounded prompt -> generate -> cite -> disclaimer.

It knows nothing of HTTP or terminals: the server, the terminal chat, `medqa ask` and grounded
evaluation all call `Assistant.answer` or `Assistant.stream`. What it guarantees, whatever the
user writes and whatever the model generates:

- triage runs first on every message; an emergency gets the emergency response and nothing that
  delays care (no generated text after it);
- answers come from retrieved passages of the trusted corpus; without a relevant passage it
  abstains and gives general guidance instead of inventing an answer;
- every citation number in the answer points at a passage that was retrieved (other numbers are
  removed from the text as it streams);
- the disclaimer is added by this code, never by the model, so no message can remove it;
- what the model writes passes `medqa.assistant.guard` sentence by sentence: no diagnosis claims, no talk of
  the disclaimer, no repeated system prompt, no dose amounts for a personal request, no HTML; and
  chat-template markers in messages or passages never reach the prompt as special tokens;
- if the generator cannot load or fails mid-answer, the answer degrades to an extractive one from
  the passages, labelled as such.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from medqa.assistant.guard import guard_stream, guard_text, neutralize_markers, strip_markup
from medqa.assistant.triage import DISCLAIMER, PERSONAL_ADVICE_NOTE, SafetyConfig, Triage
from medqa.config import check, raise_problems
from medqa.inference.base import GenerationSettings, Generator, Prompt
from medqa.prompt import PromptTemplate
from medqa.retrieval.index import Index, RetrievedPassage

ABSTAIN_TEXT = (
    "I don't have a trusted source that answers this question, so I won't guess. For questions like this, "
    "a doctor, nurse or pharmacist is the right person to ask; MedlinePlus (medlineplus.gov) has reliable "
    "general information on many health topics."
)
EXTRACTIVE_NOTE = "(Quoted from the trusted sources: the language model gave no usable answer.)"
CITATION = re.compile(r"\[(\d{1,2})\]")  # a citation marker: [1] ... [99]
_FOLLOW_UP = re.compile(r"\b(it|its|this|that|these|those|they|them|their|he|she|his|her|the condition)\b", re.I)


@dataclass
class AssistantConfig:
    """Settings of the grounded assistant."""

    k: int = 3  # passages given to the model and cited
    min_relevance: float = 0.55  # abstain below this cosine to the best passage (bench/abstention.py)
    history_turns: int = 4  # earlier messages (user and assistant) kept in the prompt
    min_answer_words: int = 8  # a generated answer shorter than this is replaced by the extractive one
    generation: GenerationSettings = field(default_factory=lambda: GenerationSettings(max_new_tokens=200))
    safety: SafetyConfig = field(default_factory=SafetyConfig)

    def __post_init__(self) -> None:
        problems: list[str] = []
        check(problems, 1 <= self.k <= 10, f"'k' must be between 1 and 10, got {self.k}")
        check(problems, -1.0 <= self.min_relevance <= 1.0, "'min_relevance' must be a cosine in [-1, 1]")
        check(problems, self.history_turns >= 0, "'history_turns' must be >= 0")
        raise_problems(problems, "assistant settings")


@dataclass
class Citation:
    """A numbered source: `[number]` in the answer refers to this page."""

    number: int
    url: str
    title: str
    passage_id: int
    snippet: str


@dataclass
class Answer:
    """The structured answer (what `medqa ask --json` prints and the API carries)."""

    id: str
    answer: str  # the text to show: the emergency/decline text first when there is one
    citations: list[Citation]
    triage: Literal["emergency", "none"]
    triage_category: str  # stroke, self_harm, out_of_scope, personal, none...
    abstained: bool
    disclaimer: str
    extractive: bool = False
    out_of_scope: bool = False
    passages: list[RetrievedPassage] = field(default_factory=list)

    def as_dict(self, with_passages: bool = False) -> dict[str, Any]:
        data = {
            "id": self.id,
            "answer": self.answer,
            "citations": [vars(c) for c in self.citations],
            "triage": self.triage,
            "triage_category": self.triage_category,
            "abstained": self.abstained,
            "extractive": self.extractive,
            "out_of_scope": self.out_of_scope,
            "disclaimer": self.disclaimer,
        }
        if with_passages:
            data["passages"] = [vars(p) for p in self.passages]
        return data

    def full_text(self) -> str:
        """Answer, sources and disclaimer as one text (for clients that show only a message)."""
        sources = "\n".join(f"[{c.number}] {c.title} - {c.url}" for c in self.citations)
        return "\n\n".join(
            part for part in (self.answer, f"Sources:\n{sources}" if sources else "", self.disclaimer) if part
        )


@dataclass
class Event:
    """One step of a streamed answer: a piece of text, then the final structured answer."""

    kind: Literal["delta", "final"]
    text: str = ""
    answer: Answer | None = None


class Assistant:
    """Answers health questions from the trusted corpus. Thread-safe for concurrent callers as long
    as the generator is (the index and triage only read)."""

    def __init__(
        self,
        index: Index,
        triage: Triage,
        generator: Generator | None,
        config: AssistantConfig | None = None,
        generator_error: str | None = None,
    ) -> None:
        self.index = index
        self.config = config or AssistantConfig()
        self.triage = triage.with_config(self.config.safety)
        self.generator = generator
        self.generator_error = generator_error  # why there is no generator, for logs and /ready

    def answer(self, message: str, history: Sequence[dict[str, str]] = ()) -> Answer:
        """The whole answer at once."""
        final = None
        for event in self.stream(message, history):
            if event.kind == "final":
                final = event.answer
        assert final is not None  # stream() always ends with a final event
        return final

    def stream(
        self,
        message: str,
        history: Sequence[dict[str, str]] = (),
        should_stop: Callable[[], bool] | None = None,
        settings: GenerationSettings | None = None,
    ) -> Iterator[Event]:
        """Text pieces as they are ready, then one final event with the structured answer."""
        answer_id = f"ans-{uuid.uuid4().hex[:16]}"
        history = _clean_history(history, self.config.history_turns)
        user_turns = [t["content"] for t in history if t["role"] == "user"]
        verdict = self.triage.assess(message, user_turns)
        if verdict.is_emergency:
            # The emergency text and nothing else: anything more would only delay care.
            yield Event("delta", verdict.response)
            yield Event(
                "final",
                answer=Answer(answer_id, verdict.response, [], "emergency", verdict.category, False, DISCLAIMER),
            )
            return
        if verdict.out_of_scope:
            yield Event("delta", verdict.response)
            yield Event(
                "final",
                answer=Answer(
                    answer_id, verdict.response, [], "none", "out_of_scope", False, DISCLAIMER, out_of_scope=True
                ),
            )
            return
        passages = self.index.retrieve(self._retrieval_query(message, user_turns), self.config.k)
        relevant = [p for p in passages if p.dense_score >= self.config.min_relevance]
        prefix = PERSONAL_ADVICE_NOTE + "\n\n" if verdict.personal else ""
        if not relevant:
            text = prefix + ABSTAIN_TEXT
            yield Event("delta", text)
            yield Event(
                "final",
                answer=Answer(answer_id, text, [], "none", verdict.category, True, DISCLAIMER, passages=passages),
            )
            return
        if prefix:
            yield Event("delta", prefix)
        body, extractive = "", False
        pieces = self._generate(message, history, relevant, should_stop, settings, verdict.personal)
        try:
            for piece in pieces:
                body += piece
                yield Event("delta", piece)
        except Exception:  # noqa: BLE001 - any generator failure degrades to the extractive answer
            extractive = True
        if self.generator is None or extractive or len(CITATION.sub("", body).split()) < self.config.min_answer_words:
            extractive = True
            fallback = guard_text(_extractive(relevant), verdict.personal, self._prompt_texts())
            separator = "\n\n" if body.strip() else ""
            yield Event("delta", separator + fallback)
            body = body + separator + fallback
        citations = _citations(body, relevant)
        yield Event(
            "final",
            answer=Answer(
                answer_id,
                prefix + body.strip(),
                citations,
                "none",
                verdict.category,
                False,
                DISCLAIMER,
                extractive=extractive,
                passages=relevant,
            ),
        )

    def _generate(
        self,
        message: str,
        history: list[dict[str, str]],
        passages: list[RetrievedPassage],
        should_stop: Callable[[], bool] | None,
        settings: GenerationSettings | None,
        personal: bool = False,
    ) -> Iterator[str]:
        if self.generator is None:
            return iter(())
        prompt = Prompt(
            neutralize_markers(message),
            [neutralize_markers(p.text) for p in passages],  # a passage could carry markers too
            [{"role": t["role"], "content": neutralize_markers(t["content"])} for t in history],
        )
        raw = self.generator.stream(prompt, settings or self.config.generation, should_stop)
        return guard_stream(filter_citations(raw, len(passages)), personal, self._prompt_texts())

    def _prompt_texts(self) -> list[str]:
        """The instructions the model is given, which it must not repeat to the user."""
        template = getattr(self.generator, "template", None)
        template = template if isinstance(template, PromptTemplate) else PromptTemplate()
        return [template.system, template.passages_intro]

    @staticmethod
    def _retrieval_query(message: str, user_turns: list[str]) -> str:
        """A short or pronoun-led follow-up ("how is it treated?") is searched together with the
        previous question, which names what "it" is."""
        words = message.split()
        if user_turns and (len(words) <= 6 or _FOLLOW_UP.search(message)):
            return f"{user_turns[-1]} {message}"
        return message


def filter_citations(pieces: Iterator[str], n_passages: int) -> Iterator[str]:
    """Pass text through, dropping any `[n]` whose n is not a retrieved passage.

    Text from an opening '[' is held back until the bracket closes (or clearly is not a
    citation), so a wrong number never reaches the reader, even mid-stream.
    """
    held = ""
    for piece in pieces:
        held += piece
        out, held = _release(held, n_passages)
        if out:
            yield out
    if held:
        yield CITATION.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= n_passages else "", held)


def _release(text: str, n_passages: int) -> tuple[str, str]:
    """Split `text` into what is safe to show now and what must wait for more characters."""
    start = text.rfind("[")
    if start != -1 and "]" not in text[start:] and len(text) - start <= 4:
        ready, held = text[:start], text[start:]
    else:
        ready, held = text, ""
    cleaned = CITATION.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= n_passages else "", ready)
    return cleaned, held


def _citations(text: str, passages: list[RetrievedPassage]) -> list[Citation]:
    """The passages the answer cites; when it cites none, every passage it was given, as its sources."""
    cited = sorted({int(n) for n in CITATION.findall(text) if 1 <= int(n) <= len(passages)})
    numbers = cited or list(range(1, len(passages) + 1))
    return [
        Citation(
            n,
            passages[n - 1].url,
            passages[n - 1].title,
            passages[n - 1].passage_id,
            strip_markup(neutralize_markers(" ".join(passages[n - 1].text.split()[:40]))),
        )
        for n in numbers
    ]


def _extractive(passages: list[RetrievedPassage], sentences: int = 3) -> str:
    """The first sentences of the best passage, cited, and labelled as a quotation."""
    parts = re.split(r"(?<=[.!?])\s+", passages[0].text.strip())
    return f"{' '.join(parts[:sentences])} [1]\n\n{EXTRACTIVE_NOTE}"


def _clean_history(history: Sequence[dict[str, str]], turns: int) -> list[dict[str, str]]:
    kept = [
        {"role": t["role"], "content": t["content"]}
        for t in history
        if t.get("role") in ("user", "assistant") and str(t.get("content", "")).strip()
    ]
    return kept[-turns:] if turns else []
