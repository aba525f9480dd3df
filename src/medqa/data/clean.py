"""Cleaning rules for question/answer text. Each rule is a small function; `clean_rows` counts
how many rows each rule changed or dropped, so the report can say exactly what happened."""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import ftfy

from medqa.config import check, raise_problems

# A tag must start with a letter, '/' or '!' right after '<', so "BP < 120" and "a<b" survive.
_TAG = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?|/[a-zA-Z][a-zA-Z0-9-]*\s*|!--.*?--)>", re.DOTALL)
_BLOCK_TAG = re.compile(r"<\s*(?:br|/p|p|/div|div|/li|li|/h[1-6]|tr|/tr)\b[^>]*>", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,6}|#x[0-9a-fA-F]{1,6});")
_SPACES = re.compile(r"[^\S\n]+")  # any whitespace except newline
_MANY_NEWLINES = re.compile(r"\n{3,}")
_DROP = ("Cc", "Cf", "Cs", "Co")  # control, format (zero-width), surrogate, private use
_ASCII_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]+")  # the same rule for ASCII text, ten times faster
# Control characters and HTML are separate rules below, so each is counted on its own.
_FTFY = ftfy.TextFixerConfig(unescape_html=False, remove_control_chars=False, normalization="NFC", explain=False)


@dataclass
class CleanConfig:
    """Thresholds of the cleaning step (lengths are counted in words)."""

    min_question_words: int = 2  # shorter questions carry no answerable content
    max_question_words: int = 200  # longer ones are usually pasted documents, not questions
    min_answer_words: int = 1
    max_answer_words: int = 2000  # MedQuAD p95 is 523 words; the few longer ones are gene/drug lists
    drop_exact_duplicates: bool = True

    def __post_init__(self) -> None:
        problems: list[str] = []
        check(
            problems,
            0 <= self.min_question_words <= self.max_question_words,
            "clean.min_question_words must be >= 0 and <= clean.max_question_words",
        )
        check(
            problems,
            0 <= self.min_answer_words <= self.max_answer_words,
            "clean.min_answer_words must be >= 0 and <= clean.max_answer_words",
        )
        raise_problems(problems, "clean settings")


@dataclass
class CleanResult:
    """Kept rows (question/answer cleaned, other fields as read) and the counts by rule."""

    rows: list[dict[str, Any]]
    lines: list[int]
    dropped: Counter[str] = field(default_factory=Counter)
    changed: Counter[str] = field(default_factory=Counter)


def as_text(value: Any) -> str | None:
    """The text of a cell: strings as they are, numbers as written, missing as None, nested as None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return None if value != value else str(value)  # NaN (value != value) counts as missing
    return None


def fix_unicode(text: str) -> str:
    """Repair mojibake (UTF-8 read as cp1252, etc.) and normalise to NFC."""
    if text.isascii() and "\x1b" not in text and "\r" not in text:
        # Nothing for ftfy to do (mojibake needs non-ASCII; ASCII is NFC); it costs 16 us a text.
        return text
    return ftfy.fix_text(text, _FTFY)


def strip_html(text: str) -> str:
    """Remove HTML tags (block tags become line breaks) and decode entities such as &amp; or &nbsp;."""
    if "<" in text:
        text = _BLOCK_TAG.sub("\n", text)
        text = _TAG.sub("", text)
    if "&" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    return text


@functools.cache
def _control_chars() -> re.Pattern[str]:
    """One character class of every control, format, surrogate and private-use code point but \\n and \\t.

    Only planes 0, 1 and 14 hold such characters besides the two private-use planes 15 and 16, so
    scanning those (about 0.1 s, once) covers the whole of Unicode.
    """
    ranges = ["\\U000f0000-\\U0010ffff"]  # planes 15-16: private use
    for first, last in ((0, 0x1FFFF), (0xE0000, 0xE0FFF)):
        start = None
        for code in range(first, last + 2):
            bad = code <= last and chr(code) not in "\n\t" and unicodedata.category(chr(code)) in _DROP
            if bad and start is None:
                start = code
            elif not bad and start is not None:
                ranges.append(f"\\U{start:08x}-\\U{code - 1:08x}")
                start = None
    return re.compile("[" + "".join(ranges) + "]+")


def remove_control_chars(text: str) -> str:
    """Drop control and format characters (NUL, zero-width spaces, ...) but keep newlines and tabs."""
    return (_ASCII_CONTROL if text.isascii() else _control_chars()).sub("", text)


def normalize_whitespace(text: str, keep_paragraphs: bool) -> str:
    """Collapse runs of spaces; answers keep paragraph breaks (at most one blank line), questions become one line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not keep_paragraphs:
        return " ".join(text.split())
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()


def word_count(text: str) -> int:
    return len(text.split())


def duplicate_key(question: str, answer: str) -> tuple[str, str]:
    """Two pairs are exact duplicates when they match after case folding and whitespace collapsing."""
    return " ".join(question.casefold().split()), " ".join(answer.casefold().split())


def clean_text(text: str, keep_paragraphs: bool, changed: Counter[str]) -> str:
    """Apply every text rule in order, counting the rules that changed something."""
    for rule, function in (
        ("unicode_fixed", fix_unicode),
        ("html_removed", strip_html),
        ("control_chars_removed", remove_control_chars),
    ):
        fixed = function(text)
        if fixed != text:
            changed[rule] += 1
            text = fixed
    fixed = normalize_whitespace(text, keep_paragraphs)
    if fixed != text:
        changed["whitespace_normalized"] += 1
    return fixed


def clean_rows(
    rows: list[dict[str, Any]], lines: list[int], question_col: str, answer_col: str, config: CleanConfig
) -> CleanResult:
    """Clean every row; drop missing, too short/long and duplicate pairs; count each reason."""
    result = CleanResult(rows=[], lines=[])
    seen: set[tuple[str, str]] = set()
    for row, line in zip(rows, lines, strict=True):
        raw_question, raw_answer = as_text(row.get(question_col)), as_text(row.get(answer_col))
        if raw_question is None or not raw_question.strip():
            result.dropped["missing_question"] += 1
            continue
        if raw_answer is None or not raw_answer.strip():
            result.dropped["missing_answer"] += 1
            continue
        question = clean_text(raw_question, keep_paragraphs=False, changed=result.changed)
        answer = clean_text(raw_answer, keep_paragraphs=True, changed=result.changed)
        reason = _length_problem(question, answer, config)
        if reason:
            result.dropped[reason] += 1
            continue
        key = duplicate_key(question, answer)
        if config.drop_exact_duplicates and key in seen:
            result.dropped["exact_duplicate"] += 1
            continue
        seen.add(key)
        result.rows.append({**row, question_col: question, answer_col: answer})
        result.lines.append(line)
    return result


def _length_problem(question: str, answer: str, config: CleanConfig) -> str | None:
    q_words, a_words = word_count(question), word_count(answer)
    if not question:
        return "missing_question"
    if not answer:
        return "missing_answer"
    if q_words < config.min_question_words:
        return "question_too_short"
    if q_words > config.max_question_words:
        return "question_too_long"
    if a_words < config.min_answer_words:
        return "answer_too_short"
    if a_words > config.max_answer_words:
        return "answer_too_long"
    return None
