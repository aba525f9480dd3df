"""How long a composed answer is: quotes are added up to the word bound and never past it, only passage
sentences that say what the question asks are added, and a model's answer that survived but stops short
is completed the same way (`Composer` fill_words)."""

from __future__ import annotations

import pytest

from fakes import StemBagEmbedder
from medqa.assistant.compose import FILL_WORDS, QUOTE_WORDS, Composer, whether
from medqa.assistant.support import SupportChecker, question_focus
from medqa.retrieval.index import RetrievedPassage

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


# ----------------------------------------------------------------------------------------- what the sources do not say
BRONCHITIS = (
    "Bronchitis is an inflammation of the bronchial tubes that carry air to the lungs. "
    "Acute bronchitis is usually caused by the viruses that cause colds and flu. "
    "Chronic bronchitis is a long-term condition that keeps coming back. "
    "Cigarette smoking is the most common cause of chronic bronchitis."
)


def yes_no_composer(question: str, text: str = BRONCHITIS, title: str = "Bronchitis") -> Composer:
    passage = RetrievedPassage(text, 1.0, "https://ex.org/b", title, f"What is {title}?", "0", 0)
    return Composer(SupportChecker([passage], StemBagEmbedder()), question_focus(question, [title]))


def test_a_yes_no_question_no_source_answers_is_told_so_first_in_its_own_words() -> None:
    c = yes_no_composer("Does bronchitis turn into pneumonia?")
    text = c.start() + c.add("Acute bronchitis is usually caused by viruses. ") + c.finish()
    note = "The sources found do not say whether bronchitis turns into pneumonia. What they say:"
    assert text.startswith(note + "\n\n") and c.note == note
    assert c.sentences and all(s.citations for s in c.sentences)  # what the sources say still follows, cited
    assert all(note not in s.text for s in c.sentences)  # the note is no sentence of a source


def test_a_yes_no_question_a_source_answers_gets_no_note() -> None:
    c = yes_no_composer("Does smoking cause chronic bronchitis?")
    text = c.start() + c.finish()
    assert not c.note and text.startswith("“Cigarette smoking is the most common cause of chronic bronchitis")
    milroy = "Milroy disease is inherited in an autosomal dominant pattern. It causes swelling of the legs."
    hereditary = yes_no_composer("Is Milroy disease hereditary?", milroy, "Milroy disease")  # another word, same ask
    assert hereditary.checker.opening(hereditary.focus) == (hereditary.checker.sentences[0], True)
    assert not (hereditary.start() + hereditary.finish()).startswith("The sources found")


def test_a_yes_no_question_typed_without_its_question_mark_is_one() -> None:
    """ "does prednisone cause weight gain" opened on "Lack of thyroid hormone will ... cause weight gain": a
    sentence about something else, read as the answer. Typed without "?", it is still a yes/no question."""
    obesity = (
        "Lack of thyroid hormone will slow down your metabolism and cause weight gain. Cushing's syndrome also can "
        "develop if a person takes high doses of certain medicines, such as prednisone, for long periods."
    )
    c = yes_no_composer("does prednisone cause weight gain", obesity, "Overweight and Obesity")
    assert c.focus.yes_no
    copied = "Lack of thyroid hormone will slow down your metabolism and cause weight gain. "
    text = c.start() + c.add(copied) + c.finish()
    assert text.startswith("The sources found do not say whether prednisone causes weight gain. What they say:")
    assert not question_focus("Can you tell me the symptoms of asthma", ["Asthma"]).yes_no  # a request
    assert not question_focus("do u know what causes gout", ["Gout"]).yes_no


def test_a_number_the_question_asks_about_must_be_stated() -> None:
    shingles = "Shingles is a painful rash caused by the chickenpox virus. The virus can become active again."
    c = yes_no_composer("Can I get shingles twice?", shingles, "Shingles")
    assert (c.start() + c.finish()).startswith("The sources found do not say whether you can get shingles twice.")


