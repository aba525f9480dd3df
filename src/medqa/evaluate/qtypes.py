"""Question types (symptoms, causes, treatment, inheritance, ...): where a system is good and where not.

MedQuAD labels every question with one of 16 types (its `qtype` column). Other datasets do not,
so the type is inferred from the question's wording with the patterns MedQuAD's templates use
("What are the symptoms of X ?", "Is X inherited ?", "How to diagnose X ?"...); what matches none
is "other".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# First match wins. MedQuAD's templated wordings come first ("What is (are) Hereditary X ?" is
# about information even though "hereditary" is in the name), then keywords for free-form questions.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("information", r"^\s*what (is|are) \(are\)|^\s*do you have information"),
        ("symptoms", r"^\s*what are the (signs and )?symptoms of\b"),
        ("inheritance", r"^\s*is .* inherited\s*\?*\s*$"),
        ("genetic changes", r"^\s*what are the genetic changes related to\b"),
        ("causes", r"^\s*what causes\b"),
        ("treatment", r"^\s*what are the treatments for\b"),
        ("exams and tests", r"^\s*how to diagnose\b"),
        ("prevention", r"^\s*how to prevent\b"),
        ("frequency", r"^\s*how many people are affected by\b"),
        ("susceptibility", r"^\s*who is at risk for\b"),
        ("outlook", r"^\s*what is the outlook for\b"),
        ("research", r"^\s*what research \(or clinical trials\) is being done for\b"),
        ("considerations", r"^\s*what to do for\b"),
        ("complications", r"^\s*what are the complications of\b"),
        ("stages", r"^\s*what are the stages of\b"),
        ("support groups", r"^\s*where to find support\b"),
        # free-form wordings
        ("symptoms", r"\b(symptoms?|signs?)\b"),
        ("inheritance", r"\b(inherited|inheritance|hereditary|run in (the )?famil)"),
        ("genetic changes", r"\b(genetic|genes?|mutations?)\b"),
        ("causes", r"\bcaus(e|es|ed)\b|\bwhy (do|does|did)\b"),
        ("treatment", r"\b(treatments?|treated|treat|therapy|therapies|cure[sd]?|medicines?|drugs?)\b"),
        ("exams and tests", r"\b(diagnos\w*|tests?|exams?|screening)\b"),
        ("prevention", r"\b(prevent\w*|avoid)\b"),
        ("frequency", r"\bhow (many|common|often)\b|\bprevalen"),
        ("susceptibility", r"\b(at risk|risk factors?|who (gets|is likely))\b"),
        ("outlook", r"\b(outlook|prognosis|life expectancy)\b"),
        ("research", r"\b(research|clinical trials?)\b"),
        ("complications", r"\bcomplications?\b"),
        ("stages", r"\bstages?\b"),
        ("support groups", r"\bsupport groups?\b"),
        ("information", r"^\s*(what|who) (is|are)\b|\binformation (about|on)\b"),
    )
)
OTHER = "other"


def infer_qtype(question: str) -> str:
    """The question type its wording shows (MedQuAD's names), or "other"."""
    for name, pattern in _PATTERNS:
        if pattern.search(question):
            return name
    return OTHER


def question_type(qtype: str, question: str) -> str:
    """The dataset's own label when it has one, else the inferred type."""
    label = " ".join(qtype.lower().split())
    return label or infer_qtype(question)


def by_type(types: Sequence[str], values: Sequence[float]) -> dict[str, tuple[int, float]]:
    """{type: (questions, mean value)}, the most frequent type first."""
    groups: dict[str, list[float]] = {}
    for qtype, value in zip(types, values, strict=True):
        groups.setdefault(qtype, []).append(value)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    return {name: (len(scores), sum(scores) / len(scores)) for name, scores in ordered}
