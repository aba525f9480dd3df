"""Faithfulness of answers to the passages they cite, measured independently of the serve-time check.

The assistant checks its own sentences at answer time (`medqa.assistant`, with MiniLM similarity).
A check cannot grade itself, so evaluation uses another method, lexical and rule-based, with no
embeddings (embeddings rate "X is inherited" and "X is not inherited" as near-identical):

- An answer is cut into sentences; a `[n]` marker belongs to the sentence it follows (also when
  it stands after the full stop). A sentence without a marker cites nothing.
- A sentence is **supported** when one passage it cites has a window of one or two consecutive
  sentences that (1) holds at least SUPPORT_PRECISION of the sentence's content words (stemmed;
  the passage's title counts as part of every window, since passages say "this condition" for
  the name), and (2) does not contradict it in negation: no content word that one side only
  negates ("not inherited", "no cure") and the other only affirms. Besides, (3) every number and
  (4) every name (a capitalised word inside the sentence, or a word with digits: FOXC2, SPF 30) of
  the sentence must occur in the passages it cites.
- Not counted: sentences without a content word ("It is.", a list number "1.") and editorial
  notes wholly in parentheses. A bare "Yes." or "No." counts, and is supported only when the cited passages say
  the same on the question (polarity below).
- **Polarity** of a yes/no question ("Is X inherited?", "Can X be cured?"): its predicate is the
  question's content words minus its subject (the dataset's focus; without one, its last content
  word). A text answers "no" when it opens with "No" or when the first sentence that names the
  predicate negates it, else "yes". An answer contradicts a source when both have a polarity and
  they differ.

Lexical support is strict: a faithful paraphrase in other words fails (the served assistant quotes
or stays close to its passages, so this errs against it, not for it), and a single swapped word in
a long sentence can pass (precision 0.7 tolerates it unless it is a number or a name).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from medqa.evaluate.metrics import MetricStats, _ratio

SUPPORT_PRECISION = 0.7  # share of a sentence's content words its evidence window must hold
NEGATION_SCOPE = 6  # content words after a negation cue that it negates (up to a clause break)

MARKER = re.compile(r"\[(\d{1,2})\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_LIST_ITEM = re.compile(r"\s*[-*•]\s")  # a line of a list
_LEADING_MARKERS = re.compile(r"^((?:\s*\[\d{1,2}\])+)\s*")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[.,;:!?()]")
_CLAUSE_BREAK = {".", ",", ";", ":", "!", "?", "(", ")", "but", "although", "though", "however", "whereas", "while"}
_NEGATIONS = {"not", "no", "never", "none", "cannot", "neither", "nor", "nothing", "nobody"}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b(?:[A-Z][A-Za-z0-9'-]*|[A-Za-z]*\d[A-Za-z0-9-]*)")
_AUXILIARIES = {
    "is", "are", "was", "were", "am", "can", "could", "does", "do", "did", "will", "would",
    "should", "shall", "has", "have", "had", "may", "might", "must",
}  # fmt: skip
# Words that carry no claim of their own; stop words of the retrieval index plus a few.
_EXTRA_STOP = {"also", "may", "might", "can", "could", "would", "should", "will", "usually", "often", "some", "many"}


@dataclass(frozen=True)
class Source:
    """A passage an answer can cite: its text and its title (the topic it is about)."""

    text: str
    title: str = ""


@dataclass(frozen=True)
class SentenceVerdict:
    """One answer sentence and whether its cited passages support it."""

    sentence: str
    cites: tuple[int, ...]
    supported: bool
    reason: str  # "supported", "no citation", "few shared words", "negation disagrees", "number 30 not in ...", ...
    evidence: str = ""  # the best window of the cited passages


@dataclass
class AnswerFaithfulness:
    """Faithfulness of one answer: sentence verdicts (against cited passages and against any passage)."""

    sentences: list[SentenceVerdict] = field(default_factory=list)
    any_source: list[bool] = field(default_factory=list)  # the same sentences judged against every passage given
    yes_no: bool = False
    answer_polarity: str | None = None
    source_polarity: str | None = None

    @property
    def supported(self) -> int:
        return sum(v.supported for v in self.sentences)

    @property
    def contradiction(self) -> bool:
        return _contradicts(self.answer_polarity, self.source_polarity)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sentences": [
                {"sentence": v.sentence, "cites": list(v.cites), "supported": v.supported, "reason": v.reason}
                for v in self.sentences
            ],
            "supported": self.supported,
            "yes_no": self.yes_no,
            "answer_polarity": self.answer_polarity,
            "source_polarity": self.source_polarity,
            "contradiction": self.contradiction,
        }


# ----------------------------------------------------------------------------------------- words
@functools.lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | _EXTRA_STOP | {"yes"}


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def _is_content(token: str) -> bool:
    if not token[0].isalnum() or token in _NEGATIONS or token.endswith("n't"):
        return False
    return token not in _stopwords() and (len(token) > 1 or token.isdigit())


def content_words(text: str) -> set[str]:
    """Stemmed content words: no stop words, negations or punctuation."""
    return {_stem(t.split("'")[0]) for t in _tokens(text) if _is_content(t)}


def _scoped(text: str) -> tuple[set[str], set[str]]:
    """(negated, affirmed) content words: a negation cue negates the content words after it, up to
    NEGATION_SCOPE of them or a clause break."""
    negated, affirmed = set(), set()
    left = 0
    for token in _tokens(text):
        if token in _CLAUSE_BREAK:
            left = 0
        elif token in _NEGATIONS or token.endswith("n't"):
            left = NEGATION_SCOPE
        elif _is_content(token):
            word = _stem(token.split("'")[0])
            if left:
                negated.add(word)
                left -= 1
            else:
                affirmed.add(word)
    return negated, affirmed


def _negation_clash(a: str, b: str) -> bool:
    """A content word that one text only negates and the other only affirms."""
    neg_a, aff_a = _scoped(a)
    neg_b, aff_b = _scoped(b)
    only_neg_a, only_aff_a = neg_a - aff_a, aff_a - neg_a
    only_neg_b, only_aff_b = neg_b - aff_b, aff_b - neg_b
    return bool(only_neg_a & only_aff_b or only_aff_a & only_neg_b)


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def _names(sentence: str) -> set[str]:
    """Capitalised words after the first word, and words with digits, as lower-case alphanumeric pieces."""
    names = set()
    for match in _NAME.finditer(sentence):
        word = match.group(0)
        digits = any(c.isdigit() for c in word)
        if not digits and (match.start() == _first_word_start(sentence) or word.lower() in _stopwords()):
            continue  # a capital at the start of a sentence or on "This"/"These" after a colon is grammar
        names.update(p for p in re.split(r"[^a-z0-9]+", word.lower()) if p and not p.isdigit())
    return names


def _first_word_start(sentence: str) -> int:
    found = re.search(r"[A-Za-z0-9]", sentence)
    return found.start() if found else 0


def _plain_words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


# ----------------------------------------------------------------------------------------- sentences
def cited_sentences(answer: str) -> list[tuple[str, tuple[int, ...]]]:
    """(sentence without markers, the passage numbers it cites) in answer order. Markers at the
    start of a piece belong to the sentence before it ("... inherited. [1] It ...")."""
    pieces: list[tuple[str, list[int]]] = []
    for raw in _units(answer):
        piece = raw.strip()
        leading = _LEADING_MARKERS.match(piece)
        if leading and pieces:
            pieces[-1][1].extend(int(n) for n in MARKER.findall(leading.group(1)))
            piece = piece[leading.end() :]
        numbers = [int(n) for n in MARKER.findall(piece)]
        text = " ".join(MARKER.sub(" ", piece).split())
        text = re.sub(r"\s+([.,;:!?])", r"\1", text).lstrip("-*• ").strip()
        if text:
            pieces.append((text, numbers))
        elif numbers and pieces:
            pieces[-1][1].extend(numbers)
    return [(text, tuple(dict.fromkeys(numbers))) for text, numbers in pieces]


def _units(answer: str) -> list[str]:
    """The answer's sentences; a quoted list (a lead-in ending in ":", then "- item" lines up to the one
    that carries the markers: the answer cites a list once, after its last item) as one unit per item,
    each with the lead-in and the list's markers."""
    units: list[str] = []
    lines = answer.split("\n")
    i = 0
    while i < len(lines):
        pieces = _SENTENCE_END.split(lines[i])
        i += 1
        items: list[str] = []
        if pieces[-1].strip().rstrip("\"'”’").endswith(":"):
            while i < len(lines) and _LIST_ITEM.match(lines[i]):
                items.append(lines[i].strip())
                i += 1
                if MARKER.search(items[-1]):
                    break
        if not items:
            units.extend(pieces)
            continue
        # each item with the lead-in and the list's markers: an item the passage does not list is caught
        intro, markers = pieces.pop().strip(), "".join(f"[{n}]" for n in MARKER.findall(items[-1]))
        units.extend(pieces)
        units.extend(f"{intro} {item}" + ("" if MARKER.search(item) else f" {markers}") for item in items)
    return units


