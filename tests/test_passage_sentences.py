"""Passages as the reader should see them quoted: MedQuAD's flattened lists ("look for - Tugging at ears -
Crying more than usual") stay one unit with their intro, end where the next sentence starts even without
a full stop, are shown as a list with the citation after it, and are quoted for the question they answer.

The passages are real MedQuAD text (MedlinePlus pages), shortened; the embedder is test_faithful's bag of stems."""

from __future__ import annotations

import re

import pytest

from fakes import ScriptedGenerator, StubTriage
from medqa.assistant.answer import Answer, Assistant, AssistantConfig
from medqa.assistant.guard import list_parts, passage_sentences, sentences
from medqa.assistant.support import SupportChecker, split_passage
from medqa.retrieval.corpus import passages_from_rows
from medqa.retrieval.index import Index, RetrievedPassage
from test_faithful import StemBagEmbedder

EAR_LIST = (
    'If your child isn\'t old enough to say "My ear hurts," here are a few things to look for - Tugging at ears - '
    "Crying more than usual - Fluid draining from the ear - Trouble sleeping - Balance difficulties - Hearing problems"
)
EAR_ITEMS = [
    "Tugging at ears",
    "Crying more than usual",
    "Fluid draining from the ear",
    "Trouble sleeping",
    "Balance difficulties",
    "Hearing problems",
]
EAR_NEXT = (
    "Your health care provider will diagnose an ear infection by looking inside the ear with an instrument called "
    "an otoscope."
)
EAR = (
    "Ear infections are the most common reason parents bring their child to a doctor. "
    f"{EAR_LIST} {EAR_NEXT} Often, ear infections go away on their own. "
    "Your health care provider may recommend pain relievers. "
    "Severe infections and infections in young babies may require antibiotics."
)
ESOPHAGUS = (
    "Early esophageal cancer usually does not cause symptoms. Later, you may have symptoms such as - Painful or "
    "difficult swallowing - Weight loss - A hoarse voice or cough that doesn't go away You're at greater risk for "
    "getting esophageal cancer if you smoke, drink heavily, or have acid reflux. Your risk also goes up as you age "
    "Your doctor uses imaging tests and a biopsy to diagnose esophageal cancer."
)
# Ten items of about nine words: more than a quote shows at once (but one passage of the index).
GOUT_WAYS = [
    "Resting the joint and raising it on a pillow",
    "Taking medicines that lower uric acid in the blood",
    "Drinking plenty of water and other fluids every day",
    "Eating less red meat, seafood and other foods rich in purines",
    "Limiting beer and other drinks that contain alcohol",
    "Losing weight slowly if you are overweight",
    "Taking anti-inflammatory drugs for the pain of an attack",
    "Wearing loose shoes that do not press on the toe",
    "Keeping follow-up visits with your doctor every few months",
    "Asking about other medicines that may raise uric acid",
]
GOUT = f"Gout is a painful form of arthritis. Ways to manage gout include - {' - '.join(GOUT_WAYS)}"
SYMPTOMS = (
    "Shingles is a painful rash caused by the virus that causes chickenpox. Early signs of shingles include - "
    "Burning or shooting pain - Tingling or itching - Chills and fever - Headache and an upset stomach - A rash "
    "of blisters on one side of the body - Pain that lasts for weeks after the rash heals "
    "Antiviral medicines can shorten an attack of shingles and lower the pain."
)
ROWS = [
    {"question": "What are ear infections?", "answer": EAR, "url": "https://ex.org/ear", "focus": "Ear infections"},
    {"question": "What is gout?", "answer": GOUT, "url": "https://ex.org/gout", "focus": "Gout"},
    {"question": "What is shingles?", "answer": SYMPTOMS, "url": "https://ex.org/shingles", "focus": "Shingles"},
]


@pytest.fixture(scope="module")
def index() -> Index:
    return Index.build(passages_from_rows(ROWS), embedder=StemBagEmbedder())


def answer(index: Index, question: str, pieces: list[str] | None = None) -> Answer:
    generator = ScriptedGenerator(pieces) if pieces is not None else None
    return Assistant(index, StubTriage(), generator, AssistantConfig(k=1, min_relevance=0.1)).answer(question)


def shown_lists(text: str) -> list[list[str]]:
    """The items of every list in an answer's text: runs of "- " lines."""
    blocks = re.findall(r"(?:^- [^\n]*\n?)+", text, re.M)
    return [[line[2:].rstrip("”").split("” [")[0] for line in block.splitlines()] for block in blocks]


# ----------------------------------------------------------------------------------------- splitting
def test_a_flattened_list_is_one_unit_with_its_intro_and_ends_where_the_next_sentence_starts() -> None:
    units = passage_sentences(EAR)
    assert units[1] == EAR_LIST and units[2] == EAR_NEXT  # no full stop after "Hearing problems"
    intro, items = list_parts(units[1])
    assert intro.endswith("here are a few things to look for") and items == EAR_ITEMS


