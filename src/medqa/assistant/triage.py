"""Triage before anything else: emergencies, self-harm, out-of-scope requests, personal advice.

`Triage.assess(message, history)` returns a `TriageResult`. The assistant says `result.response`
first (the emergency or crisis text, or a polite decline), and adds `PERSONAL_ADVICE_NOTE` when
`result.personal` is set. `DISCLAIMER` is the one medical disclaimer of the project.

How an emergency is recognised, so that phrasings nobody listed still fire:
1. meaning: a multinomial logistic regression on MiniLM embeddings, trained (deterministically,
   in about a second) on the curated exemplars in `resources/triage_exemplars.yaml`, gives
   P(emergency) + P(self-harm);
2. grammar: the score is halved for a general question with nobody in it ("what are the signs
   of a stroke?", "what to do if someone...") and for a past event ("I had a stroke last year"),
   and lowered when the symptom is negated ("no chest pain");
3. unambiguous phrases ("not breathing", "kill myself", "overdosed", "choking") raise it to
   0.95 unless negated or asked about in general. "In general" is judged on the phrase's own
   clause, so a role-play or hypothetical frame elsewhere in the message ("pretend you are a
   doctor; if you were my doctor, what would you do: my husband isn't breathing") cannot hide it,
   and a hypothetical clause that says it is happening now ("if someone won't wake up, what do I
   do right now?") fires too.
A message fires at `threshold` (0.5). Missing an emergency costs far more than a false alarm,
so the rules only ever demote general or past questions, never a first-person present message.
The category (stroke, choking...) is the one of the nearest exemplars.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml

from medqa.config import check, raise_problems
from medqa.errors import MedqaError
from medqa.resources import resource_path
from medqa.retrieval.embedding import Embedder, MiniLMEmbedder

DISCLAIMER = (
    "This is general health information, not medical advice, and it cannot replace a clinician who "
    "knows your situation. In an emergency, call your local emergency number."
)
PERSONAL_ADVICE_NOTE = (
    "I can share general information, but I can't diagnose you or choose a dose for you: please ask a "
    "doctor or pharmacist, who can take your history and your other medicines into account."
)
OUT_OF_SCOPE_RESPONSE = (
    "I'm a health information assistant, so I can't help with that request. "
    "If you have a health or medical question, I'm happy to help."
)
EMERGENCY_RESPONSE = (
    "This may be a medical emergency. Call {number} now{examples}, or ask someone nearby to call. "
    "{action}Stay with the person and follow the dispatcher's instructions; don't wait for an answer here."
)
SELF_HARM_RESPONSE = (
    "I'm really sorry you're going through this, and I'm glad you told me. If you might act on these "
    "thoughts or are in danger now, call {number}{examples}. You can call or text {crisis_line}, or your "
    "local crisis line, at any time. If you can, stay close to someone you trust and move away from "
    "anything you could use to hurt yourself."
)

Kind = Literal["emergency", "self_harm", "none"]
CLASSES = ("emergency", "self_harm", "information", "personal", "out_of_scope")

_FIRST_PERSON = re.compile(r"\b(i|i'?m|i'?ve|i'?d|i'?ll|me|my|mine|we|we'?re|our|us)\b")
_SOMEONE_NOW = re.compile(
    r"\b(he|she|they|someone|somebody|(my|our|the) \w+)('s|'re| is| are| isn'?t| can'?t| won'?t| has| keeps| just)\b"
)
_URGENT = re.compile(
    r"\b(now|right now|just|currently|still|help|hurry|quick(ly)?|emergency|911|112|999|ambulance|won'?t stop|"
    r"can'?t stop|keeps?|minutes?|suddenly|all of a sudden|tonight)\b|!"
)
_QUESTION = re.compile(
    r"^\s*(what|what'?s|whats|how|why|which|who|when|where|is|are|can|could|does|do|should|will|would|"
    r"tell me|explain|describe|list)\b"
)
_GENERAL = re.compile(
    r"\b(signs?|symptoms?|causes?|treatments?|treated|risk factors?|first aid|diagnos\w*|prevent\w*|"
    r"recover\w*|rates?|common|types?|what is|what are|how do you|how does|difference)\b"
)
_HYPOTHETICAL = re.compile(
    r"\b(if|when|in case|whether)\s+(someone|somebody|a person|you|a child|a baby|your|people)\b"
)
_PAST = re.compile(
    r"\b(\d+|a|one|two|three|four|five|several|many|few) (years?|months?|weeks?) ago\b|\blast (year|month)\b|"
    r"\bin (19|20)\d\d\b|\bhistory of\b|\bused to\b|\bhad (a|an) \w+( \w+)? (in|last|\d)"
)
_STRONG_EMERGENCY = re.compile(
    r"\b(not|isn'?t|stopped|no longer|wasn'?t) breathing\b|\bcan'?t (breathe?|get (any )?air)\b|\bcant breath|"
    r"\bno pulse\b|\bunresponsive\b|\bwon'?t wake\b|\bnot responding\b|\bchoking\b|\boverdos(ed|ing)\b|"
    r"\bseizing\b|\bturning (blue|purple|grey|gray)\b|\bthroat (is )?(closing|swelling)\b|"
    r"\bheart attack right now\b|\bhaving a (heart attack|stroke)\b|"
    # Having swallowed a large amount of a medicine reads like a dose question to MiniLM; say it plainly.
    r"\b(took|taken|swallowed|ate|downed)\b.{0,25}\b(\d{2,}|whole (bottle|pack|box)|handful|bunch|lots) (of )?"
    r"(\w+ )?(pills?|tablets?|capsules?|tylenol|paracetamol|acetaminophen|ibuprofen|aspirin|xanax|benzos?|opioids?)"
)
_STRONG_SELF_HARM = re.compile(
    r"\b(kill(ing)?|hurt(ing)?|harm(ing)?|cut(ting)?) (myself|my ?self)\b|\bend(ing)? (my life|it all)\b|"
    r"\btake my (own )?life\b|\bsuicid(e|al)\b|\bwant(ed)? to die\b|\bbetter off (dead|without me)\b|"
    r"\bself[- ]?harm\w*\b|\bdon'?t want to (live|be alive)\b|"
    # Asking how much of a medicine it takes to die or never wake is a recognised warning sign.
    r"\b(lethal|fatal) (dose|amount)\b|\b(take|need) to (die|not wake|never wake)\b|\bnever wake up\b"
)
_NOW = re.compile(r"\b(right now|now|at the moment|currently|this minute|as we speak)\b")
_CLAUSE_END = re.compile(r"[.!?;:\n]")
_NEGATOR = re.compile(r"\b(no|not|never|without|don'?t|doesn'?t|didn'?t|denies|nor)\b")
_SYMPTOM = re.compile(
    r"\b(chest pain|pain|bleeding|blood|breath\w*|fever|swelling|seizures?|numbness|weakness|dizz\w+|"
    r"fainting|suicidal|thoughts|choking|symptoms)\b"
)
_DOSE = re.compile(
    r"\b(how (much|many)|what dose|dosage|doses?|mg|milligrams?|ml)\b.*\b(i|me|my|give|take)\b|"
    r"\b(should|can|could) i (take|give|stop|double|skip|mix)\b|\bdo i have\b|\bwhat'?s wrong with me\b|"
    r"\bdiagnose (me|my)\b"
)


# ----------------------------------------------------------------------------------------- types
@dataclass(frozen=True)
class SafetyConfig:
    """Numbers and thresholds of the triage responses."""

    emergency_number: str = "911"
    """Said first in every emergency response: the local emergency number."""
    emergency_examples: str = "112 in Europe"
    """Other numbers named in brackets; empty to name none."""
    crisis_line: str = "988 (the Suicide & Crisis Lifeline in the US)"
    """Crisis line named for self-harm, followed by 'or your local crisis line'."""
    threshold: float = 0.5
    """Emergency score at which a message fires."""

    def __post_init__(self) -> None:
        problems: list[str] = []
        check(problems, bool(self.emergency_number.strip()), "'emergency_number' must not be empty")
        check(problems, 0.0 < self.threshold < 1.0, f"'threshold' must be between 0 and 1, got {self.threshold}")
        raise_problems(problems, "safety configuration")


@dataclass(frozen=True)
class TriageResult:
    """What the assistant must do before (or instead of) answering."""

    kind: Kind
    category: str  # emergency category ("stroke", "self_harm"...), "out_of_scope", "personal" or "none"
    score: float  # emergency score in [0, 1] after the rules
    response: str  # say this first ("" when there is nothing to say first)
    out_of_scope: bool = False
    personal: bool = False
    signals: dict[str, Any] = field(default_factory=dict)  # rule hits and class probabilities, for logs

    @property
    def is_emergency(self) -> bool:
        return self.kind != "none"


@dataclass(frozen=True)
class Exemplars:
    """The curated training messages, by class, and the first-aid line of each emergency category."""

    texts: list[str]
    labels: list[str]  # one of CLASSES per text
    categories: list[str]  # emergency category per text ("" for the others)
    actions: dict[str, str]


def load_exemplars(path: Path | None = None) -> Exemplars:
    """Read `triage_exemplars.yaml` (the packaged one by default)."""
    path = path or resource_path("triage_exemplars.yaml")
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        texts, labels, categories, actions = [], [], [], {}
        for category, entry in data["emergency"].items():
            actions[category] = str(entry.get("action", ""))
            for text in entry["examples"]:
                texts.append(str(text)), labels.append("emergency"), categories.append(category)
        actions["self_harm"] = ""
        for text in data["self_harm"]["examples"]:
            texts.append(str(text)), labels.append("self_harm"), categories.append("self_harm")
        for label in ("information", "personal", "out_of_scope"):
            for text in data["none"][label]:
                texts.append(str(text)), labels.append(label), categories.append("")
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise MedqaError(f"triage exemplars {path} are unreadable or malformed: {exc}") from exc
    missing = sorted(set(CLASSES) - set(labels))
    if missing:
        raise MedqaError(f"triage exemplars {path} have no examples of: {', '.join(missing)}")
    return Exemplars(texts, labels, categories, actions)


# ----------------------------------------------------------------------------------------- triage
class Triage:
    """Classifies messages; build once (embeds the exemplars, fits the classifier), assess many."""

    def __init__(
        self, embedder: Embedder | None = None, config: SafetyConfig | None = None, exemplars: Exemplars | None = None
    ) -> None:
        self.embedder = embedder or MiniLMEmbedder()
        self.config = config or SafetyConfig()
        self.exemplars = exemplars or load_exemplars()
        fitted = _fit_classifier(self.embedder, self.exemplars)
        self.vectors, self._coef, self._intercept, self._classes = fitted  # vectors: (n_exemplars, dim)

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        """The classifier's probability of each class for one embedded message."""
        logits = self._coef @ vector + self._intercept  # five classes: one row each
        weights = np.exp(logits - logits.max())
        return dict(zip(self._classes, (weights / weights.sum()).tolist(), strict=True))

    def with_config(self, config: SafetyConfig) -> Triage:
        """The same fitted triage answering with other numbers or threshold (no refit, no re-embedding)."""
        other = copy.copy(self)
        other.config = config
        return other

    def assess(self, message: str, history: Sequence[str] = ()) -> TriageResult:
        """Triage `message`; `history` holds the user's previous messages, oldest first.

        An emergency told over several messages ("my dad feels unwell" ... "now he can't speak")
        fires too: the last two user messages joined with this one are assessed as well.
        """
        result = self._assess_one(message)
        if result.kind == "none" and history:
            joined = " ".join([*list(history)[-2:], message])
            combined = self._assess_one(joined)
            if combined.kind != "none":
                return combined
        return result

    def _assess_one(self, message: str) -> TriageResult:
        text = " ".join(message.lower().replace("’", "'").split())
        if not text:
            return TriageResult("none", "none", 0.0, "")
        vector = self.embedder.encode([message])[0]
        proba = self.probabilities(vector)
        signals = _signals(text)
        score = _emergency_score(proba["emergency"] + proba["self_harm"], signals)
        signals["proba"] = {str(k): round(float(v), 3) for k, v in proba.items()}
        if score >= self.config.threshold:
            self_harm = signals["strong_self_harm"] or proba["self_harm"] > proba["emergency"]
            if self_harm:
                return TriageResult("self_harm", "self_harm", score, self._self_harm_text(), signals=signals)
            category = self._nearest_category(vector)
            return TriageResult("emergency", category, score, self._emergency_text(category), signals=signals)
        others = {k: proba[k] for k in ("information", "personal", "out_of_scope")}
        top = max(others, key=lambda k: others[k])
        out_of_scope = top == "out_of_scope" and proba["out_of_scope"] >= 0.5
        personal = not out_of_scope and (top == "personal" or bool(_DOSE.search(text)))
        category = "out_of_scope" if out_of_scope else "personal" if personal else "none"
        response = OUT_OF_SCOPE_RESPONSE if out_of_scope else ""
        return TriageResult("none", category, score, response, out_of_scope, personal, signals)

    def _nearest_category(self, vector: np.ndarray) -> str:
        # Mean of the 3 best similarities per category: one odd exemplar cannot decide alone.
        sims = self.vectors @ vector
        best: dict[str, float] = {}
        for category in set(self.exemplars.categories) - {"", "self_harm"}:
            idx = [i for i, c in enumerate(self.exemplars.categories) if c == category]
            best[category] = float(np.sort(sims[idx])[-3:].mean())
        return max(best, key=lambda c: best[c])

    def _examples(self) -> str:
        extra = self.config.emergency_examples.strip()
        return f" (or your local emergency number, e.g. {extra})" if extra else " (or your local emergency number)"

    def _emergency_text(self, category: str) -> str:
        action = self.exemplars.actions.get(category, "").strip()
        return EMERGENCY_RESPONSE.format(
            number=self.config.emergency_number, examples=self._examples(), action=f"{action} " if action else ""
        )

    def _self_harm_text(self) -> str:
        return SELF_HARM_RESPONSE.format(
            number=self.config.emergency_number, examples=self._examples(), crisis_line=self.config.crisis_line
        )


