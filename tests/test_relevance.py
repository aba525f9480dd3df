"""Which retrieved passages may answer (issue 13): a lay question that names a page answers from it even
with a lowish cosine; a page about another condition of the same root never answers. The real Assistant
over a tiny index whose embedder, like the retrieval stemmer, reads "esophagitis" and "esophageal" alike."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fakes import ScriptedGenerator, StubTriage
from medqa.assistant.answer import ABSTAIN_TEXT, Assistant, AssistantConfig
from medqa.assistant.relevance import _keys, page_match, relevant
from medqa.errors import MedqaError
from medqa.retrieval.corpus import passages_from_rows
from medqa.retrieval.index import Index, RetrievedPassage, bm25_tokens

# The embedder's dimensions: Snowball stems, so "esophagitis" and "esophageal" share one ("esophag").
STEMS = ["esophag", "cancer", "swallow", "throat", "tube", "cold", "contagi", "nose", "virus", "sneez", "cough",
         "reflux", "acid", "ibuprofen", "lisinopril"]  # fmt: skip

ROWS = [
    {
        "question": "What is (are) Esophageal Cancer ?",
        "answer": "Esophageal cancer can make it hard to swallow. The esophagus is the tube from the throat "
        "to the stomach.",
        "url": "https://ex.org/esophageal-cancer",
        "focus": "Esophageal Cancer",
    },
    {
        "question": "What is (are) Common Cold ?",
        "answer": "A cold is contagious. Sneezing, a sore throat, a cough and a stuffy nose are its signs. "
        "A virus causes the common cold.",
        "url": "https://ex.org/common-cold",
        "focus": "Common Cold",
    },
    {
        "question": "What is (are) GERD ?",
        "answer": "Acid reflux that happens often is GERD. Over time the acid can cause esophagitis, an "
        "irritation of the esophagus.",
        "url": "https://ex.org/gerd",
        "focus": "GERD",
    },
]


class StemEmbedder:
    """A bag of `STEMS`, one dimension each (plus one for 'none of them'), L2-normalised."""

    name = "fake-stems"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(STEMS) + 1), dtype=np.float32)
        for row, text in enumerate(texts):
            stems = set(bm25_tokens(text))
            for j, stem in enumerate(STEMS):
                out[row, j] = float(any(s.startswith(stem) for s in stems))
            out[row, -1] = float(not out[row].any())
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def pages() -> Index:
    return Index.build(passages_from_rows(ROWS), embedder=StemEmbedder())


def assistant(index: Index, generator: ScriptedGenerator | None = None) -> Assistant:
    return Assistant(index, StubTriage(), generator, AssistantConfig(k=2))


def cosine(index: Index, question: str, title: str) -> float:
    """The question's cosine to the best passage of the page `title`."""
    return max(p.dense_score for p in index.retrieve(question, 3) if p.title == title)


def test_a_page_about_another_condition_of_the_same_root_does_not_answer(pages: Index) -> None:
    question = "Could esophagitis feel like stiffness in my neck when I swallow?"
    # The cosine alone would answer from the cancer page: the embedder reads "esophag-" in both.
    assert cosine(pages, question, "Esophageal Cancer") >= AssistantConfig().min_relevance
    generator = ScriptedGenerator(["Esophageal cancer can make it hard to swallow [1]."])
    answer = assistant(pages, generator).answer(question)
    assert answer.abstained and answer.answer == ABSTAIN_TEXT and answer.citations == []
    assert generator.prompts == []  # the model never saw the cancer page


def test_a_lay_question_that_names_the_page_answers_below_the_plain_threshold(pages: Index) -> None:
    question = "Am I contagious with a cold?"
    similarity = cosine(pages, question, "Common Cold")
    assert AssistantConfig().min_named_relevance <= similarity < AssistantConfig().min_relevance
    answer = assistant(pages).answer(question)  # no model: the answer quotes the page
    assert not answer.abstained
    assert {c.title for c in answer.citations} == {"Common Cold"}


