"""The support check against facts paraphrased into different facts (issue 13; bench/support_claims.py measures
it on 417 claims written independently of its rules): each kind of change it missed at first, on a hand-made
passage, rejected; the faithful paraphrase beside it kept.

The embedder is a fake: a bag of content stems, hashed, so that cosine similarity follows shared words."""

from __future__ import annotations

import pytest

from fakes import StemBagEmbedder
from medqa.assistant.support import SupportChecker, split_passage
from medqa.retrieval.index import RetrievedPassage


def supported(passage: str, sentence: str, title: str = "Examplitis") -> bool:
    """Whether the check, as the assistant runs it, finds `sentence` said by `passage` (a page on `title`)."""
    retrieved = RetrievedPassage(
        text=passage, score=1.0, url="https://ex.org/page", title=title, question=f"What is {title}?", row_id="0",
        passage_id=0,
    )  # fmt: skip
    return SupportChecker([retrieved], StemBagEmbedder()).check(sentence).supported


GLUTEN = (
    "Some people show no improvement on the diet. The usual reason is that they still eat small amounts of "
    "gluten, which can harm the small intestine even in people without symptoms."
)
FEEDING = (
    "Most mothers with health problems can nurse their babies. Rarely, mothers are told not to nurse because "
    "they have certain infections."
)


@pytest.mark.parametrize(
    ("passage", "faithful", "changed"),
    [
        # a "not" added where the passage's clause says "without" already
        (
            GLUTEN,
            "The usual reason is that people still eat small amounts of gluten.",
            "Small amounts of gluten do not harm the small intestine in people without symptoms.",
        ),
        # a "not" that contradicts the sentence it rests on, though another sentence says "not" with its words
        (
            FEEDING,
            "Most mothers with health problems can nurse their babies.",
            "Most mothers with health problems cannot nurse.",
        ),
        # a negation in brackets is an aside, not the sentence's polarity
        (
            "Variant prion disease and the classic forms of prion disease (those without the word variant) are "
            "separate diseases.",
            "Variant prion disease and the classic forms of prion disease are separate diseases.",
            "Variant prion disease and the classic forms of prion disease are the same disease.",
        ),
    ],
)
def test_polarity_is_read_clause_by_clause(passage: str, faithful: str, changed: str) -> None:
    assert supported(passage, faithful)
    assert not supported(passage, changed)


@pytest.mark.parametrize(
    ("passage", "faithful", "changed"),
    [
        # quantifier: "all" where the passage says "some"; "most" where it says "less commonly"
        (
            "Some affected children have the features of autism, a disorder of communication.",
            "Some affected children have features of autism.",
            "All affected children have features of autism.",
        ),
        (
            "Most cases are sporadic. Less commonly, the condition runs in families.",
            "Less commonly, the condition runs in families.",
            "The condition usually runs in families.",
        ),
        # hedge: "can increase the risk" stated as a certain cause
        (
            "Past treatment with radiation can increase the risk of bone cancer.",
            "Radiation treatment in the past can increase the risk of bone cancer.",
            "Past radiation treatment causes bone cancer.",
        ),
        # an opposite effect: "protects against" where the passage says "increases"
        (
            "Scientists found a genetic change that increases the chance of developing melanoma.",
            "Scientists found a genetic change that increases the chance of melanoma.",
            "Scientists found a genetic change that protects against developing melanoma.",
        ),
    ],
)
def test_a_claim_may_not_say_more_than_its_passage(passage: str, faithful: str, changed: str) -> None:
    assert supported(passage, faithful)
    assert not supported(passage, changed)


@pytest.mark.parametrize(
    ("passage", "faithful", "changed"),
    [
        (
            "Loss of mitochondrial copies causes a fall in cellular energy.",
            "A fall in cellular energy is caused by loss of mitochondrial copies.",
            "A fall in cellular energy causes loss of mitochondrial copies.",
        ),
        (
            "The mutations make the heme iron change from ferrous to ferric.",
            "The mutations change the heme iron from ferrous to ferric.",
            "The mutations change the heme iron from ferric to ferrous.",
        ),
        (
            "For tumors of the ovary, treatment may include chemotherapy followed by surgery.",
            "Treatment for tumors of the ovary may include chemotherapy followed by surgery.",
            "Treatment for tumors of the ovary may include surgery followed by chemotherapy.",
        ),
    ],
)
def test_what_leads_to_what_may_not_be_reversed(passage: str, faithful: str, changed: str) -> None:
    assert supported(passage, faithful)
    assert not supported(passage, changed)


