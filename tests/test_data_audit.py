import json
from pathlib import Path

from medqa.data.audit import audit_splits


def _rows(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"question": q, "answer": a} for q, a in pairs]


ASTHMA = (
    "Asthma is treated with two kinds of medicines: long-term control medicines such as inhaled corticosteroids, "
    "taken every day to prevent symptoms, and quick-relief inhalers that open the airways during an attack. "
    "A written action plan made with a doctor says which medicine to take and when to get emergency care. "
    "Avoiding triggers such as smoke, dust mites, pollen and cold air reduces attacks, and a yearly flu shot "
    "is recommended. Children and adults with asthma should have regular checkups to adjust the treatment."
)
TRAIN = _rows(
    [
        ("What is gout?", "Gout is a form of arthritis caused by uric acid crystals building up in a joint."),
        ("How is asthma treated?", ASTHMA),
        ("What causes acne?", "Acne happens when hair follicles become plugged with oil and dead skin cells."),
    ]
)


def test_audit_finds_planted_leaks() -> None:
    test = _rows(
        [
            ("what is GOUT ?", "Something else entirely about purines and diet and joints."),  # exact question
            ("Who gets migraines?", "Acne happens when hair follicles become plugged with oil and dead skin cells."),
            ("How is asthma treated ?!", "Different words."),  # exact after punctuation removal
            ("What are the symptoms of Charcot-Marie-Tooth disease type 2J?", "Weak feet."),
            ("What is a kidney stone?", ASTHMA.replace("every day", "each day")),  # near-duplicate answer
            ("How common is psoriasis?", "About two percent of people have psoriasis."),  # clean
        ]
    )
    train = TRAIN + _rows([("What are the symptoms of Charcot-Marie-Tooth disease type 2J ?", "Foot drop.")])
    audit = audit_splits({"train": train, "test": test})
    result = audit["pairs"]["train~test"]
    assert result["exact_question"]["rows"] == 3
    assert result["exact_answer"]["rows"] == 1
    assert result["near_duplicate_question"]["rows"] >= 3
    assert result["near_duplicate_answer"]["rows"] == 2
    assert audit["total_leaks"] > 0
    example = result["exact_answer"]["examples"][0]
    assert example["test"].startswith("Acne happens")


def test_clean_splits_have_zero_leaks() -> None:
    test = _rows([("How common is psoriasis?", "About two percent of people have psoriasis.")])
    audit = audit_splits({"train": TRAIN, "validation": [], "test": test})
    assert audit["total_leaks"] == 0
    assert list(audit["pairs"]) == ["train~test"]


def test_audit_cli_exit_code(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps(r) + "\n" for r in TRAIN))
    leaky = tmp_path / "test.csv"
    leaky.write_text("Question,Answer\nWhat is gout?,Different.\n")
    result = run_cli("data", "audit", str(train), str(leaky), "--json")
    assert result.code == 1
    assert json.loads(result.out)["pairs"][f"{train}~{leaky}"]["exact_question"]["rows"] == 1
    clean = tmp_path / "clean.csv"
    clean.write_text("Question,Answer\nHow common is psoriasis?,About two percent.\n")
    result = run_cli("data", "audit", str(train), str(clean))
    assert result.code == 0 and "no leakage found" in result.out


def test_audit_compares_questions_ignoring_hyphens_spaces_and_abbreviations() -> None:
    """The leak the bundled split had: one disease spelled two ways on two source pages."""
    train = _rows(
        [
            ("What is (are) branchio-oculo-facial syndrome ?", "A condition of the face, eyes and neck (GHR)."),
            ("What are the treatments for Schimke immuno-osseous dysplasia ?", "Kidney transplant, per GHR."),
            ("What is (are) Autosomal dominant nocturnal frontal lobe epilepsy (ADNFLE) ?", "Seizures in sleep."),
        ]
    )
    validation = _rows(
        [
            ("What is (are) Branchiooculofacial syndrome ?", "A rare disorder, according to GARD."),
            ("What are the treatments for Schimke immunoosseous dysplasia ?", "Treatment is symptomatic (GARD)."),
            ("What is (are) autosomal dominant nocturnal frontal lobe epilepsy?", "Frontal lobe seizures."),
            ("What is (are) Branchiootorenal syndrome ?", "A different disorder of ears and kidneys."),
        ]
    )
    audit = audit_splits({"train": train, "validation": validation})
    exact = audit["pairs"]["train~validation"]["exact_question"]
    assert exact["rows"] == 3
    assert {e["validation"] for e in exact["examples"]} == {r["question"] for r in validation[:3]}
    assert "hyphens" in audit["method"]
