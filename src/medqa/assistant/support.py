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

Measured on independent claims (bench/support_claims.py, tests/data/support_claims.jsonl: 417 claims written by
hand against 70 seeded passages before the check ran on them; 60/40 dev/held-out by passage). First contact: dev
rejected 72% of facts paraphrased into different facts and kept 74% of faithful paraphrases (held-out, old
rules, scored at the end: 78% and 78%). What dev showed was missing, and is now checked: polarity clause by
clause ("do not damage ... without symptoms"; a negation in brackets is an aside) and against the sentence the
claim says, not a weaker one that shares its words; "all", "always", "only", "proven" and "most" vs "some" the
passage does not say; a certainty where it says "may"/"can"/"is associated with"; an effect reversed ("protects"
where it says "increases"); what leads to what reversed ("A causes B", "from A to B", "A followed by B"); gene
names with digits as whole names bound in one clause; organs, stages of life, kinds of treatment and germ
(`_THINGS`); a modifier swapped before a shared noun ("phrenic nerve"); a number's unit ("24-minute"); and
plain-language rewordings are accepted (`_SAME_MEANING`, word endings). After: dev 100% rejected, 90% kept
(tuned there); held-out, measured once, 89% rejected, 78% kept. Still missed on held-out: mostly swapped names
the word lists do not cover (20 of 28 entity swaps rejected). Still refused: claims resting on page furniture or
on two sentences at once.
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
    r"statin|cillin|mycin|cycline|azole|vir|prazole|tidine|oxacin|zepam|zolam|done|profen|phen|amine|therapy|therapies)$"
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
# Words whose stem is a generic word's ("severe" and "several", "large" and "largely", "common" and "commonly")
# but which carry a fact: they stay content words.
_KEEP = frozenset({"severe", "severely", "severity", "common", "uncommon", "frequent", "large", "larger", "main"})
# Things a fact is about, each to be named by the passage like `_STRICT`'s words: a paraphrase keeps the organ,
# the stage of life, the kind of treatment or germ, and the words that say two things are the same or not.
_THINGS = _wordlist(
    """
head eye eyes ear ears nose mouth lip lips tongue tooth teeth throat neck chest breast spine arm arms finger
fingers leg legs knee knees hip hips foot feet toe toes skin brain nerve nerves cord heart lung lungs liver
kidney kidneys bladder stomach intestine intestines colon rectum pancreas spleen thyroid gland glands bone bones
joint joints muscle muscles vessel vessels artery arteries vein veins uterus ovary ovaries prostate retina cornea
marrow insulin glucose oxygen calcium iron protein cholesterol hormone hormones
infancy childhood adolescence adolescent adolescents teenager teenagers adulthood puberty pregnancy menopause
newborn newborns surgery transplant transplantation vaccine vaccines antibiotic antibiotics antiviral steroid
steroids radiation chemotherapy bacteria bacterial bacterium virus viruses viral fungus fungal parasite parasites
same separate identical early earlier late slow slows slowed slower fast faster rapid rapidly speed speeds
quickly fewer common uncommon
"""
)
# Words that claim all, or most, of something: a sentence says them only where its passage sentence does.
_ALL_WORDS = _wordlist("all every always only entirely completely exactly proven proves definitely certainly both")
_WHOLE = _wordlist("all every entirely completely")  # said as well by the passage's "complete", "whole", "total"
_WHOLE_TOO = _wordlist("complete whole total totally entire")
_MOST_WORDS = _wordlist("most mostly usually majority")
_FEW_WORDS = _wordlist("some few rarely rare occasionally sometimes less minority")
# A passage sentence with one of these says what may be, not what is: a sentence without any states it as certain.
_HEDGES = _wordlist(
    """
may might can could possibly possible likely unlikely probably suggest suggests suggested speculate believe
believed think thought appear appears seem seems associated linked risk sometimes often some studied
unclear unknown
"""
)
# A sentence that says something raises (or lowers) what its passage sentence says lowers (or raises).
_RAISE = _wordlist("increase increases increased raise raises raised worsen worsens worsened")
_LOWER = _wordlist(
    "decrease decreases decreased lower lowers lowered reduce reduces reduced protect protects prevent prevents"
)
_OPPOSITE_EFFECTS = ((_RAISE, _LOWER), (_LOWER, _RAISE))
# What says that a statement is hedged, in the sentence that states it ("usually", "in most cases" included).
_CLAIM_HEDGES = _HEDGES | _MOST_WORDS | _FEW_WORDS | _wordlist("generally typically commonly frequently many cannot")
# Plain-language rewordings: a word of a group is said where the passage says another of the same group.
_SAME_MEANING = (
    "happen happens happened occur occurs occurred",
    "start starts started begin begins began",
    "copy copies replicate replicates",
    "eat eats eating consume consuming",
    "baby babies infant infants newborn newborns",
    "child children kid kids",
    "doctor doctors physician physicians provider providers",
    "belly abdomen abdominal",
    "kidney kidneys renal",
    "heart cardiac",
    "lung lungs pulmonary",
    "liver hepatic",
    "tired tiredness fatigue",
    "cause causes caused result results",
    "lower lowers decrease decreases reduce reduces less",
    "raise raises increase increases higher",
    "big large",
    "little small",
    "medicine medicines medication medications drug drugs",
    "work works working effective",
    "find finds detect detects identify",
    "need needs require requires",
    "glucose sugar",
    "high elevated",
    "turn turns change changes",
)
# Words of `QUESTION_TYPES` that state a fact (an effect, how common it is), not only the kind of statement.
_EFFECT_WORDS = _wordlist(
    "damage lead result reduce prevent protect lower higher risk spread infect common uncommon rare cure survive "
    "survival expectancy avoid control trigger"
)
_UNIT_WORDS = {"second", "minute", "hour", "day", "week", "month", "year", "percent"}  # a number's unit (singular)
# Gene, protein and subtype names: letters and digits in one token (COL2A1, ATP1A2, HSN1C): a name as a whole.
_CODE_NAME = re.compile(r"\b[A-Za-z][A-Za-z]*\d[A-Za-z0-9]*\b")

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
    r"For more information)\b|www\.|https?://|@|\bvideo\b|^NIH: National|"
    # resource lists, flattened: "... These resources from MedlinePlus offer...: - Genetic Testing Registry: ..."
    r"\bThese resources\b|Genetic Testing Registry|MedlinePlus Encyclopedia|Gene Review|Merck Manual",
    re.I,
)
# A pointer to another page (GARD's "Medscape Reference has an in-depth review...", "You may have to register to view
# the article, but registration is free"): quoted as an answer to "Is lupus inherited?" when the model copied its page.
_POINTER = re.compile(
    r"\b(has|have|offers?|provides?|maintains?)\s+(a|an)\s+([\w-]+\s+){0,2}(page|article|review|fact ?sheet|brochure|"
    r"booklet|website|web site|web page)s?\b|\bregist(er|ration)\b.{0,40}\b(view|free|access)\b|Medscape|eMedicine|"
    r"written for (healthcare|health care|medical) professionals|\bgood overview\b",
    re.I,
)
_MAX_POINTER_WORDS = 40
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