def _signals(text: str) -> dict[str, Any]:
    """The grammatical cues of a lower-cased message."""
    strong = _STRONG_EMERGENCY.search(text)
    strong_self = _STRONG_SELF_HARM.search(text)
    present = bool(_FIRST_PERSON.search(text) or _SOMEONE_NOW.search(text) or _URGENT.search(text))
    return {
        "present": present,
        "general": _general(text),
        "past": _past(text),
        "negated": _negated(text),
        "strong_emergency": bool(strong) and not _negated_at(text, strong.start()),
        "strong_self_harm": bool(strong_self) and not _negated_at(text, strong_self.start()),
        # The strong phrase's own clause decides whether it is asked about in general or past.
        "strong_demoted": any(_demoted(_clause_at(text, m.start())) for m in (strong, strong_self) if m),
    }


def _general(text: str) -> bool:
    return bool(_HYPOTHETICAL.search(text)) or (
        bool(_QUESTION.search(text)) and bool(_GENERAL.search(text)) and not _FIRST_PERSON.search(text)
    )


def _past(text: str) -> bool:
    return bool(_PAST.search(text)) and not _URGENT.search(text)


def _demoted(clause: str) -> bool:
    """A clause about the phrase in general (unless it says it is happening now) or in the past."""
    return (_general(clause) and not _NOW.search(clause)) or _past(clause)


