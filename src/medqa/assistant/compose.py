"""The answer the reader sees, composed one checked sentence at a time.

The model's text arrives cut into whole sentences (`guard.sentences`). Each one, before anything of
it is shown, loses the model's own `[n]` markers and leading fillers, passes the output guard and
the support check (`support.SupportChecker`), and is then shown with the markers of the passages
that support it, replaced by the passage sentence it tried to say, or removed (and recorded with
the reason). Nothing shown is ever taken back, so a streamed answer is always the start of the
final one.

What else it guarantees:
- an answer opens with what the question asks: when the first sentence to show does not (a "What
  causes gout?" answer that starts with symptoms), the passage sentence that does comes first;
- a yes/no question's first sentence states what the source says, and a bare "Yes."/"No." is kept
  only when the passage that states the answer has that polarity;
- a yes/no question that no passage sentence answers (none holds what it asks: "Does bronchitis turn into
  pneumonia?") is told so first, in the question's own words ("The sources found do not say whether bronchitis
  turns into pneumonia. What they say:"), so that faithful sentences beside the point are not read as an answer;
- a quote that goes on from the passage sentence before it ("However, ...", "These include ...") is shown right
  after that sentence: it is added before the quote when it is short, else the quote is not shown;
- a lead-in ending in ":" is shown only together with something after it;
- a sentence cut off by the token limit, an empty preamble and a repeated sentence are removed;
- when too little of the model's answer survives, the passage sentences that best answer the
  question are added as quotes (the answer is then `extractive`), up to `quote_words` words; a
  model's answer that survived but stops short of `fill_words` words is completed the same way.
  Only sentences that say what the question asks (`SupportChecker.best_answers`) are added, and
  none that would take the answer past its bound.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from medqa.assistant.guard import clean_sentence, is_filler, strip_filler, strip_markup
from medqa.assistant.support import (
    Focus,
    SourceSentence,
    SupportChecker,
    content_terms,
    goes_on,
    leans_back,
    negated,
    words,
)

_MARKERS = re.compile(r"\s*\[\d{1,2}\]")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?)])")
_YES_NO_WORD = re.compile(r"^(yes|no)\b[\s,.!:;-]*(.*)$", re.I | re.S)
_END_PUNCT = re.compile(r"[.!?:;]+$")
# A sentence that adds to something said before ("People with type 1 diabetes are also at increased risk of heart
# attacks", the first sentence of a comparison answer): no opener, shown after the next sentence.
_ADDS_TO = re.compile(
    r"^(also\b|[^,.;:]{0,60}\b(is|are|was|were|can|may|might|could|has|have|will|do|does)( \w+)? also\b)", re.I
)
_BULLET = re.compile(r"^\s*([-*•]|\d{1,2}[.)])\s+")  # a list item's marker: shown before a quote, not in it
# An answer completed with quotes stops where the next quote would take it past this many words: about a
# good reference answer (MedQuAD's, median ~150 words), a few short paragraphs. Chosen on 100 validation
# questions (bench/answer_length.py, docs/results.md): 90 -> 150 words with FILL_WORDS raised ROUGE-L
# 0.432 -> 0.449 at 98.9% of sentences supported; 200 added +0.006 more but fell to 97.3% supported.
QUOTE_WORDS = 150
# A model's answer that survived the check but is shorter than this is completed the same way (0: never): the
# model stops at its token limit, often before it has said what its passage says about the question.
FILL_WORDS = 150
_LIST_WORDS = 80  # a quoted list longer than this shows the items that answer the question, or its first ones, and "…"
# A quote that goes on from the passage sentence before it ("However, ...", "These include ...") is shown with that
# sentence right before it when it is this short at most, else not at all.
_LEAD_WORDS = 40
# "It accounts for approximately 80 percent of all strokes" copied after "A stroke is a medical emergency": the
# passage's "It" was the sentence before ("The most common kind of stroke is called ischemic stroke"); that sentence
# comes with it.
_PRONOUN_SUBJECT = re.compile(r"^(it|they|its|their)\b(?! (is|are) (a|an|the)\b)", re.I)
# A token glued after the model's full stop ("may vary over time.pulumi"), not a web address ("medlineplus.gov")
_GLUED_TAIL = re.compile(r"(?<=[a-z)][.!?])([A-Za-z]{2,})\s*$(?<!\.gov)(?<!\.com)(?<!\.org)(?<!\.html)(?<!\.htm)")
# "This condition ...", "These disorders ...": the page's topic, or a narrower one named just before (shown then)
_NAMES_TOPIC = re.compile(r"^(this|these) (condition|disorder|disease|syndrome)s?\b", re.I)
_AUX_WORDS = frozenset(str.split("is are was were can could will would should may might must has have does do"))
_SUBJECT_PRONOUNS = {"i": "you", "you": "you", "we": "we", "they": "they", "it": "it", "he": "he", "she": "she"}
_PERSON = {"i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself", "am": "are"}
# words a question's subject may hold besides the topic's own ("the flu", "Milroy disease", "type 2 diabetes")
_SUBJECT_WORDS = frozenset(str.split("a an the my your his her their our type disease diseases disorder disorders"))
_ASKED_PART = re.compile(r"\?|[,;:]\s|\s(?:because|since|cuz|coz|cos|bc|as i|as my)\s", re.I)
# Auxiliaries followed by a verb's base form, and common base forms: where a yes/no question's subject ends.
_BEFORE_A_VERB = frozenset(str.split("can could will would should may might must does do did"))
_BASE_VERBS = frozenset(
    str.split(
        "cause make lead get go turn spread affect help stop become come trigger increase raise lower damage hurt harm "
        "kill be have take give pass need last return happen develop show change feel heal mean occur result prevent "
        "treat cure run start stay grow reduce worsen improve work"
    )
)
_ADVERBS = frozenset(str.split("ever always often usually really actually also still just sometimes normally"))


@dataclass
class Sentence:
    """One sentence of the answer, with the passages that support it."""

    text: str  # without markers or quotation marks
    source: Literal["generated", "quoted"]  # written by the model, or a passage sentence word for word
    citations: list[int]  # the [n] of every passage that supports it
    evidence: list[str] = field(default_factory=list)  # per citation, the passage sentence it rests on

    def render(self) -> str:
        """As shown in text: the `[n]` markers before the sentence's full stop ("... nerve [1]."), a quote
        in quotation marks before them ("“... nerve” [1]."), so that any sentence splitter keeps each
        sentence with its markers."""
        markers = "".join(f"[{n}]" for n in self.citations)
        bullet = _BULLET.match(self.text)
        lead, body = (bullet.group(0), self.text[bullet.end() :]) if bullet else ("", self.text)
        body = body.rstrip()
        end = _END_PUNCT.search(body)
        words, stop = (body[: end.start()].rstrip(), end.group(0)) if end else (body, "")  # no stop: a list item
        if self.source == "quoted":
            words = f"“{words}”"
        return f"{lead}{words} {markers}{stop}" if markers else f"{lead}{words}{stop}"


@dataclass
class Removed:
    """A sentence of the model that the reader did not see, and why."""

    text: str  # empty when the output guard refused it: a refused claim or dose is not passed on, even here
    reason: str


class Composer:
    """Builds one answer from the model's sentences; `add` and `finish` return the text to stream."""

    def __init__(
        self,
        checker: SupportChecker,
        focus: Focus,
        personal: bool = False,
        prompt_texts: Sequence[str] = (),
        min_answer_words: int = 8,
        min_kept_share: float = 0.5,
        max_quoted: int = 4,
        quote_words: int = QUOTE_WORDS,
        fill_words: int = FILL_WORDS,
        sides: Sequence[tuple[Sequence[int], Focus]] = (),
    ) -> None:
        self.checker, self.focus, self.personal, self.prompt_texts = checker, focus, personal, prompt_texts
        self.min_answer_words, self.min_kept_share, self.max_quoted = min_answer_words, min_kept_share, max_quoted
        self.quote_words, self.fill_words = quote_words, fill_words
        # A comparison ("A vs B"): each side's page numbers and what the question asks of that side; an answer
        # that cites no page of a side gets that side's best sentence (medqa.assistant.compare).
        self.sides = [(list(pages), side_focus) for pages, side_focus in sides]
        self.sentences: list[Sentence] = []
        self.removed: list[Removed] = []
        self.extractive = False
        self._opened = False
        self._judged_first = False
        self._verdict: Sentence | None = None  # a "Yes."/"No." the source agrees with, shown with the opening
        self._intro: tuple[Sentence, str] | None = None  # a lead-in ending in ":" and its separator
        self._held: Sentence | None = None  # a first sentence that adds to something (`_ADDS_TO`): shown second
        self._separator = ""  # goes before the next sentence shown
        self._words_generated = 0
        self._words_kept = 0
        self._opening_cache: tuple[SourceSentence | None, bool | None] | None = None
        # What is said before the sentences when the sources do not answer a yes/no question (`_unanswered_note`).
        self.note = ""
        self._by_text = {s.text: s for s in checker.sentences}

    # ------------------------------------------------------------------------------ the model's sentences
    def start(self) -> str:
        """The sentence that answers the question (`SupportChecker.opening`), to show before the model has
        written anything; "" when the question has no specific focus, no passage sentence answers it, or the
        one that does leans on the sentence before it ("Other features include ...": then the model's own
        first sentence, checked, may open better)."""
        opening = self._opening()[0]
        if opening is None or leans_back(opening.text):
            return ""
        return self._open_early()

    def add(self, raw: str, ended: bool = True) -> str:
        """Judge one sentence of the model (with the separator after it); the text to show now."""
        shown = self._judge(raw, ended)
        return shown or self._open_early()

    def _judge(self, raw: str, ended: bool) -> str:
        separator = "\n" if "\n" in raw[len(raw.rstrip()) :] else " "
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", _MARKERS.sub("", raw)).strip()
        if glued := _GLUED_TAIL.search(text):  # "... may vary over time.pulumi": the token is no word of the answer
            self._remove(glued.group(1), "a stray word glued after the sentence's full stop")
            text = text[: glued.start(1)]
        if not text:
            return ""
        self._words_generated += len(text.split())
        if is_filler(text):
            return self._remove(text, "an empty preamble")
        if text.rstrip("”’\"' ").endswith("?"):  # "What are the signs and symptoms of glaucoma?": an echo
            return self._remove(text, "a question, not an answer")
        if not ended:
            return self._remove(text, "cut off by the length limit")
        stripped = strip_filler(text)
        if not stripped or is_filler(stripped):  # "Sure, here is the answer:" is all preamble
            return self._remove(text, "an empty preamble")
        text = stripped
        guarded = clean_sentence(text, self.personal, self.prompt_texts)
        if guarded is None:  # its words are withheld here too: the structured answer reaches clients
            return self._remove("", "refused by the output guard (a diagnosis claim, a dose, an instruction...)")
        text = " ".join(guarded.split())  # a removed tag leaves two spaces
        if self.focus.yes_no and not self._judged_first:
            self._judged_first = True  # only the model's first sentence may open with a yes or a no
            text = self._yes_no(text)
            if not text:
                return ""
        item = self._checked(text)
        if item is None:
            return ""
        if item.text.endswith(":"):
            if self._intro is not None:
                self._remove(self._intro[0].text, "a lead-in with nothing after it")
            self._intro = (item, separator)
            return ""
        if not self._opened and self._held is None and self._intro is None and _ADDS_TO.match(item.text):
            self._held = item
            return ""
        items = self._open_with(item)
        if self._held is not None:
            items, self._held = [*items, self._held], None
        return self._emit(items, separator)

    def finish(self, model_answered: bool = True) -> str:
        """The end of the model's text: complete the answer with quotes when too little of it survived."""
        if self._intro is not None:
            self._remove(self._intro[0].text, "a lead-in with nothing after it")
            self._intro = None
        kept_share = self._words_kept / self._words_generated if self._words_generated else 0.0
        self.extractive = (
            not model_answered or self._words_kept < self.min_answer_words or kept_share < self.min_kept_share
        )
        if self._held is not None:  # nothing came after it: shown now, after the opening the question calls for
            items, self._held = self._open_with(self._held), None
        else:
            items = [] if self._opened else self._open_with(None)
        if self.extractive:
            items += self._quotes(items, self.quote_words)
        elif self.fill_words:
            items += self._quotes(items, self.fill_words)
        items += self._side_quotes(items)
        return self._emit(items, " ")

    # ------------------------------------------------------------------------------ steps
    def _checked(self, text: str) -> Sentence | None:
        """The sentence to show for `text`: itself with its citations, a quote in its place, or None."""
        verdict = self.checker.check(text)
        if verdict.supported:
            item = Sentence(text, "quoted" if verdict.verbatim else "generated", verdict.citations, verdict.evidence)
            if verdict.source is not None and verdict.source.items:  # a list copied word for word: shown as one
                item = self._quote(verdict.source)
            if self._repeats(item):
                self._remove(text, "repeats an earlier sentence")
                return None
            self._words_kept += len(text.split())
            return item
        quote = verdict.replacement
        if quote is not None and not self._repeats(self._quote(quote)):
            self._remove(text, f"not supported ({verdict.reason}); replaced by the sentence of [{quote.passage}]")
            return self._quote(quote)
        self._remove(text, f"not supported ({verdict.reason})")
        return None

    def _yes_no(self, text: str) -> str:
        """`text` without a leading "Yes"/"No" that the source does not state ("" when nothing is left);
        a bare "Yes."/"No." that it states is kept, to be shown with the sentence that states it."""
        match = _YES_NO_WORD.match(text)
        if match is None:
            return text
        word, rest = match.group(1).capitalize(), match.group(2).strip()
        opening, polarity = self._opening()
        if opening is not None and polarity is not None and polarity == (word == "Yes"):
            if rest:
                return text
            if self._opened:  # the sentence that states it is shown already
                return self._remove(text, f"a bare {word.lower()} after the sentence that states it")
            self._verdict = Sentence(f"{word}.", "generated", [opening.passage], [opening.text])
            return ""
        if opening is not None and polarity is not None:
            reason = f'[{opening.passage}] says {"yes" if polarity else "no"}: "{opening.text}"'
        else:
            reason = "no passage states a yes or a no"
        self._remove(f"{word}." if rest else text, f"a bare {word.lower()} the sources do not state ({reason})")
        return rest[:1].upper() + rest[1:]

    def _open_with(self, item: Sentence | None) -> list[Sentence]:
        """The sentences to show when `item` would be the first: the opening the question calls for first."""
        if self._opened:
            return [item] if item else []
        self._opened = True
        verdict = [self._verdict] if self._verdict else []
        first_text = " ".join(s.text for s in ([self._intro[0]] if self._intro else []) + ([item] if item else []))
        opening, polarity = self._opening()
        if item is not None and (
            opening is None or opening.text in item.evidence or self._answers(first_text, polarity)
        ):
            return [*verdict, item]  # it says what the opening sentence says, or answers the question itself
        if opening is None:
            return verdict
        quote = self._quote(opening)
        if item is not None and self._repeats(item, [quote]):
            self._remove(item.text, "repeats the sentence that answers the question")
            return [*verdict, quote]
        return [*verdict, quote, *([item] if item is not None else [])]

    def _open_early(self) -> str:
        """Nothing is shown yet and the model's sentence was removed: show the sentence that answers the
        question now, rather than keep the reader waiting for the model's next one."""
        if self._opened or self._intro is not None or self._held is not None or self._opening()[0] is None:
            return ""
        return self._emit(self._open_with(None), " ")

    def _answers(self, text: str, polarity: bool | None) -> bool:
        """Whether `text` has a word the question asks for and, on a yes/no question, its polarity."""
        if not self.checker.answers_focus(text, self.focus):
            return False
        return polarity is None or negated(text) != polarity

    def _opening(self) -> tuple[SourceSentence | None, bool | None]:
        if self._opening_cache is None:
            self._opening_cache = self.checker.opening(self.focus)
        return self._opening_cache

    def _quotes(self, shown_now: list[Sentence], max_words: int) -> list[Sentence]:
        """The passage sentences that best answer the question and are not shown yet, in reading order:
        passages in the order of their best sentence, sentences in passage order. At most `max_quoted` of
        them, and none that would take the answer past `max_words` (a shorter one further down may still
        fit), unless the answer would otherwise say nothing. A quote that goes on from the passage sentence
        before it comes with that sentence (counted in the words) or not at all (`_lead`); one that goes on
        from the last sentence shown comes first."""
        words_now = sum(len(s.text.split()) for s in [*self.sentences, *shown_now])
        chosen: list[SourceSentence] = []
        taken = [*self.sentences, *shown_now]
        follows: list[SourceSentence] = []  # the one that goes on from the last sentence shown: first, right after it
        last = taken[-1] if taken else None
        for candidate in self.checker.best_answers(self.focus, limit=3 * self.max_quoted):
            if len(chosen) >= self.max_quoted or words_now >= max_words:
                break
            unit = [self._quote(candidate, focused=bool(self.focus.kinds))]
            lead = self._lead(candidate, [*self.sentences, *shown_now])
            if lead is False:  # it goes on from a sentence that cannot be shown right before it
                continue
            if isinstance(lead, SourceSentence) and lead not in chosen:  # goes right before it (passage order)
                unit.insert(0, self._quote(lead, focused=bool(self.focus.kinds)))
            unit_words = sum(len(q.text.split()) for q in unit)
            if (words_now + unit_words > max_words and taken) or any(self._repeats(q, taken) for q in unit):
                continue
            chosen += [lead, candidate] if len(unit) == 2 and isinstance(lead, SourceSentence) else [candidate]
            before = self.checker.before(candidate) if goes_on(candidate.text) else None
            if before is not None and last is not None and before.text in last.evidence and not follows:
                follows.append(candidate)
            taken += unit
            words_now += unit_words
        order = list(dict.fromkeys(s.passage for s in chosen))
        chosen.sort(key=lambda s: (s not in follows, order.index(s.passage), s.position))
        return [self._quote(s, focused=bool(self.focus.kinds)) for s in chosen]

    def _side_quotes(self, shown_now: list[Sentence]) -> list[Sentence]:
        """For each side of a comparison that nothing shown cites, the sentence of that side's pages that best
        answers the question about it: a comparison answered about one side only does not answer it."""
        quotes: list[Sentence] = []
        taken = [*self.sentences, *shown_now]
        for pages, side_focus in self.sides:
            if not pages or any(set(s.citations) & set(pages) for s in taken):
                continue
            for candidate in self.checker.best_answers(side_focus, limit=3 * self.max_quoted):
                quote = self._quote(candidate, focused=bool(side_focus.kinds))
                if candidate.passage in pages and not self._repeats(quote, taken):
                    quotes.append(quote)
                    taken.append(quote)
                    break
        return quotes

    def _lead(self, source: SourceSentence, shown: Sequence[Sentence]) -> SourceSentence | None | bool:
        """For a quote of `source` after `shown`: None when it stands on its own or goes on from the last
        sentence shown; the passage sentence to show right before it when it goes on from one not shown
        (a short, quotable one that does not go on itself and is not shown elsewhere); False when it cannot
        be shown ("However, ..." after something else)."""
        strong = goes_on(source.text)
        if not strong and not _PRONOUN_SUBJECT.match(source.text):
            return None
        lead = self.checker.before(source)
        if lead is None:  # it opens its passage: "This is unfortunate, because ..." goes on from a page not retrieved
            return False if strong and not _NAMES_TOPIC.match(source.text) else None
        if shown and lead.text in shown[-1].evidence:
            return None
        if (
            not lead.quotable
            or goes_on(lead.text)
            or len(lead.text.split()) > _LEAD_WORDS
            or any(lead.text in s.evidence for s in shown)
        ):
            # "This condition affects 1 in 10,000 people" names the page's topic when nothing narrower is at hand;
            # "It ..." mostly names it too: shown alone when its sentence cannot come with it
            return None if not strong or _NAMES_TOPIC.match(source.text) else False
        return lead

    def _quote(self, source: SourceSentence, focused: bool = False) -> Sentence:
        """`source` as a quote; a list as its intro and one "- item" line per item, each word for word, its
        markers after the last. A list longer than _LIST_WORDS shows the items that answer the question (or
        its first ones) and "…" for the rest: never a part of an item. `focused`: any list shows only the
        items that answer the question when some do (a "Key Points" list quoted for "How is it diagnosed?"
        shows its diagnosis item, not its symptoms and risk factors)."""
        if not source.items:
            return Sentence(source.text, "quoted", [source.passage], [source.text])
        intro = source.intro.rstrip()
        intro = f"{intro}:" if intro and not intro.endswith((":", ".", "!", "?")) else intro  # it introduced a list
        items = list(source.items)
        budget = _LIST_WORDS - len(intro.split())
        answering = [item for item in items if self.checker.answers_focus(item, self.focus)]
        if sum(len(item.split()) for item in items) > budget or (focused and answering):
            chosen: list[str] = []
            for item in answering or items:
                if chosen and sum(len(c.split()) for c in [*chosen, item]) > budget:
                    break
                chosen.append(item)
            items = [*chosen, "…"] if len(chosen) < len(source.items) else chosen
        lines = ([intro] if intro else []) + [f"- {item}" for item in items]
        return Sentence("\n".join(lines), "quoted", [source.passage], [source.text])

    def _repeats(self, item: Sentence, shown: Sequence[Sentence] | None = None) -> bool:
        """Whether `item` says again what a shown sentence says: the same words, or nothing new but the
        topic's name ("Some people with Fryns syndrome have a defect in the diaphragm..." after "Many
        affected individuals have a defect in the diaphragm...")."""
        terms = content_terms(item.text)
        for other in self.sentences if shown is None else shown:
            if _normal(other.text) == _normal(item.text):
                return True
            new = terms - content_terms(other.text) - self.checker.topic_terms
            if terms and len(new) <= 0.2 * len(terms):
                return True
        return False

    def _emit(self, items: list[Sentence], separator: str) -> str:
        """Record `items` as shown and return their text; the lead-in waiting for them goes first."""
        if items and self._intro is not None:
            intro, intro_separator = self._intro
            self._intro = None
            items = [*items[:-1], intro, items[-1]] if len(items) > 1 else [intro, *items]
            separators = [" "] * (len(items) - 1)
            separators[items.index(intro)] = intro_separator
        else:
            separators = [" "] * max(len(items) - 1, 0)
        items, separators = self._with_leads(items, separators)
        out = []
        if items and not self.sentences and (note := self._unanswered_note()):
            self.note = note
            out.append(note + "\n\n")
            self._separator = ""
        for number, item in enumerate(items):
            if self._separator == " " and _BULLET.match(item.text):  # a list item starts a line
                self._separator = "\n"
            if self._separator and _is_list(item):  # a quoted list is a block of its own, before and after
                self._separator = "\n\n"
            out.append(self._separator + item.render())
            self.sentences.append(item)
            self._separator = separators[number] if number < len(separators) else separator
            if _is_list(item):  # a blank line ends a Markdown list: the next sentence is not its last item's
                self._separator = "\n\n"
        return "".join(out)

    def _with_leads(self, items: list[Sentence], separators: list[str]) -> tuple[list[Sentence], list[str]]:
        """`items` (and the separators after each) where a quote that goes on from a passage sentence not shown
        right before it gets that sentence before it, or is removed when it cannot (`_lead`)."""
        kept: list[Sentence] = []
        kept_separators: list[str] = []
        for number, item in enumerate(items):
            separator = separators[number] if number < len(separators) else " "
            source = self._by_text.get(item.evidence[0]) if item.source == "quoted" and item.evidence else None
            goes_back = goes_on(item.text) or _PRONOUN_SUBJECT.match(item.text)
            lead = self._lead(source, [*self.sentences, *kept]) if source is not None and goes_back else None
            if lead is False:
                self._remove(item.text, "goes on from a passage sentence that is not shown before it")
                continue
            if isinstance(lead, SourceSentence):
                quote = self._quote(lead, focused=bool(self.focus.kinds))
                if self._repeats(quote, [*self.sentences, *kept]):
                    self._remove(item.text, "goes on from a passage sentence that is not shown before it")
                    continue
                kept.append(quote)
                kept_separators.append(" ")
            kept.append(item)
            kept_separators.append(separator)
        return kept, kept_separators[:-1] if kept_separators else []

    def _unanswered_note(self) -> str:
        """What to say first when no passage sentence answers a yes/no question; "" otherwise."""
        if not self.focus.yes_no or self.checker.states_answer(self.focus):
            return ""
        clause = whether(self.focus.question, self.focus.topic_terms)
        if clause is None:
            asked = " ".join(self.focus.question.split())
            return f"The sources found do not answer “{asked}” with a yes or a no. What they say:"
        return f"The sources found do not say whether {clause}. What they say:"

    def _remove(self, text: str, reason: str) -> str:
        self.removed.append(Removed(strip_markup(text), reason))
        return ""