def _passage_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


@functools.lru_cache(maxsize=4096)
def _windows(source: Source) -> list[tuple[str, frozenset[str]]]:
    """(window, its content words with the title's) for every one or two consecutive sentences."""
    parts = _passage_sentences(source.text)
    title = content_words(source.title)
    windows = parts + [f"{a} {b}" for a, b in zip(parts, parts[1:], strict=False)]
    return [(w, frozenset(content_words(w) | title)) for w in windows]


def _is_note(sentence: str) -> bool:
    return sentence.startswith("(") and sentence.rstrip(".").endswith(")")


def _bare_polarity(sentence: str) -> str | None:
    words = re.findall(r"[a-z]+", sentence.lower())
    if words in (["yes"], ["no"]):
        return words[0]
    return None


# ----------------------------------------------------------------------------------------- support
def judge_sentence(
    sentence: str, sources: Sequence[Source], precision_needed: float = SUPPORT_PRECISION
) -> tuple[bool, str, str]:
    """(supported, reason, evidence) of one sentence against the passages it cites."""
    if not sources:
        return False, "no citation", ""
    cited_text = " ".join(f"{s.title} {s.text}" for s in sources)
    missing_numbers = _numbers(sentence) - _numbers(cited_text)
    if missing_numbers:
        return False, f"number {sorted(missing_numbers)[0]} not in the cited passages", ""
    missing_names = _names(sentence) - _plain_words(cited_text)
    if missing_names:
        return False, f"name '{sorted(missing_names)[0]}' not in the cited passages", ""
    words = content_words(sentence)
    best, best_window, clash_window = 0.0, "", ""
    for source in sources:
        for window, window_words in _windows(source):
            precision = len(words & window_words) / len(words)
            if precision < precision_needed:
                best, best_window = max((best, best_window), (precision, window))
                continue
            if _negation_clash(sentence, window):
                clash_window = clash_window or window
                continue
            return True, "supported", window
    if clash_window:
        return False, "negation disagrees with the cited passage", clash_window
    return False, f"few shared words (best {best:.2f})", best_window


