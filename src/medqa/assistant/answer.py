"""The grounded assistant: triage -> retrieve -> grounded prompt -> generate -> support check -> cite.

It knows nothing of HTTP or terminals: the server, the terminal chat, `medqa ask` and grounded
evaluation all call `Assistant.answer` or `Assistant.stream`. What it guarantees, whatever the
user writes and whatever the model generates:

- triage runs first on every message; an emergency gets the emergency response and nothing that
  delays care (no generated text after it);
- answers come from retrieved passages of the trusted corpus; without a relevant passage it
  abstains and gives general guidance instead of inventing an answer. A passage is relevant when its
  page is about what is asked (`medqa.assistant.relevance`): a lay question that names the page's
  condition needs a lower cosine, a page about another condition of the same root ("Esophageal Cancer"
  for "esophagitis") never answers;
- every sentence shown is supported by the passages it cites, with their `[n]` markers after it:
  each sentence of the model passes `medqa.assistant.guard` (no diagnosis claims, no talk of the
  disclaimer, no repeated system prompt, no dose amounts for a personal request, no HTML) and the
  support check (`medqa.assistant.support`, composed by `medqa.assistant.compose`) before any of it
  is streamed, and is shown, replaced by the passage sentence it tried to say, or removed. Only
  retrieved passages count as sources: text in the user's message never does;
- the structured answer says which sentences were generated, which quoted and which removed;
- a yes/no question that no source answers is told so before what the sources say (`compose`);
- a follow-up is retrieved in the context of the conversation, and nothing the assistant added to
  an earlier answer (sources, markers, the disclaimer, labels) is given back to the model
  (`medqa.assistant.followup`); chat-template markers never reach the prompt as special tokens;
- the disclaimer is added by this code, never by the model, so no message can remove it;
- if the generator cannot load, fails mid-answer, or too little of what it wrote survives, the
  answer is completed with the passage sentences that best answer the question, as quotes.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from medqa.assistant.compare import Comparison, comparison, retrieve_compared, side_pages
from medqa.assistant.compose import FILL_WORDS, QUOTE_WORDS, Composer, Removed, Sentence
from medqa.assistant.followup import clean_history, resolve_question
from medqa.assistant.guard import neutralize_markers, sentences, strip_markup
from medqa.assistant.relevance import relevant as relevant_passages
from medqa.assistant.support import Focus, SupportChecker, SupportConfig, question_focus
from medqa.assistant.triage import DISCLAIMER, PERSONAL_ADVICE_NOTE, SafetyConfig, Triage, TriageResult
from medqa.config import check, raise_problems
from medqa.inference.base import GenerationSettings, Generator, Prompt
from medqa.prompt import Decoding, PromptTemplate
from medqa.retrieval.index import Index, RetrievedPassage
from medqa.retrieval.sources import current_url

ABSTAIN_TEXT = (
    "I don't have a trusted source that answers this question, so I won't guess. For questions like this, "
    "a doctor, nurse or pharmacist is the right person to ask; MedlinePlus (medlineplus.gov) has reliable "
    "general information on many health topics."
)
CITATION = re.compile(r"\[(\d{1,2})\]")  # a citation marker: [1] ... [99]
_SNIPPET_WORDS = 40  # a source's snippet when no sentence of it was used
_WORD_OR_MARK = re.compile(r"\w+|[^\w\s]")  # a token estimate where the generator has no tokenizer


@dataclass
class AssistantConfig:
    """Settings of the grounded assistant."""

    k: int = 3  # passages given to the model and cited
    min_relevance: float = 0.55  # a passage's cosine to the question from which it may answer (bench/abstention.py)
    min_named_relevance: float = 0.52  # the same for a page the question names (bench/relevance.py)
    # show the passage sentence that answers the question at once, before the model writes (compose.Composer.start)
    open_at_once: bool = True
    history_turns: int = 4  # earlier messages (user and assistant) kept in the prompt
    min_answer_words: int = 8  # fewer words of the model's answer surviving the check: completed with quotes
    min_kept_share: float = 0.5  # a smaller share of the model's words surviving: completed with quotes
    max_quoted: int = 4  # passage sentences added, at most, to complete an answer
    quote_words: int = QUOTE_WORDS  # an answer completed with quotes stops short of this many words
    fill_words: int = FILL_WORDS  # a model's answer shorter than this is completed with quotes (0: never)
    generation: GenerationSettings = field(default_factory=lambda: GenerationSettings(max_new_tokens=200))
    safety: SafetyConfig = field(default_factory=SafetyConfig)
    support: SupportConfig = field(default_factory=SupportConfig)

    def __post_init__(self) -> None:
        problems: list[str] = []
        check(problems, 1 <= self.k <= 10, f"'k' must be between 1 and 10, got {self.k}")
        check(problems, -1.0 <= self.min_relevance <= 1.0, "'min_relevance' must be a cosine in [-1, 1]")
        check(problems, -1.0 <= self.min_named_relevance <= 1.0, "'min_named_relevance' must be a cosine in [-1, 1]")
        check(problems, self.history_turns >= 0, "'history_turns' must be >= 0")
        check(problems, self.min_answer_words >= 0, "'min_answer_words' must be >= 0")
        check(problems, 0.0 <= self.min_kept_share <= 1.0, "'min_kept_share' must be in [0, 1]")
        check(problems, 1 <= self.max_quoted <= 10, f"'max_quoted' must be between 1 and 10, got {self.max_quoted}")
        check(problems, self.quote_words >= 1, f"'quote_words' must be >= 1, got {self.quote_words}")
        check(problems, self.fill_words >= 0, f"'fill_words' must be >= 0, got {self.fill_words}")
        raise_problems(problems, "assistant settings")

    def with_decoding(self, decoding: Decoding) -> AssistantConfig:
        """These settings with the model's saved decoding (RUN/generation.yaml: its answer length, shortest
        answer and repetition penalty) wherever they leave a value at its default: an explicit value (a recipe,
        `--set generation.max_new_tokens=...`) still wins. A value set to the very default is not told
        apart from an unset one."""
        default = AssistantConfig().generation
        changes = {
            name: getattr(decoding, name)
            for name in ("max_new_tokens", "repetition_penalty", "min_new_tokens")
            if getattr(self.generation, name) == getattr(default, name)
        }
        return dataclasses.replace(self, generation=dataclasses.replace(self.generation, **changes))


@dataclass
class Citation:
    """A numbered source: `[number]` in the answer refers to this passage of this page."""

    number: int
    url: str
    title: str
    passage_id: int  # the page's best passage (the page's retrieved passages are joined into one source)
    snippet: str  # the passage sentences the answer rests on, in page order (its opening words when it used none)
    original_url: str = ""  # the page's address in the corpus (2017) when `url` is where it lives today


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
    extractive: bool = False  # completed with passage sentences: too little of the model's answer survived
    out_of_scope: bool = False
    passages: list[RetrievedPassage] = field(default_factory=list)
    # said before the sentences: the personal-advice note, and "The sources found do not say whether ..." when no
    # source answers a yes/no question (not a claim of a source: it cites none)
    notes: str = ""
    sentences: list[Sentence] = field(default_factory=list)  # what `answer` says after the notes, cited
    removed: list[Removed] = field(default_factory=list)  # what the model wrote that the reader did not see
    truncated: bool = False  # generation stopped at its token limit (what it cut off mid-sentence is removed)

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
            "notes": self.notes,
            "sentences": [vars(s) for s in self.sentences],
            "removed": [vars(r) for r in self.removed],
            "truncated": self.truncated,
        }
        if with_passages:
            data["passages"] = [vars(p) for p in self.passages]
        return data

    def sources(self) -> list[tuple[list[int], str, str]]:
        """The pages cited, each once however many of its passages were used: (numbers, title, url)."""
        pages: dict[str, tuple[list[int], str, str]] = {}
        for c in self.citations:
            pages.setdefault(c.url or f"#{c.number}", ([], c.title, c.url))[0].append(c.number)
        return list(pages.values())

    def full_text(self) -> str:
        """Answer, sources and disclaimer as one text (for clients that show only a message)."""
        sources = "\n".join(
            f"{''.join(f'[{n}]' for n in numbers)} {title} - {url}" for numbers, title, url in self.sources()
        )
        return "\n\n".join(
            part for part in (self.answer, f"Sources:\n{sources}" if sources else "", self.disclaimer) if part
        )


@dataclass
class Event:
    """One step of a streamed answer: a piece of text to show; "hold" when the model's text was held
    back or removed (the answer is progressing, nothing to show yet); last the structured answer."""

    kind: Literal["delta", "hold", "final"]
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
    ) -> collections.abc.Generator[Event, None, None]:  # closable: a stopped client closes it
        """Checked sentences as they are ready, then one final event with the structured answer."""
        answer_id = f"ans-{uuid.uuid4().hex[:16]}"
        history = clean_history(history, self.config.history_turns)
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
        question = resolve_question(message, user_turns)
        passages, relevant, compared = self._retrieve(question)
        prefix = _notes_first(verdict)
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
        composer = Composer(
            SupportChecker(relevant, self.index.embedder, self.config.support, verdict.personal),
            question_focus(question, [p.title for p in relevant]),
            verdict.personal,
            self._prompt_texts(),
            self.config.min_answer_words,
            self.config.min_kept_share,
            self.config.max_quoted,
            quote_words=self.config.quote_words,
            fill_words=self.config.fill_words,
            sides=_sides(compared, relevant),
        )
        body, answered = "", self.generator is not None
        if answered:
            composer.checker.prepare()  # embeds the passage sentences while the model reads its prompt
        settings = settings or self.config.generation
        written: list[str] = []  # the model's text pieces, counted against its token limit
        # The passage sentence that answers the question is shown at once, while the model reads its prompt
        # (a second of prompt on 2 cores): the reader waits for retrieval and one embedding batch, not the model.
        if self.config.open_at_once and (shown := composer.start()):
            body += shown
            yield Event("delta", shown)
        try:
            pieces = self._generate(question, history, relevant, should_stop, settings)
            for sentence, ended in sentences(_recorded(pieces, written)):
                shown = composer.add(sentence, ended)
                body += shown
                yield Event("delta", shown) if shown else Event("hold")
        except Exception:  # noqa: BLE001 - any generator failure degrades to the quoted answer
            answered = False
        if shown := composer.finish(answered):
            body += shown
            yield Event("delta", shown)
        abstained = not composer.sentences  # no passage sentence can be shown (all page furniture)
        if abstained:
            body = ABSTAIN_TEXT  # after the notes, which end with their own blank line
            yield Event("delta", body)
        yield Event(
            "final",
            answer=Answer(
                answer_id,
                (prefix + body).strip(),
                _citations(composer.sentences, relevant),
                "none",
                verdict.category,
                abstained,
                DISCLAIMER,
                extractive=composer.extractive and not abstained,
                passages=relevant,
                notes="\n\n".join(note for note in (prefix.strip(), composer.note) if note),
                sentences=composer.sentences,
                removed=composer.removed,
                truncated=answered and self._hit_limit(written, settings.max_new_tokens),
            ),
        )

    def _retrieve(self, question: str) -> tuple[list[RetrievedPassage], list[RetrievedPassage], Comparison | None]:
        """(the passages retrieved, the relevant ones joined by page, the comparison the question asks or None).
        Only passages of pages about what is
        asked (medqa.assistant.relevance), one number per page: the model, the support check and the reader
        see each page once. A comparison ("A vs B") also retrieves each side, judged against that side,
        so that both sides have a page (medqa.assistant.compare)."""
        min_cosine = self.config.min_relevance
        min_named = min(self.config.min_named_relevance, min_cosine)
        compared = comparison(question)
        if compared is not None:
            passages, merged = retrieve_compared(
                question, compared, self.index.retrieve, self.config.k, min_cosine, min_named
            )
            return passages, _by_page(merged), compared
        passages = self.index.retrieve(question, self.config.k)
        return passages, _by_page(relevant_passages(question, passages, min_cosine, min_named)), None

    def _generate(
        self,
        question: str,
        history: list[dict[str, str]],
        passages: list[RetrievedPassage],
        should_stop: Callable[[], bool] | None,
        settings: GenerationSettings,
    ) -> Iterator[str]:
        if self.generator is None:
            return iter(())
        prompt = Prompt(
            neutralize_markers(question),
            [neutralize_markers(p.text) for p in passages],  # a passage could carry markers too
            [{"role": t["role"], "content": neutralize_markers(t["content"])} for t in history],
        )
        return self.generator.stream(prompt, settings, should_stop)

    def _hit_limit(self, written: list[str], max_new_tokens: int) -> bool:
        """Whether the model's text reached its token limit: counted with its tokenizer where it has one
        (a piece is at least one token), else estimated as words and punctuation marks."""
        tokenizer = getattr(self.generator, "tokenizer", None)
        text = "".join(written)
        if tokenizer is not None and hasattr(tokenizer, "encode"):
            tokens = len(tokenizer.encode(text, add_special_tokens=False))
        else:
            tokens = len(_WORD_OR_MARK.findall(text))
        return max(len(written), tokens) >= max_new_tokens

    def _prompt_texts(self) -> list[str]:
        """The instructions the model is given, which it must not repeat to the user."""
        template = getattr(self.generator, "template", None)
        template = template if isinstance(template, PromptTemplate) else PromptTemplate()
        return [template.system, template.passages_intro]


def _sides(compared: Comparison | None, relevant: list[RetrievedPassage]) -> list[tuple[list[int], Focus]]:
    """For a comparison, each side's page numbers and what the question asks of that side (its own query)."""
    if compared is None:
        return []
    return [
        (pages, question_focus(query, [relevant[n - 1].title for n in pages]))
        for pages, query in zip(side_pages(compared, relevant), compared.queries(), strict=True)
    ]


