"""Comparison questions (issue 13): both sides are read out of the question, each is retrieved and judged on
its own, and the answer has a page of each side. The real Assistant over the five-row one-hot index."""

from __future__ import annotations

import dataclasses

import pytest

from fakes import StubTriage
from medqa.assistant.answer import Assistant, AssistantConfig
from medqa.assistant.compare import SIDE_NAMED_COSINE, Comparison, comparison, merge, retrieve_compared, side_pages
from medqa.assistant.followup import resolve_question
from medqa.retrieval.index import Index, RetrievedPassage


@pytest.mark.parametrize(
    ("question", "sides", "aspect"),
    [
        ("what is the difference between fissure vs hemorrhoids?", ("fissure", "hemorrhoids"), ""),
        ("What's the difference between an anal fissure and hemorrhoids?", ("anal fissure", "hemorrhoids"), ""),
        ("Is a cold the same as the flu?", ("cold", "flu"), ""),
        ("crohn's disease vs. ulcerative colitis", ("crohn's disease", "ulcerative colitis"), ""),
        ("Alzheimer's disease versus dementia: what is the difference?", ("Alzheimer's disease", "dementia"), ""),
        ("Compare shingles and chickenpox", ("shingles", "chickenpox"), ""),
        ("How is bronchitis different from pneumonia?", ("bronchitis", "pneumonia"), ""),
        ("how does gout differ from arthritis", ("gout", "arthritis"), ""),
        ("Do I have asthma or COPD?", ("asthma", "COPD"), ""),
        ("which is worse, flu or covid?", ("flu", "covid"), ""),
        ("Are colds and flu the same thing?", ("colds", "flu"), ""),
        ("How are the symptoms of the flu different from a common cold?", ("flu", "common cold"), "symptoms"),
        ("treatment of hypothyroidism vs hyperthyroidism", ("hypothyroidism", "hyperthyroidism"), "treatment"),
        ("What is the difference between hepatitis A and B?", ("hepatitis A", "hepatitis B"), ""),
        ("difference between type 1 and type 2 diabetes", ("type 1 diabetes", "type 2 diabetes"), ""),
    ],
)
def test_the_two_sides_are_read_out_of_a_comparison(question: str, sides: tuple[str, str], aspect: str) -> None:
    assert comparison(question) == Comparison(sides, aspect)


@pytest.mark.parametrize(
    "question",
    [
        "What is (are) Hemorrhoids ?",
        "How is glaucoma treated?",
        "Can I eat eggs or milk with gout?",  # an "or" that asks no choice
        "What are the symptoms of flu or cold?",
        "Is it the same as that?",  # no side to retrieve
        "Is Milroy disease inherited?",
    ],
)
def test_other_questions_are_no_comparison(question: str) -> None:
    assert comparison(question) is None


def test_each_side_gets_a_page_even_when_the_question_retrieves_one(index: Index) -> None:
    """k = 1 retrieves one page for the whole question; a comparison keeps a page of each side (k + 1)."""
    assistant = Assistant(index, StubTriage(), None, AssistantConfig(k=1, min_relevance=0.5))
    assert len(index.retrieve("What is the difference between asthma and migraine?", 1)) == 1
    answer = assistant.answer("What is the difference between asthma and migraine?")
    assert {p.url for p in answer.passages} == {"https://ex.org/asthma", "https://ex.org/migraine"}
    assert {c.url for c in answer.citations} == {"https://ex.org/asthma", "https://ex.org/migraine"}
    plain = assistant.answer("What is asthma and how does an inhaler help?")  # no comparison: k pages
    assert [p.url for p in plain.passages] == ["https://ex.org/asthma"]


def test_a_comparing_follow_up_is_answered_about_both_topics(index: Index) -> None:
    assistant = Assistant(index, StubTriage(), None, AssistantConfig(k=1, min_relevance=0.5))
    history = [{"role": "user", "content": "What is glaucoma?"}, {"role": "assistant", "content": "..."}]
    answer = assistant.answer("Is it the same as a migraine?", history)
    assert {p.url for p in answer.passages} == {"https://ex.org/glaucoma", "https://ex.org/migraine"}


def passage(n: int, title: str, text: str, cosine: float) -> RetrievedPassage:
    return RetrievedPassage(text, 1.0 / n, f"https://ex.org/{n}", title, f"What is {title}?", str(n), n, cosine)


def test_each_side_is_judged_against_that_side() -> None:
    """The fissure page is far from the whole question (cosine 0.3) but close to "fissure": it answers."""
    hemorrhoids = passage(1, "Hemorrhoids", "Hemorrhoids are swollen veins.", 0.7)
    fissure = passage(2, "Anal Fissure", "A fissure is a small tear.", 0.3)
    fissure_for_side = passage(2, "Anal Fissure", "A fissure is a small tear.", 0.8)
    results = {"fissure vs hemorrhoids?": [hemorrhoids, fissure], "fissure": [fissure_for_side], "hemorrhoids": []}
    compared = comparison("fissure vs hemorrhoids?")
    assert compared is not None
    _, merged = retrieve_compared(
        "fissure vs hemorrhoids?", compared, lambda q, k: list(results[q]), k=3, min_cosine=0.55, min_named_cosine=0.5
    )
    assert [p.title for p in merged] == ["Anal Fissure", "Hemorrhoids"]  # side A first, then side B


