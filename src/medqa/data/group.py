"""Grouping rows that must not be separated by a split (union-find over several kinds of link)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from medqa.config import check, raise_problems
from medqa.data.near_dup import (
    Sketches,
    char_shingles,
    matching_key,
    near_duplicate_pairs,
    sketch,
    word_shingles,
)


@dataclass
class GroupConfig:
    """What links two rows into one group. Linked rows always land in the same split."""

    key_columns: list[str] = field(default_factory=lambda: ["url", "focus"])  # used when present
    near_duplicates: bool = True  # link near-identical questions and answers (MinHash-LSH)
    question_threshold: float = 0.9  # Jaccard over character 5-grams of the normalised question
    answer_threshold: float = 0.9  # Jaccard over word 3-grams of the normalised answer
    num_perm: int = 128  # MinHash permutations: more is more exact and slower

    def __post_init__(self) -> None:
        problems: list[str] = []
        for name in ("question_threshold", "answer_threshold"):
            value = getattr(self, name)
            check(problems, 0.0 < value <= 1.0, f"group.{name} must be in (0, 1], got {value}")
        check(problems, 16 <= self.num_perm <= 1024, f"group.num_perm must be in [16, 1024], got {self.num_perm}")
        raise_problems(problems, "group settings")


@dataclass
class TextSketches:
    """MinHash sketches of the questions and answers, computed once and shared with the audit."""

    questions: Sketches
    answers: Sketches


@dataclass
class Grouping:
    """A group id per row and how many links of each kind joined rows."""

    group_ids: list[str]
    links: Counter[str]
    sketches: TextSketches | None


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]  # path halving keeps trees shallow
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return False
        self.parent[max(root_a, root_b)] = min(root_a, root_b)
        return True


def sketch_texts(
    questions: Sequence[str], answers: Sequence[str], num_perm: int, progress: Callable[[int], None] | None = None
) -> TextSketches:
    """Sketch questions by character shingles and answers by word shingles."""
    return TextSketches(
        questions=sketch(questions, char_shingles, num_perm, progress),
        answers=sketch(answers, word_shingles, num_perm, progress),
    )


def assign_groups(
    questions: Sequence[str],
    answers: Sequence[str],
    keys: dict[str, Sequence[str]],
    config: GroupConfig,
    progress: Callable[[int], None] | None = None,
) -> Grouping:
    """Link rows sharing a question, a key column value (url, focus) or near-identical text.

    Questions and key values are compared by `matching_key`: one topic spelled "Schimke
    immuno-osseous dysplasia" on one source page and "Schimke immunoosseous dysplasia" on another
    is one group, so the split cannot put it on both sides.
    """
    size = len(questions)
    union = _UnionFind(size)
    links: Counter[str] = Counter()
    named_keys = {"same_question": [matching_key(q) for q in questions]}
    for name, values in keys.items():
        named_keys[f"same_{name}"] = [matching_key(v or "") for v in values]
    for reason, values in named_keys.items():
        first: dict[str, int] = {}
        for index, value in enumerate(values):
            if not value:
                continue  # an empty url or focus links nothing
            if value in first:
                links[reason] += union.union(first[value], index)
            else:
                first[value] = index
    sketches = None
    if config.near_duplicates:
        sketches = sketch_texts(questions, answers, config.num_perm, progress)
        for reason, sketched, threshold in (
            ("near_duplicate_question", sketches.questions, config.question_threshold),
            ("near_duplicate_answer", sketches.answers, config.answer_threshold),
        ):
            for i, j, _ in near_duplicate_pairs(sketched, threshold, num_perm=config.num_perm):
                links[reason] += union.union(i, j)
    # Number groups in order of first appearance so ids are stable for the same input.
    ids: dict[int, str] = {}
    group_ids = []
    for index in range(size):
        root = union.find(index)
        if root not in ids:
            ids[root] = f"g{len(ids):06d}"
        group_ids.append(ids[root])
    return Grouping(group_ids, links, sketches)