def _clause_at(text: str, position: int) -> str:
    """The clause (between . ! ? ; : or a line break) around `position`."""
    ends = [m.end() for m in _CLAUSE_END.finditer(text, 0, position)]
    after = _CLAUSE_END.search(text, position)
    return text[ends[-1] if ends else 0 : after.start() if after else len(text)]


def _emergency_score(score: float, s: dict[str, Any]) -> float:
    if s["general"]:
        score *= 0.5
    if s["past"]:
        score *= 0.5
    if s["negated"] and not s["strong_emergency"]:
        score *= 0.6
    if (s["strong_emergency"] or s["strong_self_harm"]) and not s["strong_demoted"]:
        score = max(score, 0.95)
    return float(min(max(score, 0.0), 1.0))


def _negated(text: str) -> bool:
    """A symptom with a negator at most three words before it ("no chest pain", "not having any bleeding")."""
    return any(_negated_at(text, m.start()) for m in _SYMPTOM.finditer(text))


def _negated_at(text: str, start: int) -> bool:
    window = text[:start].split()[-3:]
    return bool(_NEGATOR.search(" ".join(window)))


TRIAGE_CACHE_VERSION = 1


def _fit_classifier(embedder: Embedder, exemplars: Exemplars) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(exemplar vectors, coefficients, intercepts, classes) of the multinomial logistic regression.

    For the bundled MiniLM the result is cached in medqa's cache, keyed by the exemplars: a server
    then starts without embedding the exemplars again and without importing scikit-learn (~135 MB
    of memory, for a fit that is only a matrix product and a softmax to apply).
    """
    key = json.dumps([TRIAGE_CACHE_VERSION, embedder.name, exemplars.texts, exemplars.labels], ensure_ascii=True)
    cache = None
    if isinstance(embedder, MiniLMEmbedder):
        from medqa.resources import cache_dir

        cache = cache_dir() / "triage" / f"{hashlib.sha256(key.encode()).hexdigest()[:20]}.npz"
        try:
            with np.load(cache, allow_pickle=False) as saved:
                return saved["vectors"], saved["coef"], saved["intercept"], [str(c) for c in saved["classes"]]
        except (OSError, KeyError, ValueError):
            pass  # not cached yet (or damaged): fit and cache again
    from sklearn.linear_model import LogisticRegression

    vectors = embedder.encode(exemplars.texts)
    # Balanced weights: the classes have different sizes and none should win by count alone.
    # lbfgs on a fixed input is deterministic; C=10 because unit-norm embeddings need weak regularisation.
    classifier = LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000)
    classifier.fit(vectors, exemplars.labels)
    coef, intercept = classifier.coef_.astype(np.float64), classifier.intercept_.astype(np.float64)
    classes = [str(c) for c in classifier.classes_]
    if cache is not None:
        _save_fitted(cache, vectors=vectors, coef=coef, intercept=intercept, classes=np.array(classes))
    return vectors, coef, intercept, classes


def _save_fitted(path: Path, **arrays: np.ndarray) -> None:
    """Write the cache atomically; an unwritable cache only costs the next start a refit."""
    from medqa.fileio import atomic_file

    try:
        with atomic_file(path) as tmp, open(tmp, "wb") as handle:  # a handle: np.savez would add ".npz"
            np.savez(handle, **arrays)
    except OSError:
        pass


@functools.lru_cache(maxsize=4)
def default_triage(config: SafetyConfig | None = None) -> Triage:
    """The MiniLM triage, built once per process and configuration (a second or two)."""
    return Triage(config=config)


def triage(message: str, history: Sequence[str] = (), config: SafetyConfig | None = None) -> TriageResult:
    """Triage one message with the default model (see `Triage.assess`)."""
    return default_triage(config).assess(message, history)