@functools.lru_cache(maxsize=8)
def _stem_set(words: frozenset[str]) -> frozenset[str]:
    """The stems of a word list."""
    return frozenset(_stem(w) for w in words)


@functools.lru_cache(maxsize=1)
def _meaning_groups() -> dict[str, frozenset[str]]:
    """Each stem of `_SAME_MEANING` -> the stems of its group."""
    groups: dict[str, frozenset[str]] = {}
    for line in _SAME_MEANING:
        group = frozenset(_stem(w) for w in line.split())
        for stem in group:
            groups[stem] = groups.get(stem, frozenset()) | group
    return groups


def words(text: str) -> list[str]:
    """The words and numbers of `text`, lower-cased, without Markdown or citation markers."""
    return list(_words(text))


@functools.lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    # Cached: the check reads the same passage sentences and claim many times over (each view, each rule).
    text = _MARKDOWN.sub(" ", re.sub(r"\[\d{1,2}\]", " ", text))
    return tuple(w.lower().replace("’", "'").strip("'") for w in _WORD.findall(text))


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


def _fact_terms(text: str) -> set[str]:
    """`content_terms` with the words whose stem is a generic word's but which carry a fact (`_KEEP`): what the
    check asks a passage to say."""
    return content_terms(text) | {_stem(w) for w in words(text) if w in _KEEP}


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
            return [self.text, *self._clauses()]
        each = [f"{self.intro} {item}".strip() for item in self.items]
        return [*each, self.text] if self._phrases() else each

    def negations(self) -> list[int]:
        """How many negations each of `views` says (`_negations`). An item is negated with the clause of the
        intro that introduces it ("You should not - Smoke"), not with an earlier one ("If your child isn't old
        enough to say so, here are things to look for - Tugging at ears")."""
        if not self.items:
            return [_negations(view) for view in self.views()]
        lead = next((c for c in reversed(_CLAUSE.split(self.intro)) if c and c.strip()), "")
        each = [_negations(f"{lead} {item}") for item in self.items]
        return [*each, max(each)] if self._phrases() else each

    def _clauses(self) -> list[str]:
        """The clauses of a sentence that joins statements with ";" (each a view of its own: "Most children do
        not have a family history; however, some children with a family history have mutations in ...")."""
        clauses = [c.strip() for c in self.text.split(";") if len(c.split()) >= 3]
        return clauses if len(clauses) > 1 else []

    def _phrases(self) -> bool:
        return len(self.items) > 1 and all(len(item.split()) <= _PHRASE_WORDS for item in self.items)


