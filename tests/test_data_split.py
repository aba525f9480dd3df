from collections import Counter

from medqa.data.group import GroupConfig, assign_groups
from medqa.data.split import SplitConfig, grouped_split


def test_paraphrased_questions_about_same_focus_share_a_group() -> None:
    questions = ["What are the symptoms of gout?", "Which signs does gout cause?", "What is acne?", "What is flu?"]
    answers = ["Pain in joints.", "Swollen toes and pain.", "A skin condition.", "A viral infection."]
    focus = ["Gout", "gout", "Acne", "Influenza"]
    grouping = assign_groups(questions, answers, {"focus": focus}, GroupConfig())
    assert grouping.group_ids[0] == grouping.group_ids[1]
    assert len(set(grouping.group_ids)) == 3
    assert grouping.links["same_focus"] == 1


def test_near_identical_questions_and_answers_are_linked_without_metadata() -> None:
    long_answer = (
        "Gout is a form of inflammatory arthritis caused by uric acid crystals that build up in the joints. "
        "It usually starts in the big toe, with sudden pain, swelling, redness and warmth that peak within a day. "
        "Attacks can return, and without treatment the crystals can damage joints and kidneys over many years. "
        "Medicines lower uric acid, and diet and weight changes help prevent new attacks."
    )
    questions = [
        "What are the symptoms of Charcot-Marie-Tooth disease type 2J ?",
        "What are the symptoms of Charcot-Marie-Tooth disease type 2J?",  # near-identical phrasing
        "How is asthma treated?",
        "What causes gout?",
        "Why does gout happen?",
    ]
    answers = [
        "Weakness of the feet.",
        "Foot weakness and numbness.",
        "With inhalers.",
        long_answer,
        long_answer.replace("many years", "several years"),
    ]
    grouping = assign_groups(questions, answers, {}, GroupConfig())
    ids = grouping.group_ids
    assert ids[0] == ids[1]
    assert ids[3] == ids[4]
    assert len({ids[0], ids[2], ids[3]}) == 3
    assert grouping.links["near_duplicate_answer"] == 1


def _groups(n_groups: int, size: int) -> list[str]:
    return [f"g{i}" for i in range(n_groups) for _ in range(size)]


def test_split_sizes_match_targets_and_groups_stay_whole() -> None:
    group_ids = _groups(300, 3) + _groups(1, 120)[:0] + [f"big{i // 40}" for i in range(80)]
    splits = grouped_split(group_ids, SplitConfig())
    counts = Counter(splits)
    total = len(group_ids)
    for name, fraction in (("train", 0.8), ("validation", 0.1), ("test", 0.1)):
        assert abs(counts[name] - fraction * total) <= 3  # within one group of the target
    sides: dict[str, set[str]] = {}
    for group, name in zip(group_ids, splits, strict=True):
        sides.setdefault(group, set()).add(name)
    assert all(len(names) == 1 for names in sides.values())


def test_split_is_reproducible_and_depends_on_seed() -> None:
    group_ids = _groups(200, 2)
    first = grouped_split(group_ids, SplitConfig(seed=1))
    assert grouped_split(group_ids, SplitConfig(seed=1)) == first
    assert grouped_split(group_ids, SplitConfig(seed=2)) != first


def test_group_too_large_for_a_held_out_split_goes_to_train() -> None:
    group_ids = ["giant"] * 50 + _groups(150, 1)
    splits = grouped_split(group_ids, SplitConfig())
    assert set(splits[:50]) == {"train"}
    assert Counter(splits)["test"] == 20


def test_tiny_dataset_still_gets_held_out_rows() -> None:
    counts = Counter(grouped_split(_groups(5, 1), SplitConfig()))
    assert counts["train"] == 3 and counts["validation"] == 1 and counts["test"] == 1


# Two source pages of one disease each, spelled differently (MedQuAD's GARD and GHR pages), as in the bundled data.
SPELLINGS = [
    ("Branchiooculofacial syndrome", "https://rarediseases.info.nih.gov/gard/3212/branchiooculofacial-syndrome"),
    ("branchio-oculo-facial syndrome", "https://ghr.nlm.nih.gov/condition/branchio-oculo-facial-syndrome"),
    ("Schimke immunoosseous dysplasia", "https://rarediseases.info.nih.gov/gard/4984/schimke-immunoosseous-dysplasia"),
    ("Schimke immuno-osseous dysplasia", "https://ghr.nlm.nih.gov/condition/schimke-immuno-osseous-dysplasia"),
    (
        "Autosomal dominant nocturnal frontal lobe epilepsy (ADNFLE)",
        "https://rarediseases.info.nih.gov/gard/11918/autosomal-dominant-nocturnal-frontal-lobe-epilepsy",
    ),
    ("autosomal dominant nocturnal frontal lobe epilepsy", "https://ghr.nlm.nih.gov/condition/adnfle"),
]


def test_one_topic_spelled_with_and_without_hyphens_spaces_or_abbreviation_is_one_group() -> None:
    questions, answers, focus, urls = [], [], [], []
    for page, (name, url) in enumerate(SPELLINGS):
        for kind in ("What is (are) {} ?", "Is {} inherited ?", f"What does page {page} say about {{}} ?"):
            questions.append(kind.format(name))
            answers.append(f"Page {page} on {name}: {kind[:12]} answer {len(answers)} with its own words.")
            focus.append(name)
            urls.append(url)
    for i in range(60):  # other topics, so that a split has somewhere else to put rows
        questions.append(f"What is unrelated condition number {i} ?")
        answers.append(f"Unrelated condition {i} is something else entirely, case {i}.")
        focus.append(f"Condition {i}")
        urls.append(f"https://example.org/condition-{i}")
    grouping = assign_groups(questions, answers, {"focus": focus, "url": urls}, GroupConfig())
    ids = grouping.group_ids
    topics = [ids[0:6], ids[6:12], ids[12:18]]  # both pages of each disease
    assert all(len(set(group)) == 1 for group in topics)
    assert len({group[0] for group in topics}) == 3  # three diseases, not one
    assert grouping.links["same_focus"] >= 3
    for seed in range(20):
        splits = grouped_split(ids, SplitConfig(seed=seed))
        for start in (0, 6, 12):
            assert len(set(splits[start : start + 6])) == 1