@pytest.mark.parametrize(
    ("question", "topic", "clause"),
    [
        ("Does bronchitis turn into pneumonia?", "Bronchitis", "bronchitis turns into pneumonia"),
        ("Is the flu contagious?", "Flu", "the flu is contagious"),
        ("Can I get shingles twice?", "Shingles", "you can get shingles twice"),
        ("Is Milroy disease inherited?", "Milroy disease", "Milroy disease is inherited"),
        ("Can sinus infections cause neck pain?", "Sinusitis", "sinus infections can cause neck pain"),
        ("Do kidney stones cause back pain?", "Kidney Stones", "kidney stones cause back pain"),
        (
            "Do migraines always come with headaches because I dont have a headache right now",
            "Headache",
            "migraines always come with headaches",
        ),
        ("Does asthma ever go away?", "Asthma", "asthma ever goes away"),
        ("Can type 2 diabetes be prevented?", "Type 2 Diabetes", "type 2 diabetes can be prevented"),
        ("Is hepatitis B contagious?", "Hepatitis B", "hepatitis B is contagious"),
        ("Do antibiotics cure bronchitis?", "Bronchitis", "antibiotics cure bronchitis"),  # ends at its verb
        ("Do antibiotics shorten bronchitis?", "Bronchitis", None),  # an unknown verb, a subject not the topic
    ],
)
def test_a_yes_no_question_reads_as_a_whether_clause(question: str, topic: str, clause: str | None) -> None:
    assert whether(question, question_focus(question, [topic]).topic_terms) == clause


def test_without_a_whether_clause_the_note_quotes_the_question() -> None:
    c = yes_no_composer("Do antibiotics shorten bronchitis?")
    assert (c.start() + c.finish()).startswith(
        "The sources found do not answer “Do antibiotics shorten bronchitis?” with a yes or a no."
    )


# ----------------------------------------------------------------------------------------- quotes that stand alone
LEANING = (
    "Gout is a form of arthritis that causes sudden attacks of pain in the joints. "
    "Attacks often start at night, in the big toe. "
    "In these cases, medicines that treat an attack work best when taken within a day. "
    "Colchicine is another medicine that can treat an attack when it is taken early."
)
LEAN = "In these cases, medicines that treat an attack work best when taken within a day."


def test_a_quote_that_goes_on_from_a_sentence_not_shown_comes_right_after_it() -> None:
    passage = RetrievedPassage(LEANING, 1.0, "https://ex.org/gout", "Gout", "What is gout?", "0", 0)
    c = Composer(SupportChecker([passage], StemBagEmbedder()), question_focus(QUESTION, ["Gout"]), quote_words=500)
    c.add("Colchicine is another medicine that can treat an attack when it is taken early. ")
    c.finish()
    texts = [s.text for s in c.sentences]
    assert LEAN in texts  # it answers the question, and is shown right after what "these cases" are
    assert texts[texts.index(LEAN) - 1] == "Attacks often start at night, in the big toe."


def test_a_quote_that_goes_on_from_a_sentence_that_cannot_be_shown_is_not_shown() -> None:
    """The sentence "In these cases, ..." goes on from is page furniture (a video instruction): it is not shown."""
    text = LEANING.replace("Attacks often start", "Watch this video: attacks often start")
    passage = RetrievedPassage(text, 1.0, "https://ex.org/gout", "Gout", "What is gout?", "0", 0)
    c = Composer(SupportChecker([passage], StemBagEmbedder()), question_focus(QUESTION, ["Gout"]), quote_words=500)
    c.add(f"{LEAN} ")  # the model copies it word for word
    c.finish()
    assert LEAN not in [s.text for s in c.sentences] and c.sentences
    assert any(r.reason.startswith("goes on from a passage sentence") for r in c.removed)


