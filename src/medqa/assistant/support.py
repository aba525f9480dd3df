"""The support check: is a sentence the assistant is about to show said by a passage it can cite?

A small model paraphrases badly and guesses confidently ("cleft lip" where the page says "an
opening in the roof of the mouth"; "SPF 30" where it says 15; "No." where it says "inherited in an
autosomal dominant manner"). So every sentence is checked, before anyone sees it, against each
retrieved passage (only what retrieval returned: text in the user's message never counts as a
source). A passage supports a sentence when ONE of its sentences says it (with the sentence before
it when that one refers back to it: "It often starts in the big toe"; a sentence the model joined
from two statements is split and each must be said by one), and all of these agree with it:

- numbers: every number of the sentence is in the passage (and a dose unit next to it, too);
- names and strict words: capitalised names, gene/drug-like tokens, medical-suffix words (-itis,
  -oma, -statin...), words in brackets, and words whose swap flips a fact (dominant/recessive,
  acute/chronic, more/less...) must be in the passage, its title or its question;
- content words: at most one in four of the other content words may be missing from it, and none
  that another sentence of the passage says (a fact taken from a neighbour: "stage IIB" bound to
  what the sentence before says of stage IIA);
- polarity: the passage sentence it matches best is negated ("not", "no", "never", "without"...)
  exactly when the sentence is;
- meaning: that passage sentence is close in the bundled MiniLM's embedding (`min_similarity`).

A sentence no passage supports is replaced by the passage sentence it tried to say, when one is
close enough (`replace_similarity`), or dropped. The same module picks what to quote when too little
of the model's answer survives: the passage sentences that best answer the question (MiniLM
similarity to the question plus the words its type calls for: a "what causes" question wants a
sentence about causes, a "how many" question a figure; those that say what the question asks come
first), and, for a yes/no question, the sentence that states the answer and its polarity.

The rules are heuristics, measured on real answers (see the faithfulness figures of the report),
not proofs; they fail closed: what they cannot confirm is not shown as the model wrote it.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from medqa.assistant.guard import clean_sentence, list_parts, passage_sentences, strip_markup
from medqa.config import check, raise_problems
from medqa.retrieval.embedding import Embedder
from medqa.retrieval.index import RetrievedPassage, bm25_tokens


# ----------------------------------------------------------------------------------------- words
def _wordlist(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words and words that carry no medical fact of their own: a paraphrase may add them freely.
_GENERIC = _wordlist(
    """
a about above across after again against all also although always am among an and any anyone are as at
be because been before being below between both but by can could did do does doing done during each
either else enough etc even every everyone for from further get gets getting got had has have having he
her here hers him his how however i if in into is it its itself just let like may me might mine more
most much must my near need needs of off often on once one only onto or other others otherwise our ours
out over own per perhaps please quite rather really same shall she should since so some someone
something sometimes such than that the their theirs them then there therefore these they this those
though through thus to too toward towards under until up upon us usually very was way ways we well were
what whatever when where whether which while who whom whose why will with within would yet you your
yours generally typically commonly frequently often usually mostly mainly largely certain various several
many different another same kind kinds type types form forms include includes included including
involve involves involved example examples called known term terms refer refers referred mean means
meaning describe described make makes made making take takes took taken use used uses using person
people individual individuals patient patients affected someone condition conditions disease diseases
disorder disorders problem problems health medical important thing things part parts yes sure answer
"""
)
# Swapping one of these for another flips a fact: each must be in the passage.
_STRICT = _wordlist(
    """
