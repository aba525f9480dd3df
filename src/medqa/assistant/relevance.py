"""Which retrieved passages may answer a question: the page must be about what the question asks.

The dense cosine alone fails both ways (issue 13, tests/data/relevance/README.md):
- a lay question ("am I contagious with a cold?") sits far from MedQuAD's "What is (are) X?" wording,
  so the page that answers it scores under the threshold and the assistant abstains;
- a question about a condition the corpus has no page for ("esophagitis") retrieves a page that shares
  its root ("Esophageal Cancer": the stemmer reads both as "esophag"), with a cosine high enough to answer
  about the wrong disease.

So each passage's page title is read against the question's words first:
- `named`: the words of the title (or of one of its names: "Enlarged Prostate (BPH)"; all but one of a
  name of three or more: "blood pressure" names "High Blood Pressure") are in the question, as written,
  misspelt by a letter, or in another form ("diabetic", "asthmatic", "esophagus" for "esophageal",
  "thyroid" for "Hypothyroidism"): the question is about this page, a lower cosine suffices;
- `other`: the question names another condition of the same root or phrase, which the title does not
  contain in any form: a word with a disease ending the title word lacks or has another of ("esophagitis" /
  "esophageal", "endometritis" / "endometriosis"), the title word with a prefix ("pseudogout" / "gout"),
  or a "modifier head" phrase the title contradicts ("lung nodule" / "Lung Cancer", "tonsil stones" /
  "Kidney Stones"). The page never answers;
- `unrelated`: the usual cosine threshold decides.
Whatever the title, when the question names a condition by a disease ending ("laryngitis"), a passage that
never mentions it is about something else and is dropped.

Words are compared with their own light normalisation, never the retrieval stemmer, which is what
conflates "esophagitis" and "esophageal". The edit distance for misspellings is written here (a dozen lines,
capped at 3, on words of a question and three titles, cached) rather than taken from rapidfuzz: not worth a
compiled dependency at this size.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Sequence
from typing import Literal

from medqa.retrieval.index import RetrievedPassage

Match = Literal["named", "other", "unrelated"]


def _wordlist(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Endings that make a word name a disease or a procedure; two words of one root with different endings
# name different conditions (esophag-itis, esophag-eal). Longest first: "iasis" before "sis"-like ones.
_CONDITION_ENDINGS = (
    "itis", "osis", "iasis", "oma", "emia", "pathy", "algia", "plasia", "trophy", "ectomy", "otomy", "oscopy",
    "rrhea", "cele", "emesis",
)  # fmt: skip
# Adjectives read as the condition they describe: "arthritic" is "arthritis", "anemic" "anemia".
_ADJECTIVE_ENDINGS = (("itic", "itis"), ("otic", "osis"), ("iatic", "iasis"), ("emic", "emia"), ("omatous", "oma"))
# Prefixes that turn a condition into another one: "pseudogout" is not gout, "hypothyroid" is not "thyroid".
_PREFIXES = ("pseudo", "hyper", "hypo", "para", "peri", "poly", "endo", "myo", "neuro", "osteo", "pre", "post")
_BRITISH = (
    ("oesophag", "esophag"), ("haem", "hem"), ("anaem", "anem"), ("aemia", "emia"), ("oedem", "edem"),
    ("diarrhoea", "diarrhea"), ("tumour", "tumor"), ("paediatr", "pediatr"), ("leukaem", "leukem"),
    ("oestrogen", "estrogen"), ("coeliac", "celiac"), ("foetus", "fetus"), ("orthopaed", "orthoped"),
)  # fmt: skip
# Title words that do not say which condition a page is about ("Ear Infections", "Kidney Diseases").
_TITLE_GENERIC = _wordlist(
    """
a an and the of in on for to with without about what i need know your you my how its from by or at as
disease diseases disorder disorders syndrome syndromes problem problems condition conditions infection
infections injury injuries type types common chronic acute adult adults child children childhood kids
deficiency parasites parasite also known health care guide facts overview other related illness illnesses
"""
)
_STOPWORDS = _wordlist(
    """