def test_a_page_that_names_the_asked_condition_may_answer(pages: Index) -> None:
    """The GERD page says what esophagitis is: it may answer; the cancer page, silent on it, may not."""
    answer = assistant(pages).answer("Does acid reflux cause esophagitis?")
    assert not answer.abstained
    assert [p.title for p in answer.passages] == ["GERD"]


def test_a_question_the_corpus_does_not_cover_still_abstains(pages: Index) -> None:
    answer = assistant(pages, ScriptedGenerator(["made up"])).answer("Can I take ibuprofen with lisinopril?")
    assert answer.abstained and answer.citations == []


def test_without_the_page_named_the_plain_threshold_applies(pages: Index) -> None:
    """A throat word alone, no page named: the same lowish cosine is not enough."""
    question = "My throat hurts, is that contagious?"
    assert cosine(pages, question, "Common Cold") < AssistantConfig().min_relevance
    assert assistant(pages).answer(question).abstained


@pytest.mark.parametrize(
    ("question", "title", "match"),
    [
        ("Could esophagitis be the reason it hurts to swallow?", "Esophageal Cancer", "other"),
        ("Can you get cancer of the esophagus from drinking?", "Esophageal Cancer", "named"),
        ("my knee swelled up, the doctor said pseudogout", "Gout", "other"),
        ("what is the treatment for gastritis?", "Gastric cancer", "other"),
        ("can endometritis stop me getting pregnant?", "Endometriosis", "other"),
        ("my sugar is high, am I diabetic?", "Diabetes", "named"),
        ("can diabetis type 2 be cured", "Diabetes Type 2", "named"),
        ("my thyroid is underactive, why am I tired?", "Hypothyroidism", "named"),
        ("is my hyperthyroidism making me lose weight?", "Hypothyroidism", "other"),
        ("how long am I contagious with a cold?", "Common Cold", "named"),
        ("I get up at night to pee, is it an enlarged prostate?", "Enlarged Prostate (BPH)", "named"),
        ("the oesophagus burns after meals", "Esophagus Disorders", "named"),
        ("I keep coughing up tonsil stones", "Kidney Stones", "other"),
        ("I keep coughing up tonsil stones", "Tonsils and Adenoids", "other"),
        ("does a lung nodule mean I have cancer?", "Lung Cancer", "other"),
        ("I passed a kidney stone last year", "Kidney Stones", "named"),
        ("is it a sinus infection?", "Sinusitis", "named"),
        ("my blood pressure was 150 over 95", "High Blood Pressure", "named"),
        ("my cat has a tapeworm, can I get it?", "Parasites - Taeniasis", "unrelated"),
        ("is astma something you grow out of", "Asthma", "named"),
    ],
)
def test_page_match(question: str, title: str, match: str) -> None:
    assert page_match(_keys(question), title) == match


def test_the_named_threshold_is_a_cosine() -> None:
    with pytest.raises(MedqaError, match=re.escape("min_named_relevance")):
        AssistantConfig(min_named_relevance=1.5)


def _retrieved(title: str, text: str) -> RetrievedPassage:
    return RetrievedPassage(
        text=text, score=1.0, url="https://ex.org/p", title=title, question=f"What is {title}?", row_id="0",
        passage_id=0, dense_score=0.9,
    )  # fmt: skip


def test_a_condition_named_by_a_phrase_must_be_mentioned_by_the_page() -> None:
    """ "hand foot and mouth disease": a page on a malformation of hands and feet never says "mouth" and does not
    answer; a describing word before "disease" ("an autoimmune disease") names nothing and filters nothing."""
    split_hand = _retrieved(
        "Split hand foot malformation", "People with this condition are born with split hands and feet."
    )
    lyme = _retrieved("Lyme Disease", "Lyme disease is caused by a bacterium spread by ticks.")
    psoriasis = _retrieved("Psoriasis", "Psoriasis is a skin disease that causes red, scaly patches.")
    assert relevant("what are the symptoms of hand foot and mouth disease in kids", [split_hand], 0.3, 0.2) == []
    assert relevant("what is lyme disease?", [lyme], 0.3, 0.2) == [lyme]
    assert relevant("is psoriasis an autoimmune disease?", [psoriasis], 0.3, 0.2) == [psoriasis]