def whether(question: str, topic_terms: frozenset[str]) -> str | None:
    """A yes/no question as a "whether" clause in its own words: "Does bronchitis turn into pneumonia?" ->
    "bronchitis turns into pneumonia", "Can I get shingles twice?" -> "you can get shingles twice"; None when its
    subject cannot be told (it must be a pronoun or name the topic: `topic_terms`) or its verb form is unusual."""
    # Only what it asks: "Do migraines always come with headaches because I dont have one right now" asks the first
    # part; the reason given after it, or a second question, is no part of the clause.
    asked = _ASKED_PART.split(question.strip(), maxsplit=1)[0]
    tokens = asked.strip().rstrip("?!. ").split()
    if len(tokens) < 3 or tokens[0].lower() not in _AUX_WORDS:
        return None
    aux, rest = tokens[0].lower(), tokens[1:]
    verb_at = next((i for i, t in enumerate(rest[:6]) if i and t.lower() in _BASE_VERBS), None)
    if rest[0].lower() in _SUBJECT_PRONOUNS:
        end = 1
    elif aux in _BEFORE_A_VERB and verb_at is not None and any(content_terms(t) for t in rest[:verb_at]):
        end = verb_at  # "Can sinus infections cause neck pain?": the subject is every word before the verb
    else:
        end = 0
        while end < len(rest) and (
            rest[end].lower() in _SUBJECT_WORDS
            or rest[end].isdigit()
            or (len(rest[end]) == 1 and rest[end].isupper() and end > 0)  # "hepatitis B", "vitamin D"
            or content_terms(rest[end]) & topic_terms
        ):
            end += 1
        if not any(content_terms(t) & topic_terms for t in rest[:end]):
            return None
    if end == 0 or end >= len(rest):
        return None
    subject = [_PERSON.get(t.lower(), t) for t in rest[:end]]
    predicate = [_PERSON.get(t.lower(), t) for t in rest[end:]]
    if aux in ("does", "do"):
        adverbs = 0
        while adverbs < len(predicate) - 1 and predicate[adverbs].lower() in _ADVERBS:
            adverbs += 1
        verb = predicate[adverbs]
        if aux == "does" and subject != ["you"]:
            verb = _third_person(verb)
        return " ".join([*subject, *predicate[:adverbs], verb, *predicate[adverbs + 1 :]])
    if subject == ["you"] and aux in ("is", "was"):
        aux = "are" if aux == "is" else "were"
    return " ".join([*subject, aux, *predicate])


def _third_person(verb: str) -> str:
    """ "turn" -> "turns", "go" -> "goes", "carry" -> "carries", "have" -> "has"."""
    lower = verb.lower()
    if lower == "have":
        return "has"
    if lower.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if len(lower) > 2 and lower.endswith("y") and lower[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _is_list(item: Sentence) -> bool:
    """Whether `item` shows a list: an intro line and "- item" lines."""
    return "\n- " in item.text


def _normal(text: str) -> str:
    return " ".join(words(text))