a an and the of in on for to with without about what i me my mine we our you your he she it its they them
their is are was were be been being am do does did doing have has had having can could will would should
may might must shall not no so if or but than then that this these those there here when where why how
which who whom whose at by from as into onto up down out off over under again once just also too very
get got getting go going gone come came make made take took give gave say said tell told
"""
)
# Nouns that a modifier turns into one condition: "lung nodule" is not "Lung Cancer", "tonsil stones" not
# "Kidney Stones", "cubital tunnel syndrome" not "Carpal Tunnel Syndrome".
_HEADS = _wordlist(
    "cyst nodule stone polyp tumor mass lump hole spasm tear fissure abscess ulcer torsion socket splint tunnel "
    "neuroma fracture hernia clot aneurysm rash"
)
# Words before a head that describe it without naming another condition ("a painful cyst").
_DESCRIBING = _wordlist(
    "small large big little tiny huge simple painful painless hard soft benign new old bad red white black "
    "swollen sore single multiple recurring recurrent strange weird"
)
# Words with a disease ending that name no condition.
_NOT_CONDITIONS = _wordlist("diagnosis prognosis hypnosis osmosis sympathy empathy apathy nostalgia aroma diploma")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def relevant(
    question: str, passages: Sequence[RetrievedPassage], min_cosine: float, min_named_cosine: float
) -> list[RetrievedPassage]:
    """The passages of `passages` that may answer `question`, in their order (see the module docstring):
    a page the question names needs a cosine of `min_named_cosine`, any other `min_cosine`."""
    asked = _keys(question)
    conditions = {w for w in asked if _ending(w)}  # conditions the question names by their disease ending
    conditions |= _named_by_phrase(question)
    kept = []
    for passage in passages:
        match = page_match(asked, passage.title)
        if match == "other":
            continue  # a page about another condition of the same root or phrase
        if conditions and not _mentions(_keys(f"{passage.title} {passage.question} {passage.text}"), conditions):
            continue  # the question names a condition this passage never mentions
        if passage.dense_score >= (min_named_cosine if match == "named" else min_cosine):
            kept.append(passage)
    return kept


# "hand foot and mouth disease", "Lyme disease", "Down syndrome": the word before the head names the condition, and a
# page that never says it is about something else ("Split hand/foot malformation with nystagmus" answered "what are the
# symptoms of hand foot and mouth disease in kids"). Not a describing word ("a rare genetic disease", "autoimmune").
_NAMED_PHRASE = re.compile(r"\b([a-z]{3,})(?:'s)? (disease|syndrome|disorder|fever|palsy)\b")
_NOT_NAMING = _wordlist(
    "rare genetic inherited autoimmune infectious contagious chronic serious common skin lung heart kidney liver "
    "bone blood brain eye nerve mental viral bacterial fungal rheumatic metabolic degenerative progressive "
    "hereditary congenital sexually transmitted tropical childhood adult same similar another other any some"
)


def _named_by_phrase(question: str) -> set[str]:
    words = set()
    for match in _NAMED_PHRASE.finditer(question.lower()):
        word = match.group(1)
        if word not in _NOT_NAMING and word not in _STOPWORDS and word not in _TITLE_GENERIC:
            words.add(_normal(word))
    return words


def keys(text: str) -> tuple[str, ...]:
    """The words of `text` that can name something, normalised: how a question is read against titles."""
    return _keys(text)


def names_all(text: str, name: str) -> bool:
    """Whether `text` has every specific word of `name` in some form ("hemorrhoids" in "a hemorrhoid is
    ..."): a passage that names both sides of a comparison."""
    words = set(_keys(text))
    wanted = [w for w in _keys(name) if w not in _title_generic()]
    return bool(wanted) and all(
        w in words or any(_relation(w, t) in ("same", "related") for t in words) for w in wanted
    )


def page_match(asked: Sequence[str], title: str) -> Match:
    """How the question's words (`_keys`) relate to a page `title`: it names the page, names another
    condition of the same root, or neither."""
    if _collisions(asked, title):
        return "other"
    for name in _names(title):
        found = sum(any(_relation(w, t) in ("same", "related") for w in asked) for t in name)
        # Every word of the name, or all but one of three or more ("blood pressure" names "High Blood Pressure").
        if name and found >= len(name) - (1 if len(name) >= 3 else 0):
            return "named"
    return "unrelated"


def _collisions(asked: Sequence[str], title: str) -> set[str]:
    """The question's words that name another condition than a word of `title` of the same root, and
    that the title does not contain in any form."""
    words = {t for name in _names(title) for t in name}
    claimed = {t for t in words if any(_relation(w, t) in ("same", "related") for w in asked)}
    found = set()
    for w in asked:
        relations = [_relation(w, t) for t in words - claimed]
        if "other" in relations and not any(_relation(w, t) in ("same", "related") for t in claimed):
            found.add(w)
    return found | _other_phrases(asked, title)


def _other_phrases(asked: Sequence[str], title: str) -> set[str]:
    """The question's "modifier head" phrases ("lung nodule", "tonsil stones", "cubital tunnel") that a
    title contradicts: it has the modifier with another head ("Lung Cancer"), or the head with another
    modifier ("Kidney Stones", "Carpal Tunnel Syndrome")."""
    found = set()
    for i, head in enumerate(asked):
        if i == 0 or head not in _HEADS or asked[i - 1] in _DESCRIBING:
            continue
        modifier = asked[i - 1]
        for name in _names(title):
            has_head = [j for j, t in enumerate(name) if _relation(head, t) in ("same", "related")]
            has_modifier = any(_relation(modifier, t) in ("same", "related") for t in name)
            if has_head:
                title_modifiers = [name[j - 1] for j in has_head if j > 0]
                if title_modifiers and not has_modifier:
                    found.add(f"{modifier} {head}")  # another modifier of the same head
            elif has_modifier:
                found.add(f"{modifier} {head}")  # the modifier with another head, or alone
    return found


def _mentions(words: Sequence[str], terms: Iterable[str]) -> bool:
    """Whether `words` contain one of `terms` (as written or misspelt by a letter)."""
    return any(_relation(w, t) == "same" for t in terms for w in words)


@functools.lru_cache(maxsize=4096)
def _names(title: str) -> tuple[tuple[str, ...], ...]:
    """The specific words of each name of a page: "Enlarged Prostate (BPH)" has two names,
    "Pyelonephritis: Kidney Infection" two, "Parasites - Toxocariasis (also known as Roundworm Infection)" two."""
    parts = re.split(r"[():;]|\balso known as\b| - ", title.lower())
    names = []
    for part in parts:
        words = tuple(w for w in _keys(part) if w not in _title_generic())
        if words:
            names.append(words)
    return tuple(names)


@functools.lru_cache(maxsize=1)
def _title_generic() -> frozenset[str]:
    return frozenset(_normal(w) for w in _TITLE_GENERIC)


@functools.lru_cache(maxsize=4096)
def _keys(text: str) -> tuple[str, ...]:
    """The words of `text` that can name something, normalised: lower case, US spelling, no possessive,
    singular, adjective endings as the condition ("arthritic" -> "arthritis")."""
    out = []
    for word in _WORD.findall(text.lower().replace("’", "'")):
        word = word.split("'")[0]
        if word in _STOPWORDS or (len(word) < 3 and not word.isdigit()):
            continue
        out.append(_normal(word))
    return tuple(out)


@functools.lru_cache(maxsize=16384)
def _normal(word: str) -> str:
    for british, american in _BRITISH:
        word = word.replace(british, american)
    for adjective, noun in _ADJECTIVE_ENDINGS:
        if word.endswith(adjective) and len(word) > len(adjective) + 2:
            return word[: -len(adjective)] + noun
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "is", "us", "as", "os")) and len(word) > 3:
        return word[:-1]
    return word


