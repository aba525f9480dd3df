"""How long a composed answer is: quotes are added up to the word bound and never past it, only passage
sentences that say what the question asks are added, and a model's answer that survived but stops short
is completed the same way (`Composer` fill_words)."""

from __future__ import annotations

from medqa.assistant.compose import FILL_WORDS, QUOTE_WORDS, Composer
from medqa.assistant.support import SupportChecker, question_focus
from medqa.retrieval.index import RetrievedPassage
from test_faithful import StemBagEmbedder

GOUT = (
    "Gout is a form of arthritis that causes sudden attacks of pain in the joints. "
    "Attacks often start in the big toe and bring redness and swelling. "
    "Gout is treated with medicines that lower the uric acid in the blood. "
    "Anti-inflammatory drugs treat the pain and swelling of an attack. "
    "Colchicine is a medicine that can treat an attack when it is taken early. "
    "Changes in diet can help control gout and keep new attacks away. "
    "Losing weight and drinking less alcohol also help manage the disease."
)
OFF_FOCUS = ("Gout is a form of arthritis", "Attacks often start in the big toe")
QUESTION = "How is gout treated?"


def composer(**settings: int) -> Composer:
    passage = RetrievedPassage(GOUT, 1.0, "https://ex.org/gout", "Gout", "What is gout?", "0", 0)
    checker = SupportChecker([passage], StemBagEmbedder())
    return Composer(checker, question_focus(QUESTION, ["Gout"]), **settings)


def shown_words(c: Composer) -> int:
    return sum(len(s.text.split()) for s in c.sentences)


def unshown_answers(c: Composer) -> list[str]:
    """The passage sentences that answer the question and are not in the answer."""
    shown = {s.text for s in c.sentences}
    return [s.text for s in c.checker.best_answers(c.focus, limit=20) if s.text not in shown]


def test_the_defaults_are_the_module_constants() -> None:
    c = composer()
    assert (c.quote_words, c.fill_words) == (QUOTE_WORDS, FILL_WORDS)


def test_an_extractive_answer_adds_quotes_up_to_the_word_bound_and_never_past_it() -> None:
    for bound in (25, 40, 60):
        c = composer(quote_words=bound, max_quoted=10)
        c.finish(model_answered=False)
        assert c.extractive and len(c.sentences) >= 2
        assert shown_words(c) <= bound
        # what was left out would not have fitted
        assert all(shown_words(c) + len(text.split()) > bound for text in unshown_answers(c))


def test_quotes_say_what_the_question_asks_never_the_rest_of_the_page() -> None:
    c = composer(quote_words=500, max_quoted=10)  # room for the whole page
    c.finish(model_answered=False)
    assert len(c.sentences) >= 3 and unshown_answers(c) == []  # every answering sentence, nothing else
    assert all(c.checker.answers_focus(s.text, c.focus) for s in c.sentences)
    assert not any(s.text.startswith(OFF_FOCUS) for s in c.sentences)


def test_max_quoted_still_bounds_the_number_of_quotes() -> None:
    c = composer(quote_words=500, max_quoted=2)
    c.finish(model_answered=False)
    assert len(c.sentences) == 1 + 2  # the sentence that answers the question, then at most max_quoted quotes


def test_a_surviving_answer_that_stops_short_is_completed_up_to_fill_words() -> None:
    c = composer(fill_words=40, max_quoted=10)
    first = c.add("Gout is treated with medicines that lower the uric acid in the blood. ")
    text = first + c.finish()
    assert not c.extractive  # the model's answer stands; the quotes complete it
    assert c.sentences[0].text.startswith("Gout is treated with medicines")
    assert len(c.sentences) >= 2 and shown_words(c) <= 40
    assert all(c.checker.answers_focus(s.text, c.focus) for s in c.sentences[1:])
    assert all(shown_words(c) + len(t.split()) > 40 for t in unshown_answers(c))
    assert text.count("[1]") == len(c.sentences)  # every added quote is cited


def test_without_fill_words_a_surviving_answer_is_left_as_the_model_wrote_it() -> None:
    c = composer(fill_words=0, max_quoted=10)
    c.add("Gout is treated with medicines that lower the uric acid in the blood. ")
    c.finish()
    assert [s.text for s in c.sentences] == ["Gout is treated with medicines that lower the uric acid in the blood."]


def test_an_answer_already_as_long_as_fill_words_gets_nothing_added() -> None:
    c = composer(fill_words=10, max_quoted=10)
    c.add("Gout is treated with medicines that lower the uric acid in the blood. ")
    c.finish()
    assert len(c.sentences) == 1


def test_a_list_added_to_a_typed_question_shows_only_its_items_that_answer_it() -> None:
    text = (
        "Anti-inflammatory drugs treat the pain and swelling of an attack. Key Points: - Gout is a form of arthritis "
        "with sudden attacks of pain in the joints. - Attacks often start in the big toe and bring redness and "
        "swelling. - Gout is treated with medicines that lower the uric acid in the blood."
    )
    passage = RetrievedPassage(text, 1.0, "https://ex.org/gout", "Gout", "What is gout?", "0", 0)
    c = Composer(SupportChecker([passage], StemBagEmbedder()), question_focus(QUESTION, ["Gout"]), fill_words=150)
    c.add("Anti-inflammatory drugs treat the pain and swelling of an attack. ")
    c.finish()
    assert len(c.sentences) == 2
    assert (
        c.sentences[1].text
        == "Key Points:\n- Gout is treated with medicines that lower the uric acid in the blood.\n- …"
    )