@pytest.mark.parametrize(
    ("passage", "faithful", "changed"),
    [
        # a gene name with digits is one name: COL1A1 is not COL2A1
        (
            "COL2A1 gene mutations lead to an altered collagen protein.",
            "Mutations in the COL2A1 gene lead to an altered collagen protein.",
            "Mutations in the COL1A1 gene lead to an altered collagen protein.",
        ),
        # two names bound in one clause of a sentence listing several
        (
            "It has several forms (XSN1A is caused by mutations in the SPTLC1 gene; XSN1C is caused by mutations in "
            "the SPTLC2 gene; XSN1D is caused by mutations in the ATL1 gene).",
            "XSN1D is caused by mutations in the ATL1 gene.",
            "XSN1C is caused by mutations in the ATL1 gene.",
        ),
        # an organ the passage does not name, in place of the one it names
        (
            "The receptor is found on certain blood-forming cells in the bone marrow.",
            "The receptor is found on certain blood-forming cells of the bone marrow.",
            "The receptor is found on certain blood-forming cells in the liver.",
        ),
        # a modifier swapped before a shared noun
        (
            "The stomach muscles are controlled by the vagus nerve and move food along.",
            "The vagus nerve controls the stomach muscles that move food along.",
            "The stomach muscles are controlled by the phrenic nerve and move food along.",
        ),
        # a changed unit next to a kept number
        (
            "A 24-hour urine collection may be done to measure calcium.",
            "Urine may be collected over 24 hours to measure calcium.",
            "A 24-minute urine collection may be done to measure calcium.",
        ),
    ],
)
def test_a_swapped_name_organ_or_unit_is_rejected(passage: str, faithful: str, changed: str) -> None:
    assert supported(passage, faithful)
    assert not supported(passage, changed)


@pytest.mark.parametrize(
    ("passage", "sentence"),
    [
        # plain-language words for the passage's: babies/infants, happen/occur, itching/itchiness
        (
            "Infants with this defect are born without a forebrain.",
            "Babies with this defect are born without a forebrain.",
        ),
        ("Most cases occur in people with no family history.", "Most cases happen in people with no family history."),
        ("The itchiness begins on the palms and spreads.", "The itching begins on the palms and spreads."),
        # a genus initial does not end a sentence: "H. pylori" is one with the rest of it
        (
            "Some benefit has been shown with acid suppression and H. pylori eradication. Surgery is rare.",
            "Some benefit has been shown with acid suppression and H. pylori eradication.",
        ),
    ],
)
def test_a_faithful_rewording_is_kept(passage: str, sentence: str) -> None:
    assert supported(passage, sentence)


LUPUS_PAGE = (
    "The Lupus Foundation of American has a page called Is lupus hereditary? that provides a good overview. They also "
    "have a Genetics page for all of their content tagged as related to genetics. Medscape Reference has an in-depth "
    "review of the genetics of lupus that was written for healthcare professionals but can be useful to anyone looking "
    "for detailed information. You may have to register to view the article, but registration is free. Genetics is "
    "thought to play a role in the development of lupus along with other lifestyle and environmental factors."
)


def test_a_pointer_to_another_page_is_no_answer_and_no_quote() -> None:
    """GARD's pointers to other resources (and a quoted page title, "Is lupus hereditary?", that does not end its
    sentence) are the page's furniture: copied by the model, they are neither kept nor quoted in its place."""
    pieces = [s.text for s in split_passage(LUPUS_PAGE, 1, title="Lupus")]
    assert pieces[0].endswith("that provides a good overview.")  # one sentence, not "that provides..." on its own
    quotable = [s.text for s in split_passage(LUPUS_PAGE, 1, title="Lupus") if s.quotable]
    assert quotable == [pieces[-1]]
    retrieved = RetrievedPassage(
        text=LUPUS_PAGE, score=1.0, url="https://ex.org/lupus", title="Lupus", question="Is lupus inherited?",
        row_id="0", passage_id=0,
    )  # fmt: skip
    checker = SupportChecker([retrieved], StemBagEmbedder())
    for pointer in pieces[:-1]:
        verdict = checker.check(pointer)
        assert not verdict.supported and verdict.replacement is None, pointer
    assert checker.check(pieces[-1]).supported


@pytest.mark.parametrize(
    ("passage", "title", "sentence"),
    [
        ("Summary : A urinalysis is a test of your urine.", "Urinalysis", "A urinalysis is a test of your urine."),
        ("If You Have Symptoms Anxiety disorders are treatable.", "Anxiety", "Anxiety disorders are treatable."),
        ("Type 1 Diabetes is a disorder of blood sugar.", "Diabetes", "Type 1 Diabetes is a disorder of blood sugar."),
    ],
)
def test_a_label_or_heading_glued_to_a_passage_sentence_is_not_quoted(passage: str, title: str, sentence: str) -> None:
    """ "Summary : A urinalysis ..." and "If You Have Symptoms Anxiety disorders are treatable" were quoted whole."""
    assert [s.text for s in split_passage(passage, 1, False, title)] == [sentence]