def split_passage(text: str, number: int, personal: bool = False, title: str = "") -> list[SourceSentence]:
    """The sentences of one passage (a flattened list is one, with its intro: `guard.passage_sentences`),
    headings glued to a sentence trimmed, each marked quotable or not."""
    out = []
    position = -1
    for piece in passage_sentences(text):
        position += 1
        sentence = _balance(_trim_heading(piece, title))
        if not sentence:
            continue
        intro, items = list_parts(sentence)
        refused = clean_sentence(sentence, personal) != sentence  # something the output guard would change
        if items and not intro.strip() and all(_POINT.match(item.strip()) for item in items):
            # Points with no intro, each a sentence ("- Hepatitis A is a virus ... - Anyone can get hepatitis A ..."):
            # a list that does not say what it lists, but sentences that may each be quoted on their own.
            for item in items:
                out.append(SourceSentence(item.strip(), number, position, _quotable_sentence(item.strip(), personal)))
                position += 1
            position -= 1
            continue
        if items:
            quotable = _quotable_list(intro, items) and not refused
            out.append(SourceSentence(sentence, number, position, quotable, intro, tuple(items)))
            continue
        out.append(SourceSentence(sentence, number, position, _quotable_sentence(sentence, personal)))
    return out


def _heading(sentence: str) -> bool:
    """A heading or a caption glued in as a sentence: no full stop, and most words capitalised ("Treatment for
    Latent TB Infection", "Example of an Inheritance Pattern for Cystic Fibrosis")."""
    words = sentence.split()
    capitals = sum(w[:1].isupper() for w in words)
    return not sentence.rstrip().endswith((".", "!", "?", '"', "”", ")")) and capitals * 2 > len(words)


# A point of a list that is a sentence of its own: a capital, at least four words, a full stop.
_POINT = re.compile(r"^[A-Z][^.!?]*\S\s+\S+\s+\S+\s+\S.*[.!]$", re.S)


def _quotable_sentence(sentence: str, personal: bool) -> bool:
    """Whether a passage sentence may be shown as a quote: not too short or long, not a heading, not page
    furniture, nothing the output guard would change."""
    n_words = len(sentence.split())
    return (
        _MIN_QUOTE_WORDS <= n_words <= _MAX_QUOTE_WORDS
        and not sentence.rstrip().endswith(("?", ":"))
        and not _heading(sentence)
        and not _BOILERPLATE.search(sentence)
        and not _pointer(sentence)
        and clean_sentence(sentence, personal) == sentence
    )


def leans_back(text: str) -> bool:
    """Whether `text` leans on the sentence before it ("These risk factors ...", "Other features include ...",
    "It ..."): weaker on its own, as an opening or a quote."""
    return bool(_LEANS_BACK.match(text)) or bool(_REFERS_BACK.search(" ".join(text.split()[:4])))


def _furniture(source: SourceSentence) -> bool:
    """A heading (a question) or the page's own furniture (a pointer to another page too): nothing an answer may rest
    on."""
    parts = (source.intro, *source.items) if source.items else (source.text,)
    return source.text.rstrip().endswith("?") or _pointer(source.text) or any(_BOILERPLATE.search(p) for p in parts)