def test_a_passage_that_compares_both_sides_comes_first() -> None:
    fissure = passage(1, "Anal Fissure", "A fissure is a small tear.", 0.8)
    piles = passage(2, "Hemorrhoids", "Hemorrhoids are swollen veins.", 0.8)
    both = passage(3, "Rectal Problems", "Unlike hemorrhoids, an anal fissure is a tear in the lining.", 0.8)
    extra = passage(4, "Anal Fissure", "It heals in weeks.", 0.8)
    compared = Comparison(("anal fissure", "hemorrhoids"))
    merged = merge(compared, [fissure, extra, both], [[fissure], [piles]], k=3)
    assert [p.passage_id for p in merged] == [3, 1, 2]  # the comparing passage, then one page per side
    assert [p.passage_id for p in merge(compared, [fissure, extra, both], [[fissure], [piles]], k=1)] == [1, 2]


@pytest.mark.parametrize(
    ("message", "turns", "resolved"),
    [
        ("Is it the same as hemorrhoids?", ["What is an anal fissure?"], "Is anal fissure the same as hemorrhoids?"),
        ("vs hemorrhoids?", ["What is an anal fissure?"], "anal fissure vs hemorrhoids?"),
        (
            "What is the difference between them?",
            ["What is an anal fissure?", "What are hemorrhoids?"],
            "What is the difference between anal fissure and hemorrhoids?",
        ),
        (
            "Which is worse?",
            ["What is an anal fissure?", "What are hemorrhoids?"],
            "anal fissure vs hemorrhoids: Which is worse?",
        ),
        ("How is it treated?", ["What is an anal fissure?", "What are hemorrhoids?"], "How is hemorrhoids treated?"),
    ],
)
def test_a_comparing_follow_up_becomes_a_comparison(message: str, turns: list[str], resolved: str) -> None:
    assert resolve_question(message, turns) == resolved
    if "treated" not in message:
        assert comparison(resolved) is not None


def test_an_answer_about_one_side_is_completed_with_the_other_sides_page(index: Index) -> None:
    """The model writes about asthma only; the answer still quotes and cites the migraine page."""
    from fakes import ScriptedGenerator

    question = "What is the difference between asthma and migraine?"
    config = AssistantConfig(k=1, min_relevance=0.5, fill_words=0)  # no filling: only the side rule can add
    model = ScriptedGenerator(["Asthma narrows the airways. ", "An inhaler opens them."])
    answer = Assistant(index, StubTriage(), model, config).answer(question)
    by_url = {c.url: c.number for c in answer.citations}
    assert set(by_url) == {"https://ex.org/asthma", "https://ex.org/migraine"}
    quoted = [s for s in answer.sentences if by_url["https://ex.org/migraine"] in s.citations]
    assert [s.source for s in quoted] == ["quoted"] and "recurring headache" in quoted[0].text
    one_sided = Assistant(index, StubTriage(), model, config).answer("What is asthma and how does an inhaler help?")
    assert {c.url for c in one_sided.citations} == {"https://ex.org/asthma"}  # not a comparison: nothing added


def test_a_side_named_by_a_letter_gets_the_page_with_that_letter() -> None:
    """ "hepatitis A vs B": both pages are about hepatitis, but the Hepatitis B page is not a page of side A."""
    hep_b = passage(1, "What I need to know about Hepatitis B", "Hepatitis B is spread through blood.", 0.7)
    general = passage(2, "Hepatitis", "Hepatitis is an inflammation of the liver.", 0.65)
    hep_a = passage(3, "What I need to know about Hepatitis A", "Hepatitis A is spread through food.", 0.65)
    question = "What is the difference between hepatitis A and hepatitis B?"
    results = {question: [hep_b, general], "hepatitis A": [hep_b, general, hep_a], "hepatitis B": [hep_b]}
    compared = comparison(question)
    assert compared is not None
    _, merged = retrieve_compared(question, compared, lambda q, k: list(results[q]), 3, 0.55, 0.5)
    assert [p.title for p in merged][:2] == [hep_a.title, hep_b.title]  # side A's own page, then side B's
    assert side_pages(compared, merged) == ([1], [2])  # the general Hepatitis page is neither side's


def test_a_page_the_bare_side_name_names_answers_at_a_lower_cosine() -> None:
    """ "cold" sits far from the Common Cold page (0.45 with MiniLM); "Cold urticaria" is not named by it."""
    flu = passage(1, "Flu", "Flu is an infection of the nose, throat and lungs.", 0.7)
    urticaria = passage(2, "Cold urticaria", "Cold urticaria is a skin reaction to cold.", 0.43)
    common_cold = passage(3, "Common Cold", "A cold is a viral infection of the nose and throat.", 0.45)
    question = "Is a cold the same as the flu?"
    results = {question: [flu], "cold": [urticaria, common_cold], "flu": [flu]}
    compared = comparison(question)
    assert compared is not None
    _, merged = retrieve_compared(question, compared, lambda q, k: list(results[q]), 3, 0.55, 0.52)
    assert {p.title for p in merged} == {"Flu", "Common Cold"}
    too_far = dataclasses.replace(common_cold, dense_score=SIDE_NAMED_COSINE - 0.01)
    results["cold"] = [urticaria, too_far]
    _, merged = retrieve_compared(question, compared, lambda q, k: list(results[q]), 3, 0.55, 0.52)
    assert {p.title for p in merged} == {"Flu"}