def test_a_list_or_a_paragraph_that_lost_its_full_stop_is_cut_before_the_next_sentence() -> None:
    units = passage_sentences(ESOPHAGUS)
    assert units[1].endswith("- A hoarse voice or cough that doesn't go away")
    assert units[2].startswith("You're at greater risk") and units[2].endswith("acid reflux.")
    assert units[3] == "Your risk also goes up as you age"
    assert units[4].startswith("Your doctor uses imaging tests")
    assert " ".join(units) == " ".join(ESOPHAGUS.split())  # every word kept, in order


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # items that end in full stops stay in their list; the sentence after it is its own
        (
            "Treatment may include the following: - Surgery. - Radiation therapy. - Chemotherapy. Ask your doctor.",
            [
                "Treatment may include the following: - Surgery. - Radiation therapy. - Chemotherapy.",
                "Ask your doctor.",
            ],
        ),
        # a name after a lower-case word inside a sentence is a name, not a new sentence
        (
            "Key Points - Smoking is a risk factor. - Signs of adult Hodgkin lymphoma include swollen lymph nodes.",
            ["Key Points - Smoking is a risk factor. - Signs of adult Hodgkin lymphoma include swollen lymph nodes."],
        ),
        (
            "It is caused by Staphylococcus aureus in most cases.",
            ["It is caused by Staphylococcus aureus in most cases."],
        ),
        # a source line after a list, and a name that starts the next sentence
        (
            "Symptoms include - Stomach cramps - Upset stomach or nausea NIH: National Institute of Health",
            ["Symptoms include - Stomach cramps - Upset stomach or nausea", "NIH: National Institute of Health"],
        ),
        (
            "Doctors use it to treat - Chronic migraine - Overactive bladder Botox injections weaken muscles.",
            [
                "Doctors use it to treat - Chronic migraine - Overactive bladder",
                "Botox injections weaken muscles.",
            ],
        ),
        # "e.g." does not end a sentence
        (
            "Some drugs, e.g. aspirin, thin the blood. They help.",
            ["Some drugs, e.g. aspirin, thin the blood.", "They help."],
        ),
    ],
)
def test_sentence_boundaries(text: str, expected: list[str]) -> None:
    assert passage_sentences(text) == expected


def test_a_dash_inside_an_item_is_not_a_new_item() -> None:
    _, items = list_parts("It treats - Cervical dystonia - a neck spasm - Blepharospasm - uncontrollable blinking")
    assert items == ["Cervical dystonia - a neck spasm", "Blepharospasm - uncontrollable blinking"]


def test_a_list_the_model_copies_is_judged_apart_from_the_sentence_it_runs_into() -> None:
    text = f"{EAR_LIST} {EAR_NEXT} Often, ear infections go away on their own."
    pieces = [text[i : i + 9] for i in range(0, len(text), 9)]  # streamed in small pieces
    assert [s.strip() for s, _ in sentences(iter(pieces))] == [
        EAR_LIST,
        EAR_NEXT,
        "Often, ear infections go away on their own.",
    ]


# ----------------------------------------------------------------------------------------- the support check
def test_a_list_is_one_quotable_unit_and_an_item_is_checked_with_its_intro() -> None:
    units = split_passage(EAR, 1)
    assert [u.items for u in units if u.items] == [tuple(EAR_ITEMS)] and all(u.quotable for u in units)
    passage = RetrievedPassage(EAR, 1.0, "https://ex.org/ear", "Ear infections", "What are ear infections?", "0", 0)
    checker = SupportChecker([passage], StemBagEmbedder())
    copied = checker.check(EAR_LIST)
    assert copied.verbatim and copied.source is not None and copied.source.items == tuple(EAR_ITEMS)
    item = checker.check("Look for trouble sleeping in your child.")
    assert item.supported and item.evidence == [EAR_LIST]
    glued = checker.check("Look for hearing problems and an otoscope.")  # a fact of the next sentence
    assert not glued.supported


# ----------------------------------------------------------------------------------------- what the reader sees
def test_a_quoted_list_keeps_all_its_items_verbatim_with_its_marker_after_it(index: Index) -> None:
    result = answer(index, "What are the signs of an ear infection in a child?")
    assert shown_lists(result.answer) == [EAR_ITEMS]
    intro = 'If your child isn\'t old enough to say "My ear hurts," here are a few things to look for:'
    assert f"“{intro}\n- Tugging at ears\n" in result.answer
    assert "\n- Hearing problems” [1]" in result.answer  # the citation after the list, not after each item
    quoted = next(s for s in result.sentences if "\n- " in s.text)
    assert quoted.source == "quoted" and quoted.evidence == [EAR_LIST]  # the passage's own words
    assert not re.search(r"Hearing problems\W*(\[1\])?\W*Your health", result.answer)  # never glued