def _pointer(sentence: str) -> bool:
    """A sentence that points to another page (`_POINTER`); a long run-on unit that ends on one still says more."""
    return len(sentence.split()) <= _MAX_POINTER_WORDS and bool(_POINTER.search(sentence))


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
    word again ("Tests for Glaucoma Glaucoma is...") begins a lower-case run. A label before a colon goes too
    ("Summary : A urinalysis is a test of your urine")."""
    sentence = _LABEL.sub("", sentence)
    tokens = sentence.split()
    run = 0
    while run < len(tokens) and (tokens[run][:1].isupper() or tokens[run] in _HEADING_JOINERS):
        run += 1
    # "If You Have Symptoms Anxiety disorders are treatable": three words after the heading are a sentence
    if not 3 <= run <= len(tokens) - 3 or not tokens[run][:1].islower():
        return sentence
    starter = tokens[run - 1]
    title_start = title.split()[0] if title.split() else ""
    if starter in _SENTENCE_STARTERS or starter == tokens[run - 2] or starter == title_start:
        return " ".join(tokens[run - 1 :])
    return sentence


_HEADING_JOINERS = frozenset({"of", "and", "the", "for", "in", "a", "to", "with"})
_LABEL = re.compile(r"^(Summary|Overview|Key Points|Introduction|Definition|Description|Outlook)\s*:\s+(?=[A-Z])")
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


# A yes/no question opens with an auxiliary, with or without its "?" (people type "does prednisone cause weight
# gain"); a request put as one ("Can you tell me ...", "Do you know ...") is not one.
_YES_NO = re.compile(
    r"^\s*(is|are|can|could|does|do|did|will|would|should|has|have|was|were|may|might)\b"
    r"(?!\s+(you|u)\s+(please\s+)?(tell|explain|give|list|describe|help|show|share|recommend|suggest|say|provide|"
    r"know|have\s+(any\s+)?info))",
    re.I,
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
    asked_numbers: frozenset[str] = frozenset()  # the numbers a yes/no question asks about ("twice" -> "2")

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
        frozenset(numbers(question) - numbers(" ".join(topics))),  # "type 2" of "Type 2 Diabetes" names the topic
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
        self._page_codes = [_code_names(f"{p.title} {p.question}") for p in self.passages]
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
        if exact is not None and not exact.items and len(exact.text.split()) < _MIN_QUOTE_WORDS:
            # "Diet." or "Gender and age.": a passage's run-in heading copied as a line of its own says nothing
            return Verdict(False, reason="a heading of the page, not a statement")
        if exact is not None:
            return Verdict(True, [exact.passage], [exact.text], verbatim=True, source=exact)
        item = self._exact_items.get(_normal(sentence))
        if item is not None:  # one item of a list, word for word: it rests on the list
            return Verdict(True, [item.passage], [item.text], verbatim=True)
        terms = _fact_terms(sentence)
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
            _, anchor = self._by_one(part, _fact_terms(part), number, candidates, part_vectors[column])
            if anchor is None:
                return problem, []  # the whole sentence's reason says more than a clause's
            anchors.append(anchor)
        return None, list(dict.fromkeys(anchors))

    def _by_one(
        self, sentence: str, terms: set[str], number: int, candidates: list[int], query: np.ndarray
    ) -> tuple[str | None, int | None]:
        """(why no single sentence of the passage says `sentence` (with embedding `query`), or None; the one
        that says it). Tried in order of likeness (shared content words, besides the page's topic words that
        every sentence shares, plus cosine), the three likeliest only. One of them that says its words with
        the opposite polarity contradicts it ("most women with health problems cannot breastfeed" where it
        says "can"): then no other, resting on the same words ("... advised not to breastfeed"), supports it."""
        cosines = self.vectors @ query
        asked = terms - self._pages[number - 1] or terms
        ranked = sorted(candidates, key=lambda i: -(_overlap(asked, self._terms[i]) + float(cosines[i])))
        first_problem, found = None, None
        for i in ranked[:3]:
            problem, contradicts = self._unit_problem(sentence, terms, number, i, query)
            if contradicts:
                return problem, None
            if problem is None and found is None:
                found = i
            first_problem = first_problem or problem
        return (None, found) if found is not None else (first_problem, None)

    def _unit_problem(
        self, sentence: str, terms: set[str], number: int, anchor: int, query: np.ndarray
    ) -> tuple[str | None, bool]:
        """(why passage sentence `anchor` does not say `sentence` (embedded as `query`), or None when it does;
        whether it says the same with the opposite polarity). A list says it when one of its views does (an
        item with its intro, or the list of short phrases); a sentence of clauses joined by ";", when it or
        one of its clauses does."""
        first_problem, contradicts = None, False
        views = zip(self._views[anchor], self._view_negations[anchor], self.view_vectors(anchor), strict=True)
        for view, negations, vector in views:
            problem = self._view_problem(sentence, terms, number, anchor, (view, negations), float(vector @ query))
            if problem is None:
                return None, False
            contradicts = contradicts or problem.startswith(_POLARITY)
            first_problem = first_problem or problem
        return first_problem, contradicts

    def _view_problem(
        self, sentence: str, terms: set[str], number: int, anchor: int, view_negations: tuple[str, int], cosine: float
    ) -> str | None:
        """Why a view of passage sentence `anchor` (its text, and how many negations it says) does not say
        `sentence`, or None when it does; with the sentence before it when the view refers back to that one
        ("It often starts in the big toe", "Insulin lowers it", "Most of these tumors ..."). Names may also come
        from the page's title and question ("It is inherited..." on the Milroy disease page); a name the sentence
        before gives is taken only when the view opens by referring back to it, so "In stage IIB, cancer has
        spread to the uterus" is not said by "Stage II is divided into IIA and IIB. In stage IIA, cancer has
        spread from where it formed to the uterus"."""
        source = self.sentences[anchor]
        view, view_negative = view_negations
        unit = view
        page = self._pages[number - 1]
        before = self.sentences[anchor - 1] if anchor > 0 else None
        if before is not None and before.passage == number and before.position == source.position - 1:
            if _LEANS_BACK.match(view) or _OF_THESE.match(view):
                unit = f"{before.text} {unit}"
            elif _REFERS_BACK.search(view):
                unnamed = strict_terms(sentence) - _strict_stems() - stems(view) - page
                if unnamed:
                    return f"does not say {', '.join(sorted(unnamed))} in one sentence"
                unit = f"{before.text} {unit}"
        offered = stems(unit) | page
        missing_numbers = numbers(_CODE_NAME.sub(" ", sentence)) - numbers(_CODE_NAME.sub(" ", unit))
        if missing_numbers:
            return f"does not give the number {', '.join(sorted(missing_numbers))}"
        # "40 to 60 years of age" is said by "between the ages of 40 and 60"
        ages = {(n, "year") for n in numbers(unit)} if {"age", "ages", "aged"} & set(words(unit)) else set()
        missing_amounts = _amounts(sentence) - _amounts(unit) - ages
        if missing_amounts:
            return f"does not give the amount {' '.join(sorted(missing_amounts)[0])}"
        codes = _code_names(sentence)
        missing_codes = codes - _code_names(unit) - self._page_codes[number - 1]
        if missing_codes:
            return f"does not name {', '.join(sorted(missing_codes))}"
        if len(codes) > 1 and not any(codes & _code_names(unit) <= _code_names(piece) for piece in unit.split(";")):
            return f"does not bind {', '.join(sorted(codes))} in one clause"
        swapped = _swapped_prefixes(terms | strict_terms(sentence), offered)
        if swapped:
            return f"says {swapped[0]} where it says {swapped[1]}"
        strict = strict_terms(sentence) | {_stem(w) for w in words(sentence) if w in _THINGS}
        missing_names = strict - _said(strict, offered)
        if missing_names:
            return f"does not say {', '.join(sorted(missing_names))} in one sentence"
        missing = terms - _said(terms, offered)
        substituted = (
            _substitution(sentence, unit, offered)
            or (_substitution(sentence, view, stems(view) | page) if unit != view else None)
            or _slot_swap(sentence, view, offered)
        )
        if substituted:
            return f"says {substituted[0]} where it says {substituted[1]}"
        if len(missing) > int(len(terms) * self.config.missing_share):
            return f"does not say {', '.join(sorted(missing))} in one sentence"
        # A word the passage says, but in another sentence, is a fact taken from there, not a paraphrase
        # (words that only name a kind of statement, "features", "treatment", are not facts).
        borrowed = missing & self._passage_terms[number - 1] - (_type_stems() - _stem_set(_EFFECT_WORDS))
        if borrowed:
            return f"does not say {', '.join(sorted(borrowed))} in one sentence (another sentence does)"
        clash = _polarity_clash(sentence, view) if not source.items else _negations(sentence) != view_negative
        if clash:
            which = "does not say" if _negations(sentence) < _negations(view) else "says"
            # It contradicts the view when it says what the view says (most of the view's words, and close in
            # meaning), "not" aside: then no other passage sentence may support it (`_by_one`).
            facts = content_terms(view) - page
            same = not facts or len(_said(facts, stems(sentence))) >= 0.5 * len(facts)
            contradicts = same and cosine >= self.config.min_similarity
            return f"{_POLARITY if contradicts else ''}{which} 'not' where it matches: \"{view}\""
        if cosine < self.config.min_similarity:
            return f"is not close in meaning (cosine {cosine:.2f})"
        more = _claims_more(sentence, view)
        if more:
            return f'says {more} where it does not: "{view}"'
        if _reversed(sentence, view):
            return f'says the reverse of what leads to what: "{view}"'
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
        stating = self._stating(focus)
        if stating:
            best = max(stating, key=lambda i: (scores[i], -i))
            return self.sentences[best], not _clause_negated(self.sentences[best].text, _widened(focus.asked_terms))
        hits = [i for i in quotable if self._hits(i, focus)]
        if not hits:
            return None, None
        # An answer does not open on a sentence that goes on from one it has not shown ("However, it is much
        # more; ..."): such a sentence opens only when no other says what is asked.
        standalone = [i for i in hits if not _CONTINUES.match(self.sentences[i].text)] or hits
        return self.sentences[max(standalone, key=lambda i: (scores[i], -i))], None

    def states_answer(self, focus: Focus) -> bool:
        """Whether a yes/no question is answered by a passage sentence: one holds every word it asks about
        (or a word of the same meaning: "hereditary" -> "inherited", "curable" -> "no cure") and every number
        ("Can you get shingles twice?"). True for a question that asks nothing that can be told."""
        if not focus.yes_no or not (focus.asked_terms or focus.asked_numbers):
            return True
        return bool(self._stating(focus))

    def _stating(self, focus: Focus) -> list[int]:
        """The quotable sentences that state the answer to a yes/no question (see `states_answer`)."""
        if not focus.yes_no or not focus.asked_terms:
            return []
        quotable = self._quotable(focus)
        return [
            i
            for i in quotable
            if any(_states(focus.asked_terms, t) for t in self._item_terms(i))
            and focus.asked_numbers <= numbers(self.sentences[i].text)
        ]

    def before(self, source: SourceSentence) -> SourceSentence | None:
        """The passage sentence right before `source` in its passage, or None when it opens the passage."""
        for i, s in enumerate(self.sentences):
            if s is source or (s.passage == source.passage and s.position == source.position):
                previous = self.sentences[i - 1] if i > 0 else None
                if previous is not None and previous.passage == s.passage and previous.position == s.position - 1:
                    return previous
                return None
        return None

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


