from pathlib import Path

import pytest
import yaml

from medqa.config import load_config, save_config
from medqa.data.prepare import DataConfig
from medqa.errors import MedqaError


def test_defaults_then_recipe_then_overrides(tmp_path: Path) -> None:
    recipe = tmp_path / "data.yaml"
    recipe.write_text(
        "split:\n  seed: 3\n  train: 0.7\n  validation: 0.15\n  test: 0.15\nclean:\n  min_answer_words: 5\n"
    )
    config = load_config(DataConfig, recipe, ["split.seed=11", "group.near_duplicates=false"])
    assert config.split.seed == 11  # the override wins over the recipe
    assert config.split.train == 0.7  # the recipe wins over the default
    assert config.clean.min_answer_words == 5
    assert config.group.near_duplicates is False
    assert config.clean.max_answer_words == 2000  # untouched default


def test_unknown_key_is_named_with_the_valid_ones() -> None:
    with pytest.raises(MedqaError) as error:
        load_config(DataConfig, None, ["split.sed=3"])
    message = str(error.value)
    assert "split.sed" in message and "seed" in message and "validation" in message


def test_all_problems_reported_together() -> None:
    with pytest.raises(MedqaError) as error:
        load_config(DataConfig, None, ["split.seed=abc", "clean.min_answer_words=many", "nonsense=1"])
    message = str(error.value)
    assert "split.seed" in message and "clean.min_answer_words" in message and "nonsense" in message


def test_validation_in_post_init() -> None:
    with pytest.raises(MedqaError, match="add up to 1"):
        load_config(DataConfig, None, {"split.train": 0.9})


def test_bad_recipe_files(tmp_path: Path) -> None:
    with pytest.raises(MedqaError, match="does not exist"):
        load_config(DataConfig, tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("split: [unclosed\n")
    with pytest.raises(MedqaError, match="not valid YAML"):
        load_config(DataConfig, broken)
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n")
    with pytest.raises(MedqaError, match="mapping"):
        load_config(DataConfig, listing)


def test_saved_config_round_trips(tmp_path: Path) -> None:
    config = load_config(DataConfig, None, ["split.seed=5", "mix_columns=source"])
    save_config(config, tmp_path / "config.yaml")
    saved = yaml.safe_load((tmp_path / "config.yaml").read_text())
    assert saved["split"]["seed"] == 5 and saved["mix_columns"] == ["source"]
    assert load_config(DataConfig, tmp_path / "config.yaml") == config