dominant recessive linked benign malignant acute chronic contagious infectious fatal lethal curable
incurable cure cured increase increases increased decrease decreases decreased high higher low lower
upper left right male female men women boys girls child children adult adults infant infants baby
babies elderly older younger less least none always rarely rare hundred thousand million billion
percent daily weekly monthly yearly hourly
"""
)
# A word ending like this names a disease, a procedure or a drug.
_MEDICAL_SUFFIX = re.compile(
    r"[a-z]{3,}(itis|osis|oma|omas|emia|aemia|pathy|plasia|trophy|ectomy|otomy|oscopy|mab|nib|pril|sartan|olol|"
    r"statin|cillin|mycin|cycline|azole|vir|prazole|tidine|oxacin|zepam|zolam|done|profen|phen|amine)$"
)
_NEGATION = _wordlist(
    "no not never none nothing nobody neither nor without cannot cant can't unable isn't aren't wasn't "
    "weren't doesn't don't didn't won't wouldn't shouldn't couldn't hasn't haven't hadn't isnt arent doesnt "
    "dont didnt wont"
)
# Number words read as digits ("one" is left out: "one of the", "one feature" use it as a word, not a count).
_NUMBER_WORDS = {
    "zero": "0", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15", "twenty": "20",
    "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80",
    "ninety": "90", "twice": "2", "half": "0.5",
}  # fmt: skip
_DOSE_UNITS = {"mg", "mcg", "µg", "g", "kg", "ml", "l", "iu", "units", "unit", "mmhg", "mmol", "tablets", "pills"}
_IRREGULAR = {"children": "child", "women": "woman", "men": "man", "feet": "foot", "teeth": "tooth", "mice": "mouse"}

_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*|\d+(?:[.,]\d+)*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_LIST_MARK = re.compile(r"^\s*([-*•]|\d{1,2}[.)])\s+")
_PAREN = re.compile(r"\(([^()]{1,80})\)")
_MARKDOWN = re.compile(r"[*_`#>]+")
_CLAUSE = re.compile(r"[,;:()]|\b(?:but|although|though|however|whereas|while|except)\b", re.I)
# MedQuAD page furniture that answers nothing: questions used as headings, video and link
# instructions, the Human Phenotype Ontology's table text, resource lists, addresses.
_BOILERPLATE = re.compile(
    r"Human Phenotype Ontology|Medical Dictionary|table below|Approximate number of patients|Orphanet|"
    r"sign or symptom may be rare or common|frequenc(y|ies) (of a sign|may also|is usually)|\bfraction\b|"
    r"no information on frequency|these frequencies|"
    r"^(These|The following) resources|^(Watch|See|Learn|Get tips|Click|To enlarge|To reduce|Press|Visit|Call|"
    r"For more information)\b|www\.|https?://|@|\bvideo\b|"
    # resource lists, flattened: "... These resources from MedlinePlus offer...: - Genetic Testing Registry: ..."
    r"\bThese resources\b|Genetic Testing Registry|MedlinePlus Encyclopedia|Gene Review|Merck Manual",
    re.I,
)
_MIN_QUOTE_WORDS, _MAX_QUOTE_WORDS = 4, 70
_PHRASE_WORDS = 12  # a list item this short is a phrase its intro binds ("Tugging at ears"), not a statement
# A sentence that opens like this leans on the one before it: a weaker quote on its own.
_LEANS_BACK = re.compile(
    r"^(these|this|they|it|its|those|other|another|such|he|she|their|in addition|also|however|but|and|so|"
    r"in (these|this|such) (cases?|people))\b",
    re.I,
)


@functools.lru_cache(maxsize=8192)
def _stem(word: str) -> str:
    """The Snowball stem of one lower-case word (irregular plurals first), as retrieval stems it."""
    word = _IRREGULAR.get(word, word)
    stems = bm25_tokens(word)
    return stems[0] if stems else word


@functools.lru_cache(maxsize=1)
def _generic_stems() -> frozenset[str]:
    return frozenset(_stem(w) for w in _GENERIC)


@functools.lru_cache(maxsize=1)
def _strict_stems() -> frozenset[str]:
    return frozenset(_stem(w) for w in _STRICT)


def words(text: str) -> list[str]:
    """The words and numbers of `text`, lower-cased, without Markdown or citation markers."""
    text = _MARKDOWN.sub(" ", re.sub(r"\[\d{1,2}\]", " ", text))
    return [w.lower().replace("’", "'").strip("'") for w in _WORD.findall(text)]


def stems(text: str) -> set[str]:
    """Every stem of `text` (function words included): what a passage offers to support a claim."""
    return {_stem(w) for w in words(text) if w and not w[0].isdigit()}


def content_terms(text: str) -> set[str]:
    """The stems of `text` that carry its facts: no function words, no generic words, no numbers."""
    generic = _generic_stems()
    out = set()
    for word in words(text):
        if not word or word[0].isdigit() or word in _NEGATION or word in _NUMBER_WORDS:
            continue
        stem = _stem(word)
        if stem not in generic and len(stem) > 1:
            out.add(stem)
    return out


def numbers(text: str) -> set[str]:
    """The numbers of `text`, digits or words ("two" -> "2", "10,000" -> "10000")."""
    found = {_number(m) for m in _NUMBER.findall(text)}
    found.update(_NUMBER_WORDS[w] for w in words(text) if w in _NUMBER_WORDS)
    return found


def dose_amounts(text: str) -> set[tuple[str, str]]:
    """(number, unit) pairs of dose units: "500 mg" -> ("500", "mg")."""
    tokens = words(text)
    pairs = set()
    for word, following in zip(tokens, tokens[1:], strict=False):
        value = _number(word) if word[:1].isdigit() else _NUMBER_WORDS.get(word)
        if value is not None and following in _DOSE_UNITS:
            pairs.add((value, following))
    return pairs


def _number(token: str) -> str:
    if re.fullmatch(r"\d{1,3}(,\d{3})+", token):  # a thousands separator, not a decimal comma
        token = token.replace(",", "")
    return token.replace(",", ".")


def negated(text: str) -> bool:
    """Whether `text` says "not", "no", "never", "without"..."""
    return any(w in _NEGATION or w.endswith("n't") for w in words(text))


def strict_terms(text: str) -> set[str]:
    """Stems that must appear in a passage for it to support `text`: names (capitalised words after
    the first; a gene such as FLT4 is read as the name FLT and the number 4), medical-suffix words,
    words in brackets and words whose swap flips a fact."""
    strict = _strict_stems()
    out: set[str] = set()
    sentence = _LIST_MARK.sub("", text)  # "1. Fever..." starts with "Fever"
    raw = _WORD.findall(_MARKDOWN.sub(" ", re.sub(r"\[\d{1,2}\]", " ", sentence)))
    for position, token in enumerate(raw):
        lower = token.lower().replace("’", "'").strip("'")
        if not lower or lower[0].isdigit() or lower in _NUMBER_WORDS:
            continue
        stem = _stem(lower)
        capitalised = position > 0 and token[0].isupper() and lower not in ("i", "yes", "no")
        if capitalised or stem in strict or _MEDICAL_SUFFIX.search(lower):
            out.add(stem)
    for inside in _PAREN.findall(text):
        out.update(content_terms(inside))
    return out - _generic_stems()


# ----------------------------------------------------------------------------------------- sources
@dataclass(frozen=True)
class SourceSentence:
    """One sentence of a retrieved passage, or one list with its intro and items (MedQuAD's flattened
    "Symptoms include - Fever - Cough": `text` is that, word for word; `intro` and `items` are its parts)."""

    text: str  # the passage's words, as they stand in it
    passage: int  # 1-based number of its passage: the [n] that cites it
    position: int  # order within the passage
    quotable: bool  # may be shown as a quote (not a heading, page furniture or something the guard refuses)
    intro: str = ""  # a list's words before its first item ("Symptoms include"); "" for a sentence
    items: tuple[str, ...] = ()  # a list's items, each word for word; () for a sentence

    def views(self) -> list[str]:
        """What one claim may rest on: the sentence; for a list, its intro with each of its items, and the
        whole list when its items are short phrases (a claim may sum several up: "signs include A and B")."""
        if not self.items:
            return [self.text]
        each = [f"{self.intro} {item}".strip() for item in self.items]
        return [*each, self.text] if self._phrases() else each

    def negations(self) -> list[bool]:
        """Whether each of `views` is negated. An item is negated with the clause of the intro that
        introduces it ("You should not - Smoke"), not with an earlier one ("If your child isn't old enough
        to say so, here are things to look for - Tugging at ears")."""
        if not self.items:
            return [negated(self.text)]
        lead = next((c for c in reversed(_CLAUSE.split(self.intro)) if c and c.strip()), "")
        each = [negated(f"{lead} {item}") for item in self.items]
        return [*each, any(each)] if self._phrases() else each

    def _phrases(self) -> bool:
        return len(self.items) > 1 and all(len(item.split()) <= _PHRASE_WORDS for item in self.items)


def split_passage(text: str, number: int, personal: bool = False, title: str = "") -> list[SourceSentence]:
    """The sentences of one passage (a flattened list is one, with its intro: `guard.passage_sentences`),
    headings glued to a sentence trimmed, each marked quotable or not."""
    out = []
    for position, piece in enumerate(passage_sentences(text)):
        sentence = _balance(_trim_heading(piece, title))
        if not sentence:
            continue
        intro, items = list_parts(sentence)
        refused = clean_sentence(sentence, personal) != sentence  # something the output guard would change
        if items:
            quotable = _quotable_list(intro, items) and not refused
            out.append(SourceSentence(sentence, number, position, quotable, intro, tuple(items)))
            continue
        n_words = len(sentence.split())
        quotable = (
            _MIN_QUOTE_WORDS <= n_words <= _MAX_QUOTE_WORDS
            and not sentence.rstrip().endswith(("?", ":"))
            and not _BOILERPLATE.search(sentence)
            and not refused
        )
        out.append(SourceSentence(sentence, number, position, quotable))
    return out


def leans_back(text: str) -> bool:
    """Whether `text` leans on the sentence before it ("These risk factors ...", "Other features include ...",
    "It ..."): weaker on its own, as an opening or a quote."""
    return bool(_LEANS_BACK.match(text)) or bool(_REFERS_BACK.search(" ".join(text.split()[:4])))


def _furniture(source: SourceSentence) -> bool:
    """A heading (a question) or the page's own furniture: nothing an answer may rest on."""
    parts = (source.intro, *source.items) if source.items else (source.text,)
    return source.text.rstrip().endswith("?") or any(_BOILERPLATE.search(part) for part in parts)


def _quotable_list(intro: str, items: list[str]) -> bool:
    """Whether a list may be quoted: it says what it lists (an intro that is not a question), it is not page
    furniture (a list of resources, the phenotype table), and no item is a paragraph of its own. A long list
    is quoted in part (`compose`): the items that answer the question."""
    return (
        len(intro.split()) >= 2
        and not intro.rstrip().endswith("?")
        and not any(_BOILERPLATE.search(part) for part in (intro, *items))
        and all(len(item.split()) <= _MAX_QUOTE_WORDS for item in items)
    )


def _balance(sentence: str) -> str:
    """Without a bracket the sentence split left unmatched: "(High levels of uric acid ... gout." """
    if sentence.startswith("(") and sentence.count("(") > sentence.count(")"):
        return sentence[1:].lstrip()
    return sentence


def _trim_heading(sentence: str, title: str = "") -> str:
    """ "A Buildup of Uric Acid Most people with gout have..." -> "Most people with gout have...":
    MedQuAD glues section headings (a run of Title Case words) to the sentence after them. The
    heading ends where a word that starts sentences ("Most", "The"...) or the heading's own last
    word again ("Tests for Glaucoma Glaucoma is...") begins a lower-case run."""
    tokens = sentence.split()
    run = 0
    while run < len(tokens) and (tokens[run][:1].isupper() or tokens[run] in _HEADING_JOINERS):
        run += 1
    if not 3 <= run < len(tokens) - 3 or not tokens[run][:1].islower():
        return sentence
    starter = tokens[run - 1]
    title_start = title.split()[0] if title.split() else ""
    if starter in _SENTENCE_STARTERS or starter == tokens[run - 2] or starter == title_start:
        return " ".join(tokens[run - 1 :])
    return sentence


_HEADING_JOINERS = frozenset({"of", "and", "the", "for", "in", "a", "to", "with"})
_SENTENCE_STARTERS = _wordlist(
    "A An The Most Many Some Several In If It Its This These That There When While Although People You Your "
    "Other About Each Anyone Everyone Children Adults Doctors Treatment Symptoms Through For With At By After "
    "Before During Because Since As Unless Until Without Among Between Over Under All Both Nearly Almost No"
)


# ----------------------------------------------------------------------------------------- questions
# MedQuAD's question types: words of a question that name its type -> words of a sentence that answers it.
QUESTION_TYPES: dict[str, tuple[str, str]] = {
    "symptoms": ("symptom symptoms sign signs", "symptom sign feature features"),
    "causes": ("cause causes caused why", "cause caused due result results lead trigger mutation factor"),
    "treatment": (
        "treat treated treatment treatments therapy therapies manage managed cure cured curable",
        "treat treatment therapy medication medicine drug surgery manage control cure antibiotic",
    ),
    "inheritance": (
        "inherit inherited inheritance hereditary",
        "inherit inheritance pattern autosomal dominant recessive linked parent",
    ),
    "genetic changes": ("gene genes genetic mutation mutations", "gene mutation chromosome genetic variant"),
    "prevention": ("prevent prevented prevention avoid", "prevent avoid reduce protect vaccine lower"),
    "diagnosis": (
        "diagnose diagnosed diagnosis test tests exam detect detected",
        "diagnose diagnosis test exam detect screen imaging",
    ),
    "outlook": ("outlook prognosis expectancy survival", "outlook prognosis life survive survival expectancy"),
    # "affects" is generic (any definition says it); a figure ("7 per 100,000") is read by _FREQUENCY_FIGURE
    "frequency": ("prevalence incidence common", "estimate estimated incidence prevalence common uncommon rare"),
    "susceptibility": ("risk", "risk higher factor"),
    "complications": ("complication complications", "complication lead result damage"),
    "contagious": (
        "contagious infectious spread spreads catch transmit transmitted",
        "contagious spread infect infection transmit contact",
    ),
    "side effects": ("side effect effects", "side effect effects"),
}


@functools.lru_cache(maxsize=1)
def _type_stems() -> frozenset[str]:
    """The stems of every word of QUESTION_TYPES: they say what kind of statement a sentence is."""
    return frozenset(_stem(w) for pair in QUESTION_TYPES.values() for text in pair for w in text.split())


_YES_NO = re.compile(
    r"^\s*(is|are|can|could|does|do|did|will|would|should|has|have|was|were|may|might)\b.*\?\s*$", re.I | re.S
)
_HOW_MANY = re.compile(r"\bhow (many|common|often)\b", re.I)
# A figure of how many people have it: "7.4 to 18 per 100,000 men", "1 in 2,500 newborns", "about 5 percent".
_FREQUENCY_FIGURE = re.compile(
    r"\d[\d,.]*\s*(%|percent\b|per\b|in\s+(every\s+)?\d|out of\b|(million|thousand)\b|(people|individuals|"
    r"newborns|births|infants|children|adults|men|women|males|females|americans|cases)\b)|\b(one|1) in (every )?\d",
    re.I,
)


@dataclass(frozen=True)
class Focus:
    """What a question asks for, as words an answering sentence contains."""

    question: str
    kinds: tuple[str, ...]  # question types named by the question ("causes", ...)
    answer_terms: frozenset[str]  # stems a sentence that answers this type tends to contain
    asked_terms: frozenset[str]  # the question's own content stems that are not its topic ("inherit")
    yes_no: bool
    topic_terms: frozenset[str] = frozenset()  # the question's stems that name a retrieved page ("milroy")

    @property
    def specific(self) -> bool:
        """Whether the question asks for something in particular (a type or its own words)."""
        return bool(self.answer_terms or self.asked_terms)


def question_focus(question: str, topics: Sequence[str] = ()) -> Focus:
    """The focus of `question`; `topics` (the titles of the retrieved pages) say what is its topic."""
    titles = set().union(*(content_terms(t) for t in topics))
    asked = content_terms(question) - titles
    kinds: list[str] = []
    answer_terms: set[str] = set()
    for kind, (triggers, answers) in QUESTION_TYPES.items():
        if asked & {_stem(w) for w in triggers.split()} or (kind == "frequency" and _HOW_MANY.search(question)):
            kinds.append(kind)
            answer_terms.update(_stem(w) for w in answers.split())
    return Focus(
        question,
        tuple(kinds),
        frozenset(answer_terms),
        frozenset(asked),
        bool(_YES_NO.match(question)),
        frozenset(content_terms(question) & titles),
    )


# ----------------------------------------------------------------------------------------- the check
@dataclass
class SupportConfig:
    """Thresholds of the support check (cosines of the bundled MiniLM; see bench/faithfulness numbers)."""

    min_similarity: float = 0.45
    """A supported sentence is at least this close to the passage sentence it matches best."""
    replace_similarity: float = 0.55
    """A failing sentence is replaced by the passage sentence it tried to say when this close (else dropped)."""
    missing_share: float = 0.25
    """At most this share of a sentence's content words may be missing from its passage."""

    def __post_init__(self) -> None:
        problems: list[str] = []
        for name in ("min_similarity", "replace_similarity"):
            value = getattr(self, name)
            check(problems, -1.0 <= value <= 1.0, f"'{name}' must be a cosine in [-1, 1], got {value}")
        check(problems, 0.0 <= self.missing_share < 1.0, "'missing_share' must be in [0, 1)")
        raise_problems(problems, "support check settings")


@dataclass
class Verdict:
    """What the check found for one sentence."""

    supported: bool
    citations: list[int] = field(default_factory=list)  # passages that support it, best first
    evidence: list[str] = field(default_factory=list)  # the sentence of each citing passage it matches
    verbatim: bool = False  # it is a passage sentence, word for word
    reason: str = ""  # why it is not supported
    replacement: SourceSentence | None = None  # the passage sentence it tried to say, when close enough
    source: SourceSentence | None = None  # the passage sentence (or whole list) it is, word for word


class SupportChecker:
    """Checks sentences against the passages of one answer, and picks sentences to quote.

    Built per answer; embeds the passage sentences once, on first use, in one batch (and each list item
    with its intro: a claim rests on one item, or on a list of short phrases as a whole, `SourceSentence.views`).
    """

    def __init__(
        self,
        passages: Sequence[RetrievedPassage],
        embedder: Embedder,
        config: SupportConfig | None = None,
        personal: bool = False,
    ) -> None:
        self.passages = list(passages)
        self.embedder = embedder
        self.config = config or SupportConfig()
        self.sentences = [
            s for n, p in enumerate(self.passages, 1) for s in split_passage(p.text, n, personal, p.title)
        ]
        self.topic_terms = set().union(*(content_terms(p.title) for p in self.passages))  # what the pages are about
        # A page's title and the question it answers name its topic: a sentence may name it too.
        self._pages = [stems(f"{p.title} {p.question}") for p in self.passages]
        self._terms = [content_terms(s.text) for s in self.sentences]
        self._views = [s.views() for s in self.sentences]
        self._view_terms = [[content_terms(v) for v in views] for views in self._views]
        self._view_negations = [s.negations() for s in self.sentences]
        self._passage_terms = [
            set().union(*(t for t, s in zip(self._terms, self.sentences, strict=True) if s.passage == n))
            for n in range(1, len(self.passages) + 1)
        ]
        # Headings ("What are the signs and symptoms of X?") and page furniture ("The Human Phenotype Ontology
        # provides the following list ...") answer nothing: a sentence of the model resting on them is not shown.
        self._furniture = {i for i, s in enumerate(self.sentences) if _furniture(s)}
        self._exact = {_normal(s.text): s for i, s in enumerate(self.sentences) if i not in self._furniture}
        self._exact_items = {_normal(item): s for s in self.sentences for item in s.items}
        self._scores: dict[Focus, list[float]] = {}
        self._vectors: np.ndarray | None = None
        self._view_vectors: list[np.ndarray] = []
        self._lock = threading.Lock()

    @property
    def vectors(self) -> np.ndarray:
        """(n_sentences, dim) embeddings of the passage sentences, computed once (with their views')."""
        with self._lock:
            if self._vectors is None:
                texts = list(dict.fromkeys([s.text for s in self.sentences] + [v for vs in self._views for v in vs]))
                encoded = self._encode(texts)
                row = {text: i for i, text in enumerate(texts)}
                self._view_vectors = [encoded[[row[v] for v in views]] for views in self._views]
                self._vectors = encoded[[row[s.text] for s in self.sentences]] if self.sentences else encoded
            return self._vectors

    def view_vectors(self, i: int) -> np.ndarray:
        """(n_views, dim) embeddings of what a claim may rest on in passage sentence `i`."""
        self.vectors  # noqa: B018 - computes them
        return self._view_vectors[i]

    def prepare(self) -> None:
        """Embed the passage sentences now, in the background: while the model reads its prompt, so
        that its first sentence is not kept waiting (~5 ms a sentence on llama.cpp, 15-30 sentences)."""

        def embed() -> None:
            # A failure here is not lost: the first check computes the vectors again and raises it.
            with contextlib.suppress(Exception):
                self.vectors  # noqa: B018 - computed for its side effect

        threading.Thread(target=embed, name="medqa-support", daemon=True).start()

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.asarray(self.embedder.encode([strip_markup(t) for t in texts]), dtype=np.float32)

    def check(self, sentence: str) -> Verdict:
        """Whether a passage supports `sentence`, which ones, and what to show instead if none does."""
        sentence = _LIST_MARK.sub("", sentence)  # "1. Fever..." claims no number 1
        exact = self._exact.get(_normal(sentence))
        if exact is not None:
            return Verdict(True, [exact.passage], [exact.text], verbatim=True, source=exact)
        item = self._exact_items.get(_normal(sentence))
        if item is not None:  # one item of a list, word for word: it rests on the list
            return Verdict(True, [item.passage], [item.text], verbatim=True)
        terms = content_terms(sentence)
        if not terms:
            return Verdict(False, reason="says nothing a passage could support")
        query = self._encode([sentence])[0]
        cosines = self.vectors @ query if self.sentences else np.zeros(0)
        citations, evidence, reasons = [], [], []
        for number in range(1, len(self.passages) + 1):
            problem, resting_on = self._against(sentence, terms, number, query)
            if problem is None:
                citations.append(number)
                evidence.append(" ".join(self.sentences[i].text for i in resting_on))
            elif problem:
                reasons.append(f"[{number}] {problem}")
        if citations:
            return Verdict(True, citations, evidence)
        return Verdict(False, reason="; ".join(reasons) or "no passage", replacement=self._replacement(terms, cosines))

    def _against(self, sentence: str, terms: set[str], number: int, query: np.ndarray) -> tuple[str | None, list[int]]:
        """(why passage `number` does not support `sentence`, or None; the passage sentences it rests on).

        Its facts must be said by ONE passage sentence (with the sentence before it when that one only
        carries the subject: "It often starts in the big toe"), not by a bag of words over neighbouring
        sentences: "In stage IIB, cancer has spread to the uterus" stitched from the sentence that names
        stage IIB and the one that says where stage IIA spreads binds a fact to the wrong subject. A
        sentence the model joined from two ("..., and it often starts in the big toe") is split into its
        clauses, and each clause must be said by one passage sentence.
        """
        candidates = [i for i, s in enumerate(self.sentences) if s.passage == number and i not in self._furniture]
        if not candidates:
            return "has no sentences that answer anything", []
        problem, best = self._by_one(sentence, terms, number, candidates, query)
        if best is not None:
            return None, [best]
        parts = _clauses(sentence)
        if len(parts) < 2:
            return problem, []
        part_vectors = self._encode(parts)  # (n_parts, dim)
        anchors: list[int] = []
        for column, part in enumerate(parts):
            _, anchor = self._by_one(part, content_terms(part), number, candidates, part_vectors[column])
            if anchor is None:
                return problem, []  # the whole sentence's reason says more than a clause's
            anchors.append(anchor)
        return None, list(dict.fromkeys(anchors))

    def _by_one(
        self, sentence: str, terms: set[str], number: int, candidates: list[int], query: np.ndarray
    ) -> tuple[str | None, int | None]:
        """(why no single sentence of the passage says `sentence` (with embedding `query`), or None; the one
        that says it). Tried in order of likeness (shared content words plus cosine), the three likeliest only."""
        cosines = self.vectors @ query
        ranked = sorted(candidates, key=lambda i: -(_overlap(terms, self._terms[i]) + float(cosines[i])))
        first_problem = None
        for i in ranked[:3]:
            problem = self._unit_problem(sentence, terms, number, i, query)
            if problem is None:
                return None, i
            first_problem = first_problem or problem
        return first_problem, None

    def _unit_problem(self, sentence: str, terms: set[str], number: int, anchor: int, query: np.ndarray) -> str | None:
        """Why passage sentence `anchor` does not say `sentence` (embedded as `query`), or None when it does;
        a list says it when one of its views does (an item with its intro, or the list of short phrases)."""
        first_problem = None
        views = zip(self._views[anchor], self._view_negations[anchor], self.view_vectors(anchor), strict=True)
        for view, negative, vector in views:
            problem = self._view_problem(sentence, terms, number, anchor, (view, negative), float(vector @ query))
            if problem is None:
                return None
            first_problem = first_problem or problem
        return first_problem

    def _view_problem(
        self, sentence: str, terms: set[str], number: int, anchor: int, view_negated: tuple[str, bool], cosine: float
    ) -> str | None:
        """Why a view of passage sentence `anchor` (its text, and whether it is negated) does not say
        `sentence`, or None when it does; with the sentence before it when the view refers back to that one
        ("It often starts in the big toe", "Insulin lowers it"). Names may also come from the page's title
        and question ("It is inherited..." on the Milroy disease page); a name the sentence before gives is
        taken only when the view opens by referring back to it, so "In stage IIB, cancer has spread to the
        uterus" is not said by "Stage II is divided into IIA and IIB. In stage IIA, cancer has spread from
        where it formed to the uterus"."""
        source = self.sentences[anchor]
        view, view_negative = view_negated
        unit = view
        page = self._pages[number - 1]
        before = self.sentences[anchor - 1] if anchor > 0 else None
        if before is not None and before.passage == number and before.position == source.position - 1:
            if _LEANS_BACK.match(view):
                unit = f"{before.text} {unit}"
            elif _REFERS_BACK.search(view):
                unnamed = strict_terms(sentence) - _strict_stems() - stems(view) - page
                if unnamed:
                    return f"does not say {', '.join(sorted(unnamed))} in one sentence"
                unit = f"{before.text} {unit}"
        offered = stems(unit) | page
        missing_numbers = numbers(sentence) - numbers(unit)
        if missing_numbers:
            return f"does not give the number {', '.join(sorted(missing_numbers))}"
        missing_doses = dose_amounts(sentence) - dose_amounts(unit)
        if missing_doses:
            return f"does not give the amount {' '.join(sorted(missing_doses)[0])}"
        swapped = _swapped_prefixes(terms | strict_terms(sentence), offered)
        if swapped:
            return f"says {swapped[0]} where it says {swapped[1]}"
        missing_names = strict_terms(sentence) - offered
        if missing_names:
            return f"does not say {', '.join(sorted(missing_names))} in one sentence"
        missing = terms - offered
        substituted = _substitution(sentence, unit, offered)
        if substituted:
            return f"says {substituted[0]} where it says {substituted[1]}"
        if len(missing) > int(len(terms) * self.config.missing_share):
            return f"does not say {', '.join(sorted(missing))} in one sentence"
        # A word the passage says, but in another sentence, is a fact taken from there, not a paraphrase
        # (words that only name a kind of statement, "features", "treatment", are not facts).
        borrowed = missing & self._passage_terms[number - 1] - _type_stems()
        if borrowed:
            return f"does not say {', '.join(sorted(borrowed))} in one sentence (another sentence does)"
        if negated(sentence) != view_negative:
            which = "does not say" if negated(sentence) else "says"
            return f"{which} 'not' where it matches: \"{view}\""
        if cosine < self.config.min_similarity:
            return f"is not close in meaning (cosine {cosine:.2f})"
        return None

    def _replacement(self, terms: set[str], cosines: np.ndarray) -> SourceSentence | None:
        scored = [
            (_overlap(terms, self._terms[i]) + float(cosines[i]), i)
            for i, s in enumerate(self.sentences)
            if s.quotable and float(cosines[i]) >= self.config.replace_similarity and _overlap(terms, self._terms[i])
        ]
        return self.sentences[max(scored)[1]] if scored else None

    # ------------------------------------------------------------------------------ what to quote
    def best_answers(self, focus: Focus, limit: int) -> list[SourceSentence]:
        """Up to `limit` quotable passage sentences that best answer the question, best first: those that
        say what it asks for ("How many people..." -> a figure; "How is it treated?" -> treatment), when
        any does, before the merely similar ones (a definition of the same disease). A list of things to
        look for is not an answer to "What can I do to help the ear pain?": a list must say what is asked."""
        scores = self._question_scores(focus)
        ranked = sorted(self._quotable(focus), key=lambda i: (-scores[i], i))
        if focus.specific:  # a list is quoted only when its intro or an item says what is asked, however close
            ranked = [i for i in ranked if not self.sentences[i].items or self._hits(i, focus)]
        if not ranked:
            return []
        focused = [i for i in ranked if self._hits(i, focus)] if focus.kinds else []
        ranked = focused or ranked
        floor = scores[ranked[0]] - 0.5  # far below the best answer is off the question
        return [self.sentences[i] for i in ranked[:limit] if scores[i] >= floor]

    def opening(self, focus: Focus) -> tuple[SourceSentence | None, bool | None]:
        """The passage sentence an answer to `focus` should open with, and for a yes/no question the
        polarity it states (True = yes, None = no sentence states it).

        A yes/no question ("Is Milroy disease inherited?") opens with a sentence that holds every
        word the question asks about ("inherit"); its polarity is whether the clause holding that
        word is negated ("There is no cure" -> no). Other questions of a known type open with the
        best-scoring sentence that has one of the words their type calls for.
        """
        if not focus.specific:
            return None, None
        scores = self._question_scores(focus)
        quotable = self._quotable(focus)
        if focus.yes_no and focus.asked_terms:
            stating = [i for i in quotable if any(focus.asked_terms <= t for t in self._item_terms(i))]
            if stating:
                best = max(stating, key=lambda i: (scores[i], -i))
                return self.sentences[best], not _clause_negated(self.sentences[best].text, focus.asked_terms)
        hits = [i for i in quotable if self._hits(i, focus)]
        if not hits:
            return None, None
        # An answer does not open on a sentence that goes on from one it has not shown ("However, it is much
        # more; ..."): such a sentence opens only when no other says what is asked.
        standalone = [i for i in hits if not _CONTINUES.match(self.sentences[i].text)] or hits
        return self.sentences[max(standalone, key=lambda i: (scores[i], -i))], None

    def _quotable(self, focus: Focus) -> list[int]:
        """The sentences that may be quoted for `focus`: quotable, and from a page on the question's topic
        (a passage about another disease, retrieved for its similar wording, is not quoted)."""
        on_topic = [not focus.topic_terms or bool(content_terms(p.title) & focus.topic_terms) for p in self.passages]
        return [i for i, s in enumerate(self.sentences) if s.quotable and on_topic[s.passage - 1]]

    def answers_focus(self, sentence: str, focus: Focus) -> bool:
        """Whether `sentence` says what the question asks for: a word its type calls for or one of its
        own words ("inherit"), or for a how-many question a figure of how many people have it."""
        return _focus_hits(sentence, content_terms(sentence), focus) > 0

    def _hits(self, i: int, focus: Focus) -> int:
        """What sentence `i` says of what `focus` asks for; a list, what its intro and its best item say
        (however long it is: a long list of symptoms does not answer a treatment question)."""
        views = self._views[i][: max(len(self.sentences[i].items), 1)]
        return max(_focus_hits(v, t, focus) for v, t in zip(views, self._item_terms(i), strict=False))

    def _item_terms(self, i: int) -> list[set[str]]:
        """The content stems of sentence `i`, or of each item of a list with its intro."""
        return self._view_terms[i][: max(len(self.sentences[i].items), 1)]

    def _question_scores(self, focus: Focus) -> list[float]:
        """MiniLM similarity to the question, plus the share of the words it asks for, plus a little
        for passage order (the best-retrieved passage first) and for a passage's opening sentence."""
        if focus not in self._scores:
            self._scores[focus] = self._score_sentences(focus) if self.sentences else []
        return self._scores[focus]

    def _score_sentences(self, focus: Focus) -> list[float]:
        question = self._encode([focus.question])[0]
        scores = []
        for i, s in enumerate(self.sentences):
            # a list is as close as its closest item (with its intro), not as its whole, however long
            cosine = float(np.max(self.view_vectors(i)[: max(len(s.items), 1)] @ question))
            hits = self._hits(i, focus)  # "surgery ... drugs" answers "how is it treated" more than "treat"
            hit = 0.1 + 0.1 * min(hits, 3) if hits else 0.0
            asked_terms = set(focus.asked_terms)
            asked = 0.2 * max(_overlap(asked_terms, t) for t in self._item_terms(i)) if asked_terms else 0.0
            order = 0.05 * (s.position == 0) - 0.02 * (s.passage - 1)
            leans = 0.15 * bool(_LEANS_BACK.match(s.text))  # "These risk factors...": not a sentence on its own
            scores.append(cosine + hit + asked + order - leans)
        return scores


def _focus_hits(text: str, terms: set[str], focus: Focus) -> int:
    """How many of the things `focus` asks for `text` (with content stems `terms`) says."""
    figure = "frequency" in focus.kinds and bool(_FREQUENCY_FIGURE.search(text))
    return len(terms & (focus.answer_terms | focus.asked_terms)) + figure


# Prefixes whose swap names the opposite condition: hypothyroidism/hyperthyroidism, bradycardia/tachycardia.
# One word of difference, so the content-word share alone lets it through.
_OPPOSITE_PREFIXES = (
    ("hypo", "hyper"), ("hyper", "hypo"), ("brady", "tachy"), ("tachy", "brady"), ("micro", "macro"),
    ("macro", "micro"), ("over", "under"), ("under", "over"), ("intra", "extra"),
    ("extra", "intra"), ("poly", "oligo"), ("oligo", "poly"),
)  # fmt: skip


def _swapped_prefixes(terms: set[str], offered: set[str]) -> tuple[str, str] | None:
    """(the sentence's word, the passage's word) when the sentence says a word the passage does not, and the
    passage says the same word with the opposite prefix ("hypothyroid" where it says "hyperthyroid")."""
    for term in sorted(terms - offered):
        for prefix, opposite in _OPPOSITE_PREFIXES:
            if term.startswith(prefix) and len(term) > len(prefix) + 2:
                other = opposite + term[len(prefix) :]
                if other in offered:
                    return term, other
    return None


_NEAR_COPY = 0.75  # share of words in common, in order, from which a sentence is a copy of the passage's


def _substitution(sentence: str, unit: str, offered: set[str]) -> tuple[str, str] | None:
    """(the sentence's words, the passage's) when the sentence copies the passage sentence nearly word for word
    but puts a content word of its own where the passage has another ("combined with yoga and relaxation" for
    "combined with biofeedback and relaxation"): a small model misremembering, never a paraphrase. A paraphrase
    rewords broadly; its words are not checked this way (the content-word share does that)."""
    said, source = words(sentence), words(unit)
    matcher = difflib.SequenceMatcher(a=said, b=source, autojunk=False)
    if not said or matcher.ratio() < _NEAR_COPY:
        return None
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        new_terms = content_terms(" ".join(said[i1:i2])) - offered
        old_terms = content_terms(" ".join(source[j1:j2])) - content_terms(" ".join(said[i1:i2]))
        if new_terms and old_terms:
            return " ".join(said[i1:i2]), " ".join(source[j1:j2])
    return None


def _overlap(terms: set[str] | frozenset[str], other: set[str]) -> float:
    """The share of `terms` found in `other`."""
    return len(terms & other) / len(terms) if terms else 0.0


# A sentence with one of these takes something (its subject, its object) from the sentence before it.
_CONTINUES = re.compile(
    r"^(however|but|also|in addition|additionally|and|so|other|another|such|these|those|this|in (these|this|such) "
    r"(cases?|people)|as a result|therefore|for example|for this reason)\b",
    re.I,
)  # a sentence that goes on from the one before it (narrower than _LEANS_BACK: "It ..." names the page's topic)
_REFERS_BACK = re.compile(r"\b(it|its|they|them|their|this|these|those)\b", re.I)
# Where a model joins two statements into one sentence: "; ", ", and it ...", ", but ...", ", while ...".
_JOIN = re.compile(
    r"\s*;\s*|,\s+(?:and|but|while|whereas|although|though|so)\s+|\s+(?:and|but)\s+(?=(?:it|they|this|these|"
    r"most|many|some|people)\b)",
    re.I,
)


def _clauses(sentence: str) -> list[str]:
    """The statements a sentence joins, each with at least two content words (a short piece such as
    "and rarely" stays with the one before it)."""
    parts: list[str] = []
    for piece in _JOIN.split(sentence):
        if parts and len(content_terms(piece)) < 2:
            parts[-1] = f"{parts[-1]}, {piece}"
        elif piece.strip():
            parts.append(piece.strip())
    return parts


def _clause_negated(sentence: str, asked: frozenset[str]) -> bool:
    """Whether the clause of `sentence` that holds an asked-about word is negated."""
    for clause in _CLAUSE.split(sentence):
        if clause and content_terms(clause) & asked:
            return negated(clause)
    return negated(sentence)


def _normal(text: str) -> str:
    """Lower-case words only: two texts that differ in case, spacing, markers or punctuation are equal."""
    return " ".join(words(text))