def _said(terms: set[str], offered: set[str]) -> set[str]:
    """The stems of `terms` the passage says: word for word, as a word of the same meaning (`_SAME_MEANING`), or
    as another ending of the same word ("itching"/"itchiness", "exposure"/"exposed": one stem is the other's
    first letters, at least four, with at most three more)."""
    groups = _meaning_groups()
    out = set()
    for term in terms:
        same_meaning = term in offered or groups.get(term, frozenset()) & offered
        if same_meaning or (len(term) >= 4 and any(_same_word(term, other) for other in offered)):
            out.add(term)
    return out


def _same_word(a: str, b: str) -> bool:
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 4 and long.startswith(short) and len(long) - len(short) <= 3


def _code_names(text: str) -> set[str]:
    """Gene, protein and subtype names written with digits (COL2A1, HSN1C), lower-cased, each as a whole."""
    return {m.lower() for m in _CODE_NAME.findall(text)}


def _negations(text: str) -> int:
    """How many negations `text` says outside brackets ("(those without the word 'variant')" is an aside):
    "do not damage ... without symptoms" says two where "can damage ... without symptoms" says one."""
    return sum(w in _NEGATION or w.endswith("n't") for w in words(_PAREN.sub(" ", text)))


def _polarity_clash(sentence: str, view: str) -> bool:
    """Whether the clauses of `sentence` say "not" a different number of times than the clauses of `view` they
    say. A clause of the sentence says the view's clauses that have half their content words or more in it (or,
    when none has, the one that shares the most); clauses that say the same ones are counted together. "People
    still eat small amounts of gluten" leaves out "which can damage ... without symptoms" and agrees; "gluten does
    not damage the small intestine in people without symptoms" says one "not" more than that clause."""
    sentence, view = _PAREN.sub(" ", sentence), _PAREN.sub(" ", view)  # brackets are asides (`_negations`)
    theirs = [(facts, _negations(c)) for c in _CLAUSE.split(view) if c and (facts := content_terms(c))]
    groups: list[tuple[int, set[int]]] = []  # (the sentence's negations, the view clauses they are read against)
    for clause in _CLAUSE.split(sentence):
        terms = content_terms(clause or "")
        shared = [len(facts & terms) for facts, _ in theirs]
        if not terms or not shared or not max(shared):
            continue
        said = {k for k, (facts, _) in enumerate(theirs) if 2 * shared[k] >= len(facts)}
        said = said or {max(range(len(theirs)), key=lambda k: (shared[k], shared[k] / len(theirs[k][0])))}
        negations = _negations(clause)
        for group in [g for g in groups if g[1] & said]:
            groups.remove(group)
            negations, said = negations + group[0], said | group[1]
        groups.append((negations, said))
    if not groups:
        return _negations(sentence) != _negations(view)
    return any(n != sum(theirs[k][1] for k in said) for n, said in groups)


