"""Grouped, seeded train/validation/test split: no group ever lands on two sides."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from medqa.config import check, raise_problems

SPLITS = ("train", "validation", "test")


@dataclass
class SplitConfig:
    """Target fractions of rows per split and the seed that makes the split reproducible."""

    train: float = 0.8
    validation: float = 0.1
    test: float = 0.1
    seed: int = 42

    def __post_init__(self) -> None:
        problems: list[str] = []
        for name in SPLITS:
            value = getattr(self, name)
            check(problems, 0.0 <= value <= 1.0, f"split.{name} must be between 0 and 1, got {value}")
        check(problems, self.train > 0, "split.train must be above 0")
        total = self.train + self.validation + self.test
        check(problems, abs(total - 1.0) < 1e-6, f"split fractions must add up to 1, they add up to {total:g}")
        raise_problems(problems, "split settings")

    def fractions(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in SPLITS}


def grouped_split(group_ids: Sequence[str], config: SplitConfig) -> list[str]:
    """The split name of every row.

    Groups are placed largest first (groups of equal size in seeded random order); each goes to
    the split furthest below its target among those it still fits in, else to train. Large groups
    therefore never overflow a held-out split, and the sizes land within one group of the targets.
    """
    sizes = Counter(group_ids)
    total = len(group_ids)
    targets = {name: fraction * total for name, fraction in config.fractions().items()}
    groups = sorted(sizes)  # sorted first so the order depends on the seed only, not on dict order
    random.Random(config.seed).shuffle(groups)
    groups.sort(key=lambda g: -sizes[g])  # stable: equal sizes keep their shuffled order
    assignment: dict[str, str] = {}
    filled = dict.fromkeys(SPLITS, 0)
    for group in groups:
        fitting = [n for n in SPLITS if targets[n] > 0 and filled[n] + sizes[group] <= math.ceil(targets[n])]
        name = max(fitting, key=lambda n: (targets[n] - filled[n]) / targets[n]) if fitting else "train"
        assignment[group] = name
        filled[name] += sizes[group]
    return [assignment[g] for g in group_ids]