def test_a_list_of_points_without_an_intro_is_quoted_point_by_point() -> None:
    """ "What I need to know about Hepatitis A" pages: "- Hepatitis A is a virus ... - A blood test will show ...",
    a list that does not say what it lists (not quotable as a list), but each point is a sentence."""
    text = (
        "- Hepatitis A is a virus, or infection, that causes inflammation of the liver. - Anyone can get hepatitis A, "
        "but some people are more likely to than others. - A blood test will show if you have hepatitis A."
    )
    page = RetrievedPassage(text, 1.0, "https://ex.org/hepa", "Hepatitis A", "What is hepatitis A?", "0", 0)
    checker = SupportChecker([page], StemBagEmbedder())
    assert [(s.text, s.quotable) for s in checker.sentences][0] == (
        "Hepatitis A is a virus, or infection, that causes inflammation of the liver.",
        True,
    )
    assert [s.position for s in checker.sentences] == [0, 1, 2] and not any(s.items for s in checker.sentences)
    c = Composer(checker, question_focus("How do you find out you have hepatitis A?", ["Hepatitis A"]))
    c.finish(model_answered=False)
    assert "A blood test will show if you have hepatitis A." in [s.text for s in c.sentences]


def test_a_question_types_own_words_state_what_it_asks() -> None:
    """ "Can cataracts be treated with surgery?" is answered by a sentence on surgery that removes the cataract,
    without the word "treat"; "Can gout be cured?" is not answered by "You can treat gout with medicines"."""
    cataract = "A cataract is a clouding of the lens. Surgery to remove the cataract is safe and works well."
    c = yes_no_composer("Can cataracts be treated with surgery?", cataract, "Cataract")
    assert not (c.start() + c.finish()).startswith("The sources found")
    gout = "Gout is a form of arthritis. You can treat gout with medicines that lower uric acid."
    assert (
        yes_no_composer("Can gout be cured?", gout, "Gout")
        .finish()
        .startswith("The sources found do not say whether gout can be cured.")
    )


def test_a_heading_glued_in_as_a_sentence_is_not_quoted() -> None:
    text = "Cystic fibrosis is an inherited disease. Example of an Inheritance Pattern for Cystic Fibrosis"
    sentences = SupportChecker([RetrievedPassage(text, 1.0, "u", "CF", "", "0", 0)], StemBagEmbedder()).sentences
    assert [(s.text, s.quotable) for s in sentences] == [
        ("Cystic fibrosis is an inherited disease.", True),
        ("Example of an Inheritance Pattern for Cystic Fibrosis", False),
    ]


def test_a_first_sentence_that_adds_to_something_is_shown_second() -> None:
    """ "People with type 1 diabetes are also at increased risk of heart attacks" opened a comparison answer: a
    sentence that adds to what was said comes after the next one, and what streamed is still the final answer."""
    text = (
        "People with type 1 diabetes are also at increased risk of heart attacks and strokes. "
        "Type 1 diabetes is a disorder characterized by abnormally high blood sugar levels."
    )
    also, definition = (s + "." for s in text.rstrip(".").split(". "))
    c = yes_no_composer("What is type 1 diabetes?", text, "Type 1 diabetes")
    streamed = c.start() + c.add(also + " ") + c.add(definition + " ") + c.finish()
    assert [s.text for s in c.sentences][:2] == [definition, also]
    assert streamed.startswith("“Type 1 diabetes is a disorder")
    alone = yes_no_composer("What is type 1 diabetes?", text, "Type 1 diabetes")
    alone.start() + alone.add(also + " ") + alone.finish()  # nothing came after it: it is still shown
    assert also in [s.text for s in alone.sentences]


def test_a_sentence_going_on_from_before_its_passage_is_not_shown() -> None:
    """The passage began mid-page with "This is unfortunate, because ..."; the model copied it as its opener."""
    text = (
        "This is unfortunate, because panic disorder is one of the most treatable anxiety disorders. "
        "Cognitive behavioral therapy is very useful in treating anxiety disorders."
    )
    c = yes_no_composer("What helps with anxiety?", text, "Anxiety Disorders")
    first, second = (s + "." for s in text.rstrip(".").split(". "))
    c.start() + c.add(first + " ") + c.add(second + " ") + c.finish()
    assert first not in [s.text for s in c.sentences] and second in [s.text for s in c.sentences]
    assert any(r.text == first and "goes on" in r.reason for r in c.removed)