def _amounts(text: str) -> set[tuple[str, str]]:
    """(number, unit) pairs of time and share units ("24-hour" -> ("24", "hour")), and of dose units."""
    tokens = words(_CODE_NAME.sub(" ", text))
    pairs = set(dose_amounts(text))
    for word, following in zip(tokens, tokens[1:], strict=False):
        value = _number(word) if word[:1].isdigit() else _NUMBER_WORDS.get(word)
        unit = following[:-1] if following.endswith("s") else following
        if value is not None and unit in _UNIT_WORDS:
            pairs.add((value, unit))
    return pairs


def _claims_more(sentence: str, unit: str) -> str | None:
    """The word by which `sentence` claims more than `unit` does, or None: "all", "always", "only", "proven"
    where the passage sentence does not say it; "most" where it says "some" or "few" (and the reverse);
    a certainty where it says "may", "can", "is associated with", "researchers speculate"."""
    said, source = set(words(sentence)), set(words(unit))
    for word in sorted(said & _ALL_WORDS):
        whole = word in _WHOLE and source & (_WHOLE | _WHOLE_TOO)
        if word not in source and not whole and not (word == "both" and "2" in numbers(unit)):
            return word
    for mine, theirs in ((_MOST_WORDS, _FEW_WORDS), (_FEW_WORDS, _MOST_WORDS)):
        if said & mine and source & theirs and not source & mine and not said & theirs:
            return sorted(said & mine)[0]
    for mine, theirs in _OPPOSITE_EFFECTS:
        if said & mine and source & theirs and not source & mine and not said & theirs:
            return f"{sorted(said & mine)[0]} where it says {sorted(source & theirs)[0]}"
    terms = content_terms(sentence)
    for clause in _CLAUSE.split(unit):
        hedged = clause and set(words(clause)) & _HEDGES and not _negations(clause)
        if hedged and len(content_terms(clause) & terms) * 2 >= len(terms) and not said & _CLAIM_HEDGES:
            return "a certainty"
    return None


