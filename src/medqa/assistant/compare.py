"""Comparison questions: "What is the difference between a fissure and hemorrhoids?" (issue 13).

Retrieving the top k passages for the whole question often brings pages of one side only (the side whose
page reads most like the question), and the answer then says nothing of the other. So a comparison is
recognised, its two sides are read out of it, and each side is retrieved on its own ("fissure", or
"fissure symptoms" when the question asks about symptoms) as well as the whole question. The sources are
then merged (`merge`): a passage that names both sides first (it compares them), then each side's best
page, then the rest of the whole question's passages, up to the assistant's k passages. Each side keeps a
page whatever k is, so a comparison may get k + 1 passages (two with k = 1): one more page costs a longer
prompt, an answer about one side only answers nothing.

Each side's passages are judged against that side (`medqa.assistant.relevance`): a page about the fissure
is relevant to the question's fissure side even when its cosine to the whole question is low. A side's query is
a bare name, which sits further from its page than a question does ("cold" and the Common Cold page: 0.45): a page
the side names (`_of_side`) retrieved for it answers from `SIDE_NAMED_COSINE` when no other page of the side does.
A side named by a letter or a number ("hepatitis A", "type 1 diabetes") is a page that has that label: the
Hepatitis B page is not about hepatitis A, although both are about hepatitis (`_labels`).

Recognised forms: "difference(s) between A and B", "A vs/vs./versus B", "is A the same as B", "are A and B
the same", "compare A and/with/to B", "how is A different from B", "how does A differ from/compare to B",
"is A different from B", "is A worse than B", "how do A and B differ", and "A or B" where the question
asks which it is ("is it A or B", "do I have A or B", "which is worse, A or B", or the whole message "A or
B?"): a plain "A or B" ("Can I eat eggs or milk?") is not a comparison.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from medqa.assistant.relevance import keys, names_all, page_match, relevant
from medqa.assistant.support import QUESTION_TYPES
from medqa.retrieval.index import RetrievedPassage

_SIDE = r"(?P<a>.+?)"
_ASKING = "can|could|should|what|whats|what's|how|why|when|where|who|does|do|did|is|are|will|would|may|might|which"
_OTHER = r"(?P<b>.+)"
_FORMS = [
    re.compile(p, re.I)
    for p in (
        rf"\bdiff(?:erence|erences|\.)?\s+(?:is\s+there\s+)?(?:between|btw|b/w)\s+{_SIDE}\s+(?:and|&|or)\s+{_OTHER}",
        rf"\bcompar(?:e|ing|ison\s+of)\s+{_SIDE}\s+(?:and|with|to|&|vs\.?|versus)\s+{_OTHER}",
        rf"^\s*(?:how|in\s+what\s+way)\s+(?:is|are|does|do)\s+{_SIDE}\s+(?:different|differ|compare)\s+"
        rf"(?:from|to|with|than)\s+{_OTHER}",
        rf"^\s*(?:is|are)\s+{_SIDE}\s+(?:the\s+same(?:\s+thing)?|different|similar)\s+(?:as|from|to|than)\s+{_OTHER}",
        rf"^\s*(?:is|are)\s+{_SIDE}\s+(?:and|&)\s+{_OTHER}\s+(?:the\s+same|different|similar)\b",
        rf"^\s*(?:is|are)\s+{_SIDE}\s+(?:worse|better|more\s+(?:serious|dangerous|common))\s+than\s+{_OTHER}",
        rf"^\s*how\s+(?:do|does)\s+{_SIDE}\s+(?:and|&)\s+{_OTHER}\s+(?:differ|compare)\b",
        rf"{_SIDE}\s+(?:vs\.?|versus|v\.)\s+{_OTHER}",
        rf"^\s*(?:is\s+(?:it|this|that)|do\s+i\s+have|could\s+(?:it|this|that)\s+be|might\s+(?:it|this)\s+be|"
        rf"which\s+is\s+(?:it|worse|better|more\s+\w+)\s*[,:]?|what\s+is\s+worse\s*[,:]?)\s+{_SIDE}\s+or\s+{_OTHER}",
        rf"^(?!\s*(?:{_ASKING})\b)\s*{_SIDE}\s+or\s+{_OTHER}\?\s*$",  # "flu or covid?", not "can I eat eggs or ..."
    )
]
# Where a side ends: a clause after it ("... dementia: what is the difference?"), a question mark.
_SIDE_END = re.compile(r"\s*(?:[?!;:]|,|\.(?:\s|$)|\s-\s).*$", re.S)
# Words around a side that are not its name: articles, question words, "the symptoms of".
_FILLER = frozenset(
    str.split(
        "of for in on with my your his her their our what whats what's which is are was were do does did "
        "i you we have has had get got having it this that between how about and or to from as same thing things "
        "difference differences different differ compare vs versus people someone"
    )
)
_ARTICLES = frozenset({"a", "an", "the"})  # before a name only: "hepatitis A" ends with its name
# "common" asks how common only outside a name ("common cold").
_ASPECTS = frozenset(w for triggers, _ in QUESTION_TYPES.values() for w in triggers.split()) - {"common"}
_MAX_SIDE_WORDS = 6  # a longer "side" is a clause, not a name ("I get headaches when I eat cheese or ...")
_PRONOUNS = frozenset({"it", "this", "that", "they", "them", "these", "those", "one"})
# A page the side's bare name names (`_of_side`) answers for that side from this cosine to the name, when no page of
# the side passed the usual relevance: "cold" and the Common Cold page score 0.45, the lowest of the 64 sides of the
# 32 comparison questions written for this (all others 0.61-0.87); "Cold urticaria" is not named by "cold".
SIDE_NAMED_COSINE = 0.40
# A label of a side's name: a number anywhere after its first word ("type 1 diabetes"), or one letter at its end
# ("hepatitis A"; "having a baby" has an article, not a label).
_NUMBER_LABEL = re.compile(r"^\d{1,2}$")
_LETTER_LABEL = re.compile(r"^[a-z]$", re.I)


@dataclass(frozen=True)
class Comparison:
    """A question that compares two things: their names, and what it asks of them ("symptoms")."""

    sides: tuple[str, str]
    aspect: str = ""  # the question-type words it asks about ("symptoms", "treatment"), space-separated

    def queries(self) -> tuple[str, str]:
        """What to retrieve for each side: its name, with what the question asks about it."""
        a, b = (f"{side} {self.aspect}".strip() for side in self.sides)
        return a, b


def comparison(question: str) -> Comparison | None:
    """The comparison `question` asks, or None when it asks no comparison (or its sides cannot be read)."""
    text = " ".join(question.replace("’", "'").split())
    for form in _FORMS:
        match = form.search(text)
        if match is None:
            continue
        a, b = _side(match.group("a"), last_clause=True), _side(_SIDE_END.sub("", match.group("b")))
        a, b = _share_head(a, b)
        if not _names_something(a) or not _names_something(b) or a.lower() == b.lower():
            return None  # "is it the same as that?": nothing to retrieve for a side
        return Comparison((a, b), _aspect(text, (a, b)))
    return None


def merge(
    comparison: Comparison,
    whole: Sequence[RetrievedPassage],
    per_side: Sequence[Sequence[RetrievedPassage]],
    k: int,
) -> list[RetrievedPassage]:
    """The sources of a comparison answer, from the whole question's relevant passages (`whole`) and each
    side's own (`per_side`, judged against that side), best first:

    1. the best passage of the whole question that names both sides (it compares them);
    2. the best page of each side, side A first: a passage of the whole question whose page the side
       names, else the best passage retrieved for the side;
    3. the rest of the whole question's passages, then of each side's, in turns;
    up to k pages, or as many as 1. and 2. need (at most k + 1: each side keeps a page); then the other passages
    retrieved of those pages (the assistant joins a page's passages into one source)."""
    chosen: list[RetrievedPassage] = []

    def take(passage: RetrievedPassage | None) -> None:
        if passage is not None and all(p.passage_id != passage.passage_id for p in chosen):
            chosen.append(passage)

    take(next((p for p in whole if _compares(p, comparison.sides)), None))
    for side, own in zip(comparison.sides, per_side, strict=True):
        if not any(_of_side(p, side) for p in chosen):
            take(
                next((p for p in whole if _of_side(p, side)), None)
                or next((p for p in own if _of_side(p, side)), None)
                or next(iter(own), None)
            )
    if len(chosen) > k + 1:  # k = 1: the two sides' pages, without the one that compares them
        chosen = chosen[1:]
    needed = len(chosen)
    rest = [*whole, *_in_turns(per_side)]
    for passage in rest:
        if len(chosen) >= max(k, needed):
            break
        take(passage)
    # The other retrieved passages of the pages chosen: one source each still, and more of what a side's page says
    # (a page's best passage may be a list of points that cannot be quoted: "What I need to know about Hepatitis B").
    pages = {p.url for p in chosen if p.url}
    for passage in rest:
        if passage.url in pages:
            take(passage)
    return chosen


def retrieve_compared(
    question: str,
    comparison: Comparison,
    retrieve: Callable[[str, int], list[RetrievedPassage]],
    k: int,
    min_cosine: float,
    min_named_cosine: float,
) -> tuple[list[RetrievedPassage], list[RetrievedPassage]]:
    """(all passages retrieved, the relevant ones merged) for a comparison: the whole question and each
    side's query retrieved with `retrieve`, each judged against what it was retrieved for."""
    found = retrieve(question, k)
    whole = relevant(question, found, min_cosine, min_named_cosine)
    per_side = []
    for side, query in zip(comparison.sides, comparison.queries(), strict=True):
        side_found = retrieve(query, k)
        found += [p for p in side_found if all(p.passage_id != f.passage_id for f in found)]
        # a page labelled for the other side ("Hepatitis B" for "hepatitis A") is not this side's
        own = [p for p in relevant(query, side_found, min_cosine, min_named_cosine) if _labelled(p.title, side)]
        if not any(_of_side(p, side) for p in own):  # a bare name sits far from its page: see SIDE_NAMED_COSINE
            own += [p for p in side_found if _of_side(p, side) and p.dense_score >= SIDE_NAMED_COSINE]
        per_side.append(own)
    return found, merge(comparison, whole, per_side, k)


def side_pages(comparison: Comparison, passages: Sequence[RetrievedPassage]) -> tuple[list[int], list[int]]:
    """The numbers (1-based, in `passages`) of each side's pages: those whose title or question names the
    side; what the answer must cite for each side to be answered."""
    a, b = (
        [
            n
            for n, p in enumerate(passages, start=1)
            if _of_side(p, side) or _names_side(f"{p.title} {p.question}", side, labelled=True)
        ]
        for side in comparison.sides
    )
    return a, b


# ----------------------------------------------------------------------------------------- helpers
def _side(text: str, last_clause: bool = False) -> str:
    """A side's name: without the words around it ("the symptoms of the flu" -> "flu"); for the first side,
    only what follows the last clause break ("which is worse: flu" -> "flu")."""
    if last_clause:
        text = re.split(r"[,:;?!]|\.\s", text)[-1]
    words = re.findall(r"[\w'/+-]+", text)
    while words and words[0].lower() in _FILLER | _ARTICLES | _ASPECTS:
        words.pop(0)
    while words and words[-1].lower() in _FILLER | _ASPECTS:
        words.pop()
    return " ".join(words)


def _share_head(a: str, b: str) -> tuple[str, str]:
    """Sides that share a name written once: "hepatitis A and B" -> "hepatitis B"; "type 1 and type 2
    diabetes" -> "type 1 diabetes"."""
    a_words, b_words = a.split(), b.split()
    if len(b_words) == 1 and len(b) <= 2 and len(a_words) >= 2 and len(a_words[-1]) <= 2:
        return a, " ".join([*a_words[:-1], b])  # "hepatitis A and B"
    if len(a_words) == 2 and a_words[0].lower() == "type" and len(b_words) > 2 and b_words[0].lower() == "type":
        return " ".join([*a_words, *b_words[2:]]), b  # "type 1 and type 2 diabetes"
    return a, b


def _names_something(side: str) -> bool:
    words = side.split()
    return 0 < len(words) <= _MAX_SIDE_WORDS and not all(w.lower() in _PRONOUNS for w in words)


def _aspect(question: str, sides: tuple[str, str]) -> str:
    """The question-type words of `question` outside its sides' names ("symptoms", "treatment")."""
    named = {w.lower() for side in sides for w in side.split()}
    found = [w for w in re.findall(r"[a-z]+", question.lower()) if w in _ASPECTS and w not in named]
    return " ".join(dict.fromkeys(found))


def _of_side(passage: RetrievedPassage, side: str) -> bool:
    """Whether the passage's page is about `side`: the side names its title (with the side's label, if any:
    "Hepatitis A" for "hepatitis A", not "Hepatitis" or "Hepatitis B")."""
    return page_match(keys(side), passage.title) == "named" and _labelled(passage.title, side, strict=True)


def _compares(passage: RetrievedPassage, sides: tuple[str, str]) -> bool:
    """Whether the passage names both sides (in its title or text): it can say how they differ."""
    text = f"{passage.title} {passage.text}"
    return all(_names_side(text, side, labelled=True) for side in sides)


def _names_side(text: str, side: str, labelled: bool = False) -> bool:
    """Whether `text` names `side` (every specific word in some form); `labelled`: with its label, if any."""
    return names_all(text, side) and (not labelled or _labelled(text, side, strict=True))


def _labels(side: str) -> list[tuple[str, str]]:
    """(the word labelled, the label) of a side's name: "hepatitis A" -> [("hepatitis", "a")], "type 1
    diabetes" -> [("type", "1")]. Retrieval and page titles read "A" as an article or drop it: both
    hepatitis pages would otherwise be pages of both sides."""
    words = side.lower().split()
    return [
        (words[i - 1], word)
        for i, word in enumerate(words)
        if i > 0 and (_NUMBER_LABEL.match(word) or (i == len(words) - 1 and _LETTER_LABEL.match(word)))
    ]


def _labelled(text: str, side: str, strict: bool = False) -> bool:
    """Whether `text` may be about `side` as its label says: it names the labelled word with the side's label
    ("Hepatitis A", "hepatitis-A"); not when it gives that word another label only ("Hepatitis B"); a text that
    gives the word no label at all ("Hepatitis") passes unless `strict`. True for a side without a label."""
    lower = text.lower()
    for word, label in _labels(side):
        given = re.findall(rf"\b{re.escape(word)}\w*[\s-]+(\w+)\b", lower)  # "hepatitis A", not "hepatitis: A to E"
        labels = [g for g in given if _NUMBER_LABEL.match(g) or _LETTER_LABEL.match(g)]
        if label in labels:
            continue
        if labels or strict:
            return False
    return True


def _in_turns(lists: Sequence[Sequence[RetrievedPassage]]) -> list[RetrievedPassage]:
    """The passages of `lists` taken in turns: the first of each, then the second of each..."""
    longest = max((len(items) for items in lists), default=0)
    return [items[i] for i in range(longest) for items in lists if i < len(items)]
