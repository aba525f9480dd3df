"""The shipped training recipes and sweep grids are valid, and the CPU ones keep their promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from medqa.config import load_config
from medqa.resources import recipe_path
from medqa.sweep import points, read_spec
from medqa.train import TrainConfig

ROOT = Path(__file__).resolve().parents[1]
RECIPES = sorted(p.stem for p in recipe_path("train-cpu").parent.glob("train-*.yaml"))


@pytest.mark.parametrize("name", RECIPES)
def test_every_training_recipe_loads(name: str) -> None:
    config = load_config(TrainConfig, recipe_path(name))
    assert config.learning_rate > 0


@pytest.mark.parametrize("name", ["train-cpu", "train-cpu-long"])
def test_cpu_recipes_train_grounded_within_their_time(name: str) -> None:
    config = load_config(TrainConfig, recipe_path(name))
    assert 0 < config.grounding.fraction < 1  # both closed and grounded prompts
    assert config.max_answer_tokens is not None and config.generation.max_new_tokens >= config.max_answer_tokens
    assert config.min_lr_ratio > 0  # a run stopped by its clock still learns at its end
    assert config.max_minutes is not None
    assert {"gate_proj", "up_proj", "down_proj"} <= set(config.lora.target_modules)
    limit = {"train-cpu": 15, "train-cpu-long": 60}[name]
    assert config.max_minutes <= limit


def test_shipped_sweep_grids_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # grids name their base recipe as configs/..., from the repository root
    spec = read_spec(ROOT / "configs" / "sweep-cpu-lr-modules.yaml")
    assert len(points(spec)) == 6
