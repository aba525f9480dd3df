"""The evaluation's faithfulness metric on hand-made answers and passages, and question types."""

import pytest

from medqa.evaluate.faithfulness import (
    Source,
    cited_sentences,
    faithfulness_metrics,
    is_yes_no,
    judge_answer,
    judge_sentence,
    polarity,
    predicate_words,
    reference_metrics,
)
from medqa.evaluate.qtypes import by_type, infer_qtype, question_type

MILROY = Source(
    "Milroy disease is a condition that affects the normal function of the lymphatic system. This condition is "
    "inherited in an autosomal dominant pattern, which means one copy of the altered gene in each cell is "
    "sufficient to cause the disorder. About 1 in 10,000 people are affected. There is no cure for Milroy disease.",
    "Milroy disease",
)
SUNSCREEN = Source("Use a sunscreen with an SPF of 15 or higher. Reapply it every two hours.", "Sun protection")


@pytest.mark.parametrize(
    ("sentence", "supported", "reason"),
    [
        ("Milroy disease is inherited in an autosomal dominant manner.", True, "supported"),  # close paraphrase
        ("One copy of the altered gene is enough to cause it.", True, "supported"),
        ("There is no cure.", True, "supported"),
        ("Milroy disease is not inherited.", False, "negation"),  # an added negation
        ("There is a cure for Milroy disease.", False, "negation"),  # a dropped negation
        ("About 1 in 5,000 people are affected.", False, "number 5000"),  # a changed number
        ("Milroy disease is caused by mutations in the FOAM gene.", False, "name 'foam'"),  # an invented name
        ("Some people may not have any noticeable symptoms at all.", False, "few shared words"),  # invented
    ],
)
def test_sentences_against_a_hand_made_passage(sentence: str, supported: bool, reason: str) -> None:
    verdict = judge_sentence(sentence, [MILROY])
    assert verdict[0] is supported
    assert reason in verdict[1]


def test_a_changed_number_in_a_recommendation_is_caught() -> None:
    assert judge_sentence("Use a sunscreen with an SPF of 15 or higher.", [SUNSCREEN])[0]
    assert not judge_sentence("Use a sunscreen with an SPF of 30 or higher.", [SUNSCREEN])[0]
    assert not judge_sentence("Use a sunscreen with an SPF of 15 or higher.", [])[0]  # cites nothing


def test_markers_belong_to_the_sentence_they_follow() -> None:
    answer = "Gout is arthritis. [1] It hurts [2][3].\n- It affects the big toe [1]\n(Quoted from the sources.)"
    assert cited_sentences(answer) == [
        ("Gout is arthritis.", (1,)),
        ("It hurts.", (2, 3)),
        ("It affects the big toe", (1,)),
        ("(Quoted from the sources.)", ()),
    ]


def test_an_answer_counts_sentences_without_markers_as_unsupported_and_skips_notes() -> None:
    answer = (
        "Milroy disease affects the lymphatic system [1]. It is inherited in an autosomal dominant pattern. "
        "(Quoted from the trusted sources.)"
    )
    judged = judge_answer("What is Milroy disease?", answer, {1: MILROY, 2: SUNSCREEN}, "Milroy disease")
    assert [v.supported for v in judged.sentences] == [True, False]
    assert judged.sentences[1].reason == "no citation"
    assert judged.any_source == [True, True]  # the content is in a passage it was given; the marker is missing
    assert not judged.yes_no and not judged.contradiction
    # "1." is a list number, not a sentence; "This" after a colon is grammar, not a name
    listed = judge_answer("What is Milroy disease?", "1. Lymphatic system: This is what it affects [1].", {1: MILROY})
    assert [(v.sentence, v.supported) for v in listed.sentences] == [
        ("Lymphatic system: This is what it affects.", True)
    ]
    abstained = judge_answer("What is X?", "I don't have a trusted source.", {}, abstained=True)
    assert abstained.sentences == []


def test_a_bare_no_against_a_passage_that_says_inherited_is_a_contradiction() -> None:
    answer = "No. Milroy disease is inherited in an autosomal dominant manner [1]."
    judged = judge_answer("Is Milroy disease inherited?", answer, {1: MILROY}, "Milroy disease")
    assert judged.yes_no and judged.answer_polarity == "no" and judged.source_polarity == "yes"
    assert judged.contradiction
    assert [v.supported for v in judged.sentences] == [False, True]  # "No." cites nothing that says no
    agreeing = judge_answer("Is Milroy disease inherited?", "Yes [1]. It is inherited [1].", {1: MILROY})
    assert agreeing.answer_polarity == agreeing.source_polarity == "yes" and not agreeing.contradiction
    assert [v.supported for v in agreeing.sentences] == [True, True]