def test_the_sentence_after_a_list_starts_its_own_paragraph(index: Index) -> None:
    copied = [f"{EAR_LIST} {EAR_NEXT} ", "Often, ear infections go away on their own."]
    result = answer(index, "What are the signs of an ear infection in a child?", copied)
    assert shown_lists(result.answer) == [EAR_ITEMS]
    assert "- Hearing problems” [1]\n\n“Your health care provider will diagnose" in result.answer
    assert [s.source for s in result.sentences][:2] == ["quoted", "quoted"]  # word for word from the passage


def test_a_long_list_is_quoted_in_part_by_whole_items_that_answer_the_question(index: Index) -> None:
    result = answer(index, "Which medicines treat gout?")
    (shown,) = shown_lists(result.answer)
    assert shown[-1] == "…" and 0 < len(shown) - 1 < len(GOUT_WAYS)
    assert all(item in GOUT_WAYS for item in shown[:-1])  # whole items, word for word, never a part of one
    assert all("medicine" in item or "drugs" in item for item in shown[:-1])
    assert len(" ".join(shown).split()) <= 80


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("How is shingles treated?", "Antiviral medicines can shorten"),
        ("What can I do to help the ear pain?", "Your health care provider may recommend pain relievers"),
    ],
)
def test_a_list_of_symptoms_is_not_quoted_for_a_question_about_what_helps(
    index: Index, question: str, first: str
) -> None:
    result = answer(index, question)
    assert result.sentences and result.sentences[0].text.startswith(first)
    assert "\n- " not in result.answer and "Tingling" not in result.answer and "Tugging" not in result.answer


def test_a_genus_initial_does_not_end_a_sentence_in_passages_or_in_the_stream() -> None:
    """ "H. pylori" is one sentence with the rest of it wherever text is cut (a passage, the model's stream), so a
    generated sentence about it is checked whole; "vitamin D." before a capital still ends one."""
    text = "Most ulcers are caused by H. pylori bacteria. Take vitamin D. Then rest."
    expected = ["Most ulcers are caused by H. pylori bacteria.", "Take vitamin D.", "Then rest."]
    assert passage_sentences(text) == expected
    streamed = [s.strip() for s, _ in sentences(iter(["Most ulcers are caused by H", ". ", "pylori bacteria. Take ",
                                                      "vitamin D. ", "Then rest."]))]  # fmt: skip
    assert streamed == expected


STROKE = (
    "There are two kinds of stroke. The most common kind of stroke is called ischemic stroke. It accounts for "
    "approximately 80 percent of all strokes. An ischemic stroke is caused by a blood clot that blocks a blood vessel "
    "in the brain."
)


def test_a_copied_sentence_whose_it_is_the_sentence_before_comes_with_that_sentence() -> None:
    """The model copies "It accounts for approximately 80 percent of all strokes" after a sentence about stroke in
    general: shown alone, "It" would be every stroke. The passage sentence it leans on is shown right before it."""
    rows = [{"question": "What is stroke?", "answer": STROKE, "url": "https://ex.org/stroke", "focus": "Stroke"}]
    index = Index.build(passages_from_rows(rows), embedder=StemBagEmbedder())
    pieces = ["There are two kinds of stroke. ", "It accounts for approximately 80 percent of all strokes."]
    result = answer(index, "What kinds of stroke are there?", pieces)
    lead = "The most common kind of stroke is called ischemic stroke"
    text = result.answer
    assert lead in text and text.index(lead) < text.index("It accounts for approximately"), text


def test_a_stray_token_glued_after_the_full_stop_is_not_shown(index: Index) -> None:
    pieces = ["Ear infections are the most common reason parents bring their child to a doctor.pulumi"]
    result = answer(index, "What are ear infections?", pieces)
    assert "pulumi" not in result.answer and "most common reason parents bring their child" in result.answer
    assert any(r.text == "pulumi" for r in result.removed)


def test_an_abbreviation_does_not_end_a_sentence() -> None:
    text = (
        "Peripheral artery disease (P.A.D.) can cause pain in the legs. Most healthy people do not get S. maltophilia."
    )
    assert passage_sentences(text) == [
        "Peripheral artery disease (P.A.D.) can cause pain in the legs.",
        "Most healthy people do not get S. maltophilia.",
    ]


def test_a_likewise_sentence_comes_with_the_sentence_it_answers() -> None:
    text = (
        "Wheezing is a whistling sound when you breathe. Not all people who have asthma have these symptoms. "
        "Likewise, having these symptoms doesn't always mean that you have asthma."
    )
    rows = [{"question": "What is asthma?", "answer": text, "url": "https://ex.org/asthma", "focus": "Asthma"}]
    index = Index.build(passages_from_rows(rows), embedder=StemBagEmbedder())
    pieces = ["Likewise, having these symptoms doesn't always mean that you have asthma."]
    shown = answer(index, "What are the symptoms of asthma?", pieces).answer
    lead = "Not all people who have asthma have these symptoms"
    assert lead in shown and shown.index(lead) < shown.index("Likewise, having these symptoms"), shown