def judge_answer(
    question: str,
    answer: str,
    sources: Mapping[int, Source],
    focus: str = "",
    abstained: bool = False,
) -> AnswerFaithfulness:
    """Every counted sentence of `answer` against the passages it cites (`sources`: number -> passage),
    and, on a yes/no question, the answer's polarity against the cited passages'."""
    result = AnswerFaithfulness(yes_no=is_yes_no(question))
    if abstained:
        return result
    all_sources = list(sources.values())
    cited_numbers: list[int] = []
    predicate = predicate_words(question, focus)
    for sentence, numbers in cited_sentences(answer):
        cited = [sources[n] for n in numbers if n in sources]
        cited_numbers.extend(n for n in numbers if n in sources)
        bare = _bare_polarity(sentence)
        if bare is not None:
            source_says = polarity(" ".join(s.text for s in cited), predicate) if cited else None
            ok = result.yes_no and source_says == bare
            reason = "supported" if ok else ("no citation" if not cited else "the cited passages do not say " + bare)
            result.sentences.append(SentenceVerdict(sentence, numbers, ok, reason))
            result.any_source.append(result.yes_no and polarity(_joined(all_sources), predicate) == bare)
            continue
        if _is_note(sentence) or not any(w[0].isalpha() for w in content_words(sentence)):
            continue  # an editorial note, a list number ("1."), no claim
        supported, reason, evidence = judge_sentence(sentence, cited)
        result.sentences.append(SentenceVerdict(sentence, numbers, supported, reason, evidence))
        result.any_source.append(supported or judge_sentence(sentence, all_sources)[0])
    if result.yes_no:
        cited = [sources[n] for n in dict.fromkeys(cited_numbers)] or all_sources
        result.answer_polarity = polarity(answer, predicate)
        result.source_polarity = polarity(_joined(cited), predicate)
    return result