def _notes_first(verdict: TriageResult) -> str:
    """What is said before the answer, whatever it is: triage's crisis note (crisis resources for a
    lethal-dose question, the multilingual emergency note for a message in another language), then
    the personal-advice note for a personal request. Alongside the answer, never instead of it."""
    notes = [verdict.crisis_note.strip(), PERSONAL_ADVICE_NOTE if verdict.personal else ""]
    return "".join(note + "\n\n" for note in notes if note)


def _recorded(pieces: Iterator[str], written: list[str]) -> Iterator[str]:
    """`pieces`, each also appended to `written` as it passes."""
    for piece in pieces:
        written.append(piece)
        yield piece


def _by_page(passages: list[RetrievedPassage]) -> list[RetrievedPassage]:
    """The passages of each page joined into one, in the rank of its best passage: a page is one source
    with one number, however many of its passages were retrieved. A passage without a url is a page
    of its own."""
    pages: dict[str, list[RetrievedPassage]] = {}
    for passage in passages:
        pages.setdefault(passage.url or f"#{passage.passage_id}", []).append(passage)
    return [
        dataclasses.replace(group[0], text=" ".join(" ".join(p.text.split()) for p in group))
        for group in pages.values()
    ]


def _citations(shown: list[Sentence], passages: list[RetrievedPassage]) -> list[Citation]:
    """One citation per page the shown sentences cite (a number is a page: `_by_page`); its snippet is
    the page's sentences they rest on, in page order."""
    used: dict[int, list[str]] = {}
    for sentence in shown:
        for number, evidence in zip(sentence.citations, sentence.evidence, strict=False):
            if evidence not in used.setdefault(number, []):
                used[number].append(evidence)
    citations = []
    for number in sorted(used):
        passage = passages[number - 1]
        text = " ".join(passage.text.split())
        in_order = sorted(used[number], key=lambda e: text.find(e) if e in text else len(text))
        snippet = " ".join(in_order) or " ".join(text.split()[:_SNIPPET_WORDS])
        citations.append(
            Citation(
                number,
                current_url(passage.url),  # where the page lives today (MedQuAD's 2017 address may have moved)
                passage.title,
                passage.passage_id,
                strip_markup(neutralize_markers(snippet)),
                original_url=passage.url,
            )
        )
    return citations
