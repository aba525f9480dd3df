import ftfy
from hypothesis import given, settings
from hypothesis import strategies as st

from medqa.data.clean import (
    _FTFY,
    CleanConfig,
    _control_chars,
    clean_rows,
    fix_unicode,
    normalize_whitespace,
    remove_control_chars,
    strip_html,
)


def test_html_remnants_removed_but_comparisons_kept() -> None:
    assert strip_html("<p>Take <b>one</b> tablet&nbsp;daily &amp; rest.</p>") == "\nTake one tablet\xa0daily & rest.\n"
    assert strip_html("Keep BP < 120 and LDL<100 mg/dL") == "Keep BP < 120 and LDL<100 mg/dL"
    assert strip_html("Line one<br>Line two") == "Line one\nLine two"


def test_control_and_zero_width_characters_removed() -> None:
    assert remove_control_chars("in\x00sulin\u200b dose\x07\nnext\tline") == "insulin dose\nnext\tline"


def test_mojibake_repaired_and_nfc() -> None:
    assert fix_unicode("MÃ©niÃ¨re") == "Ménière"
    assert fix_unicode("Me\u0301nie\u0300re") == "Ménière"  # decomposed accents composed (NFC)


def test_whitespace_questions_one_line_answers_keep_paragraphs() -> None:
    assert normalize_whitespace("  What   is\ngout ?\r\n", keep_paragraphs=False) == "What is gout ?"
    answer = "First   paragraph.  \r\n\r\n\r\n\r\nSecond\tparagraph.\nSame paragraph."
    expected = "First paragraph.\n\nSecond paragraph.\nSame paragraph."
    assert normalize_whitespace(answer, keep_paragraphs=True) == expected


def test_each_rule_counted_and_rows_dropped_by_reason() -> None:
    rows = [
        {"q": "What is gout?", "a": "A kind of <i>arthritis</i>."},
        {"q": "", "a": "orphan answer"},
        {"q": "What is acne?", "a": None},
        {"q": "Why?", "a": "Too short a question."},
        {"q": "What is flu?", "a": " ".join(["word"] * 50)},
        {"q": "What  is gout?", "a": "A kind of arthritis."},  # duplicate of row 1 after cleaning
        {"q": "What is MÃ©niÃ¨re?", "a": "An ear\x00 disorder."},
        {"q": "How much is 2 plus 2?", "a": 4},  # a numeric answer is kept as its text
    ]
    config = CleanConfig(min_question_words=2, max_answer_words=40)
    result = clean_rows(rows, list(range(2, 10)), "q", "a", config)
    assert [r["q"] for r in result.rows] == ["What is gout?", "What is Ménière?", "How much is 2 plus 2?"]
    assert result.rows[2]["a"] == "4"
    assert result.lines == [2, 8, 9]
    assert dict(result.dropped) == {
        "missing_question": 1,
        "missing_answer": 1,
        "question_too_short": 1,
        "answer_too_long": 1,
        "exact_duplicate": 1,
    }
    assert result.changed["html_removed"] == 1
    assert result.changed["unicode_fixed"] == 1
    assert result.changed["control_chars_removed"] == 1
    assert result.changed["whitespace_normalized"] >= 1
    assert len(rows) == len(result.rows) + sum(result.dropped.values())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_shortcuts_change_nothing(text: str) -> None:
    """ASCII text skips ftfy and the full-Unicode control-character class: the result must be the same."""
    assert fix_unicode(text) == ftfy.fix_text(text, _FTFY)
    assert remove_control_chars(text) == _control_chars().sub("", text)