def _joined(sources: Sequence[Source]) -> str:
    return "\n".join(s.text for s in sources)


# ----------------------------------------------------------------------------------------- polarity
def is_yes_no(question: str) -> bool:
    """A question answered by yes or no: it opens with an auxiliary verb ("Is", "Can", "Does"...);
    "Do you have information about X?" is a request, not one."""
    words = re.findall(r"[a-z']+", question.lower())
    return len(words) >= 2 and words[0] in _AUXILIARIES and words[1] != "you"


def predicate_words(question: str, focus: str = "") -> set[str]:
    """What a yes/no question asks about its subject: "Is Milroy disease inherited?" -> {inherit}."""
    words = [_stem(t.split("'")[0]) for t in _tokens(question) if _is_content(t)]
    if not words:
        return set()
    subject = content_words(focus)
    rest = {w for w in words if w not in subject} if subject else {words[-1]}
    return rest or {words[-1]}


def polarity(text: str, predicate: set[str]) -> str | None:
    """ "yes" or "no": what `text` says to the yes/no question whose predicate is `predicate`; None
    when it does not say (no sentence names the predicate)."""
    claims = [s for s in _passage_sentences(MARKER.sub(" ", text)) if not s.rstrip().endswith("?")]
    if not claims or not predicate:
        return None
    opening = re.match(r"\W*(yes|no)\b\s*([,.;:!\-\u2013\u2014]|$)", claims[0].lower())
    if opening:
        return opening.group(1)
    for sentence in claims:
        negated, affirmed = _scoped(sentence)
        named = predicate & (negated | affirmed)
        if named:
            return "no" if named & negated - affirmed else "yes"
    return None


def _contradicts(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a != b


# ----------------------------------------------------------------------------------------- metrics
def faithfulness_metrics(judged: Sequence[AnswerFaithfulness]) -> list[MetricStats]:
    """faithfulness (sentences supported by the passages they cite), faithfulness_any_source (by any
    passage the answer was given), cited_sentences (sentences with a marker) and
    contradicts_sources (yes/no answers whose polarity contradicts their cited passages)."""
    supported = [(j.supported, len(j.sentences)) for j in judged]
    anywhere = [(sum(j.any_source), len(j.any_source)) for j in judged]
    cited = [(sum(bool(v.cites) for v in j.sentences), len(j.sentences)) for j in judged]
    clashes = [(float(j.contradiction), float(j.yes_no)) for j in judged]
    return [
        MetricStats("faithfulness", _pairs(supported), _ratio),
        MetricStats("faithfulness_any_source", _pairs(anywhere), _ratio),
        MetricStats("cited_sentences", _pairs(cited), _ratio),
        MetricStats("contradicts_sources", _pairs(clashes), _ratio, higher_is_better=False),
    ]


def reference_metrics(
    questions: Sequence[str], answers: Sequence[str], references: Sequence[str], focuses: Sequence[str]
) -> list[MetricStats]:
    """For every system, closed-book too: reference_support (answer sentences the reference answer
    supports, as if it were the one cited passage) and contradicts_reference (yes/no answers whose
    polarity contradicts the reference's)."""
    support, clashes = [], []
    for question, answer, reference, focus in zip(questions, answers, references, focuses, strict=True):
        judged = judge_answer(question, _cite_all(answer), {1: Source(reference, focus)}, focus)
        support.append((judged.supported, len(judged.sentences)))
        clashes.append((float(judged.contradiction), float(judged.yes_no)))
    return [
        MetricStats("reference_support", _pairs(support), _ratio),
        MetricStats("contradicts_reference", _pairs(clashes), _ratio, higher_is_better=False),
    ]


def _cite_all(answer: str) -> str:
    """The answer with every sentence citing passage 1 (the reference)."""
    return "\n".join(f"{sentence} [1]" for sentence, _ in cited_sentences(answer))


def _pairs(rows: Sequence[tuple[float, float]]) -> np.ndarray:
    return np.asarray(rows, dtype=np.float64).reshape(-1, 2)