def test_polarity_of_yes_no_questions() -> None:
    assert is_yes_no("Is Milroy disease inherited ?") and is_yes_no("Can glaucoma be cured?")
    assert not is_yes_no("Do you have information about asthma?") and not is_yes_no("What causes gout?")
    inherit = predicate_words("Is Milroy disease inherited ?", "Milroy disease")
    assert inherit == {"inherit"} and predicate_words("Can glaucoma be cured?") == {"cure"}
    assert (
        polarity("How is it inherited? This condition is inherited in an autosomal dominant pattern.", inherit) == "yes"
    )
    assert polarity("Ollier disease is not inherited. It arises from somatic mutations.", inherit) == "no"
    assert polarity("The condition does not have a clear pattern of inheritance.", inherit) == "no"
    assert polarity("No, it is not.", inherit) == "no"
    assert polarity("It affects the lymphatic system.", inherit) is None  # does not say
    cure = predicate_words("Can glaucoma be cured?")
    assert polarity("There is no cure for glaucoma, but treatment can slow it.", cure) == "no"


def test_metrics_are_bootstrappable_counts() -> None:
    judged = [
        judge_answer("Is Milroy disease inherited?", "No. It is inherited [1].", {1: MILROY}, "Milroy disease"),
        judge_answer("What is Milroy disease?", "It affects the lymphatic system [1].", {1: MILROY}),
    ]
    values = {m.name: m.value() for m in faithfulness_metrics(judged)}
    assert values["faithfulness"] == pytest.approx(2 / 3)  # "No." unsupported, both others supported
    assert values["cited_sentences"] == pytest.approx(2 / 3)
    assert values["contradicts_sources"] == 1.0  # one yes/no question, contradicted
    closed = reference_metrics(
        ["Is Milroy disease inherited?", "What is Milroy disease?"],
        ["No, Milroy disease is not inherited. It is caused by the FOAM gene.", MILROY.text],
        [MILROY.text, MILROY.text],
        ["Milroy disease", "Milroy disease"],
    )
    by_name = {m.name: m for m in closed}
    assert by_name["contradicts_reference"].value() == 1.0
    assert by_name["reference_support"].stats[1].tolist() == [4.0, 4.0]  # the reference supports itself
    assert by_name["reference_support"].stats[0].tolist() == [0.0, 2.0]


def test_question_types_from_the_column_or_the_wording() -> None:
    assert question_type("Treatment", "anything") == "treatment"
    assert infer_qtype("What is (are) Hereditary hemochromatosis ?") == "information"
    assert infer_qtype("Is Apert syndrome inherited ?") == "inheritance"
    assert infer_qtype("How to diagnose Gout ?") == "exams and tests"
    assert infer_qtype("What are the symptoms of glaucoma?") == "symptoms"
    assert infer_qtype("How is gout treated?") == "treatment"
    assert infer_qtype("Tell me a joke") == "other"
    assert by_type(["a", "b", "a"], [1.0, 0.0, 0.5]) == {"a": (2, 0.75), "b": (1, 0.0)}


EAR = Source(
    'If your child isn\'t old enough to say "My ear hurts," here are a few things to look for - Tugging at ears '
    "- Crying more than usual - Fluid draining from the ear - Trouble sleeping Your health care provider will "
    "diagnose an ear infection by looking inside the ear with an instrument called an otoscope.",
    "Ear Infections",
)


def test_a_quoted_list_is_judged_item_by_item_with_the_markers_after_its_last_item() -> None:
    # As the assistant shows a quoted list: the lead-in, one item a line, the marker once at the end.
    answer = (
        "A provider diagnoses an ear infection by looking inside the ear [1].\n\n"
        "“Here are a few things to look for:\n- Tugging at ears\n"
        "- Crying more than usual\n- Fluid draining from the ear” [1].\n\nLook for fluid draining from the ear [1]."
    )
    units = cited_sentences(answer)
    assert units[1:4] == [
        ("“Here are a few things to look for: - Tugging at ears", (1,)),
        ("“Here are a few things to look for: - Crying more than usual", (1,)),
        ("“Here are a few things to look for: - Fluid draining from the ear”.", (1,)),
    ]
    judged = judge_answer("What are the signs of an ear infection?", answer, {1: EAR}, "Ear Infections")
    assert [v.supported for v in judged.sentences] == [True, True, True, True, True]
    # an item the passage does not list is caught, however long the list
    invented = answer.replace("Crying more than usual", "A rash on the chest")
    judged = judge_answer("What are the signs?", invented, {1: EAR}, "Ear Infections")
    assert [v.supported for v in judged.sentences] == [True, True, False, True, True]


def test_the_assistants_notes_are_not_scored_as_claims_of_a_source() -> None:
    """ "The sources found do not say whether ..." is about the answer: not an unsupported sentence, not a "no"."""
    from medqa.evaluate.grounded import _without_notes

    note = "The sources found do not say whether bronchitis turns into pneumonia. What they say:"
    answer = f"{note}\n\nAcute bronchitis is caused by viruses. [1]"
    assert _without_notes(answer, note) == "Acute bronchitis is caused by viruses. [1]"
    assert _without_notes("No notes here. [1]", "") == "No notes here. [1]"