# Where a sentence says what leads to what: "A causes B", "B is caused by A", "from A to B", "A followed by B".
_BACKWARD = re.compile(r"\b(?:caused by|due to|results? from|resulting from|because of)\b", re.I)
_FORWARD = re.compile(
    r"\b(?:causes?|caused|causing|leads? to|led to|results? in|resulting in|triggers?|followed by)\b", re.I
)
_FROM_TO = re.compile(r"\bfrom\b(.{2,80}?)\bto\b([^,;:.]{2,80})", re.I)


def _direction(text: str) -> tuple[set[str], set[str]] | None:
    """(what leads, what follows) as content stems of the clause where `text` says one leads to the other."""
    found = _FROM_TO.search(text)
    if found:
        return content_terms(found.group(1)), content_terms(found.group(2))
    backward = _BACKWARD.search(text)
    forward = _FORWARD.search(text)
    match = backward or forward
    if match is None:
        return None
    before = re.split(r"[,;:().]", text[: match.start()])[-1]
    after = re.split(r"[,;:().]", text[match.end() :])[0]
    if backward is not None:
        return content_terms(after), content_terms(before)
    return content_terms(before), content_terms(after)


def _reversed(sentence: str, unit: str) -> bool:
    """Whether `sentence` says that what `unit` says follows leads, and the reverse ("a decrease in energy causes
    mtDNA depletion" where it says "mtDNA depletion causes a decrease in energy"; "from ferric to ferrous")."""
    mine, theirs = _direction(sentence), _direction(unit)
    if mine is None or theirs is None:
        return False
    same = len(mine[0] & theirs[0]) + len(mine[1] & theirs[1])
    crossed = len(mine[0] & theirs[1]) + len(mine[1] & theirs[0])
    return crossed > same


def _slot_swap(sentence: str, view: str, offered: set[str]) -> tuple[str, str] | None:
    """(the sentence's word, the passage's) when the sentence puts a word the passage does not say right before
    a noun of a body part or a kind of thing that it shares with the passage sentence (`_THINGS`, `_KIND_NOUNS`),
    where that sentence has a word of its own right before it (an article aside): "the phrenic nerve" for "the
    vagus nerve", "the tail end" for "the head end", "squamous cell" for "basal cell". A modifier swapped there
    names another thing; other rewordings ("carry oxygen" for "bind oxygen") are left to the content-word share."""
    mine, theirs = _slot_words(sentence), _slot_words(view)
    my_stems = {_stem(w) for w in mine}
    said = _said(my_stems, offered)
    for k in range(len(mine) - 1):
        word, stem, anchor = mine[k], _stem(mine[k]), _stem(mine[k + 1])
        if mine[k + 1] not in _THINGS and mine[k + 1] not in _KIND_NOUNS or stem in said or anchor not in said:
            continue
        if stem in _generic_stems() or word[:1].isdigit() or _verb_like(word, mine[k - 1] if k else ""):
            continue
        for j in range(1, len(theirs)):
            if _stem(theirs[j]) == anchor:
                other = theirs[j - 1]
                candidate = _stem(other)
                content = candidate not in _generic_stems() and not other[:1].isdigit() and other not in _NEGATION
                own = candidate not in my_stems and not _said({candidate}, my_stems)
                if content and own and not _verb_like(other, theirs[j - 2] if j > 1 else ""):
                    return word, other
    return None


def _slot_words(text: str) -> list[str]:
    """The words of `text` without articles: "the vagus nerve" -> ["vagus", "nerve"]."""
    return [w for w in words(text) if w not in ("a", "an", "the")]