def _ending(word: str) -> str:
    """The disease ending of `word` ("" if none): "esophagitis" -> "itis"."""
    if word in _NOT_CONDITIONS:
        return ""
    for ending in _CONDITION_ENDINGS:
        if word.endswith(ending) and len(word) >= len(ending) + (2 if ending == "itis" else 4):
            return ending  # "otitis", "iritis": short roots are common before "-itis" only
    return ""


def _root(word: str) -> str:
    """`word` without its disease ending or "-ism": "hypothyroidism" -> "hypothyroid"."""
    ending = _ending(word) or ("ism" if word.endswith("ism") and len(word) >= 7 else "")
    return word[: -len(ending)] if ending else word


def _unprefixed(word: str) -> tuple[str, str]:
    """(prefix, rest) for a word that starts with one of `_PREFIXES` and has 4+ letters after it."""
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 4:
            return prefix, word[len(prefix) :]
    return "", word


@functools.lru_cache(maxsize=65536)
def _relation(word: str, title_word: str) -> Literal["same", "related", "other", "none"]:
    """How a question word relates to a title word:
    same (equal, or one letter apart in a word of 5+ letters, two in 9+ with the same ending),
    related (another form of the same word: "diabetic" / "diabetes", "esophagus" / "esophageal",
    "thyroid" / "hypothyroidism": the page is a kind of what the question names),
    other (another condition of the same root: "esophagitis" / "esophageal", "pseudogout" / "gout",
    "hyperthyroidism" / "hypothyroidism"), or none."""
    if word == title_word:
        return "same"
    if word.isdigit() or title_word.isdigit():
        return "none"
    distance = _distance(word, title_word)
    shortest = min(len(word), len(title_word))
    if (distance <= 1 and shortest >= 5) or (
        distance <= 2 and shortest >= 9 and _ending(word) == _ending(title_word) and word[:4] == title_word[:4]
    ):
        return "same"
    (asked_prefix, asked_rest), (title_prefix, title_rest) = _unprefixed(_root(word)), _unprefixed(_root(title_word))
    same_root = asked_rest == title_rest or asked_rest == _root(title_word) or _root(word) == title_rest
    if same_root and asked_prefix and asked_prefix != title_prefix:
        return "other"  # the question adds or changes a prefix: "pseudogout", "hyperthyroid"
    if same_root or len(os.path.commonprefix([word, title_word])) >= 5:
        if _ending(word) and (_ending(word) != _ending(title_word) or not same_root):
            # The question's disease ending is missing from the title word, or another one, or on
            # another root ("gastroenteritis" / "gastritis"): another condition.
            return "other"
        return "related"  # a form of the word, or the title names a disease of it ("sinus" / "sinusitis")
    return "none"


def _distance(a: str, b: str) -> int:
    """Edit distance with adjacent transpositions (optimal string alignment); 3 means "3 or more"."""
    if abs(len(a) - len(b)) > 2:
        return 3
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return min(previous[-1], 3)
