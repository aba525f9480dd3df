"""Paths of the data that ships inside the package (corpus, evaluation set, licences)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

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