def _verb_like(word: str, previous: str) -> bool:
    """Whether `word` reads as a verb or an adverb: "-ly", "-ing", or after "to", a modal or a negation."""
    return word.endswith(("ly", "ing")) or previous in _VERB_BEFORE


_KIND_NOUNS = _wordlist("cell cells end side part parts type types gene genes tissue tissues layer lobe form forms")
_VERB_BEFORE = _wordlist("to can cannot could may might must will would should not does do did")


def _content_words(text: str) -> list[str]:
    """The content words of `text` in order (what `content_terms` keeps, unstemmed)."""
    generic = _generic_stems()
    out = []
    for word in words(text):
        if not word or word[0].isdigit() or word in _NEGATION or word in _NUMBER_WORDS:
            continue
        stem = _stem(word)
        if (stem not in generic or word in _KEEP) and len(stem) > 1:
            out.append(word)
    return out


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
        new_terms = content_terms(" ".join(said[i1:i2]))
        new_terms -= _said(new_terms, offered)
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
_GOES_ON = re.compile(
    r"^(however|but|instead|these|those|this|such|likewise|similarly|conversely|in contrast|on the other hand|"
    r"in (these|this|such|those) (cases?|people|situations?|instances?)|"
    r"as a result|therefore|thus|for this reason|because of this|(it|they|he|she) (also|too|then|further))\b",
    re.I,
)  # a sentence that takes its subject or its point from the one before it ("However, ...", "It also ...")
_OF_THESE = re.compile(
    r"^(most|many|some|all|few|several|each|one|both|none|half|any) of (these|them|those|this|its|their)\b", re.I
)  # "Most of these tumors occur ...": a subject named by the sentence before
_POLARITY = "polarity: "  # how a problem of polarity alone begins: the sentence contradicts that passage sentence
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


# Words that ask the same of a yes/no question: "Is X hereditary?" is answered by "X is inherited in an autosomal
# dominant pattern", "Is X curable?" by "There is no cure", "Is X contagious?" by "X spreads from person to person".
_SAME_ASKED = (
    "inherit inherited inheritance inherits hereditary autosomal",
    "cure cured cures curable incurable",
    "contagious spread spreads transmit transmitted contact catch",  # not "infectious": "... Infectious Diseases"
)


@functools.lru_cache(maxsize=1)
def _same_asked() -> tuple[frozenset[str], ...]:
    return tuple(frozenset(_stem(w) for w in group.split()) for group in _SAME_ASKED)


@functools.lru_cache(maxsize=1)
def _asked_as() -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    """(words a yes/no question may ask with, words a sentence may say it with): `_SAME_ASKED`'s groups, then each
    question type's trigger words, said by any word its answers have ("Can cataracts be treated with surgery?" is
    answered by "... surgery to remove the cataract"); a trigger of a group is read by that group only ("cured")."""
    groups = [(group, group) for group in _same_asked()]
    grouped = frozenset().union(*_same_asked())
    for triggers, answers in QUESTION_TYPES.values():
        trigger_stems = frozenset(_stem(w) for w in triggers.split()) - grouped
        groups.append((trigger_stems, trigger_stems | frozenset(_stem(w) for w in answers.split())))
    return tuple(groups)


def _states(asked: frozenset[str], terms: set[str]) -> bool:
    """Whether a sentence with content stems `terms` says what a yes/no question asking `asked` asks: every
    asked word, or a word of the same meaning in place of one that has some (`_asked_as`)."""
    rest = set(asked)
    for triggers, accepted in _asked_as():
        if rest & triggers:
            if not accepted & terms:
                return False
            rest -= triggers
    return rest <= terms


def _widened(asked: frozenset[str]) -> frozenset[str]:
    """`asked` with the words of the same meaning (`_asked_as`): the clause that holds one of them says it."""
    return asked.union(*(accepted for triggers, accepted in _asked_as() if asked & triggers))


def goes_on(text: str) -> bool:
    """Whether `text` goes on from the sentence before it and says little without it ("However, ...", "These
    include ...", "In these cases ...", "It also ..."): a quote that must not stand without that sentence.
    Narrower than _CONTINUES: a sentence that only adds to what was said ("Other features include ...", "Also,
    ...", "For example, ...") reads well after any sentence on the same topic."""
    return bool(_GOES_ON.match(text))


def _clause_negated(sentence: str, asked: frozenset[str]) -> bool:
    """Whether the clause of `sentence` that holds an asked-about word is negated."""
    for clause in _CLAUSE.split(sentence):
        if clause and content_terms(clause) & asked:
            return negated(clause)
    return negated(sentence)


def _normal(text: str) -> str:
    """Lower-case words only: two texts that differ in case, spacing, markers or punctuation are equal."""
    return " ".join(words(text))
