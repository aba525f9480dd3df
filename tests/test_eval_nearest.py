"""The no-model yardstick `nearest`: copies the answer of the most similar training question, and
only ever reads the training split."""

import json
from pathlib import Path

import pytest

from medqa.errors import MedqaError
from medqa.evaluate.nearest import NearestAnswers
from medqa.evaluate.run import EvalConfig

TRAIN = [
    ("What are the symptoms of gout ?", "Gout causes sudden, severe pain and swelling in a joint, often the big toe."),
    ("What causes asthma ?", "Asthma is caused by inflamed, narrowed airways; triggers include dust and smoke."),
    ("Is Milroy disease inherited ?", "Milroy disease is inherited in an autosomal dominant pattern."),
    ("How to diagnose diabetes ?", "Diabetes is diagnosed with blood tests of glucose or hemoglobin A1c."),
]
# Held-out rows whose answers must never come back: each is a sentinel no training answer contains.
HELD_OUT = [
    ("What are the symptoms of gout ?", "SENTINEL-TEST-ANSWER gout"),  # the planted exact question match
    ("What causes asthma attacks ?", "SENTINEL-TEST-ANSWER asthma"),
    ("Is Milroy disease inherited ?", "SENTINEL-VALIDATION-ANSWER milroy"),
]


def write_split(folder: Path, name: str, rows: list[tuple[str, str]]) -> None:
    lines = [json.dumps({"id": f"{name}{i}", "question": q, "answer": a}) for i, (q, a) in enumerate(rows)]
    (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    write_split(folder, "train", TRAIN)
    write_split(folder, "validation", HELD_OUT[2:])
    write_split(folder, "test", HELD_OUT[:2] + [("How to diagnose diabetes ?", TRAIN[3][1])])
    return folder


def test_nearest_copies_the_most_similar_training_question() -> None:
    nearest = NearestAnswers([q for q, _ in TRAIN], [a for _, a in TRAIN])
    found = nearest.match("what causes an asthma attack?")
    assert found is not None and found.row == 1 and found.answer == TRAIN[1][1]
    assert nearest.match("zzzz qqqq") is None  # no shared word: nothing to copy
    answers, details = nearest.answer_all(["zzzz qqqq", "symptoms of gout"])
    assert answers == ["", TRAIN[0][1]]
    assert details[0]["train_row"] is None and details[1]["question"] == TRAIN[0][0]


def test_planted_exact_match_scores_one_and_held_out_answers_never_leak(data: Path, run_cli) -> None:  # noqa: ANN001
    out = data.parent / "eval"
    result = run_cli("eval", "--model", "nearest", "--data", str(data), "--set", "bertscore=false", "--out", str(out))
    assert result.code == 0, result.err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["system"] == "nearest" or metrics["system"].startswith("nearest")
    assert metrics["trained"] is False and "perplexity" not in metrics["metrics"]
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    by_question = {r["question"]: r for r in rows}
    # The third test row's reference is exactly the training answer of the same question: ROUGE-L 1.0.
    planted = by_question["How to diagnose diabetes ?"]
    assert planted["answer"] == TRAIN[3][1] and planted["scores"]["rougeL"] == pytest.approx(1.0)
    assert planted["nearest"]["train_row"] == 3
    for row in rows:  # a test question identical to a training one gets the training answer, not its own
        assert "SENTINEL" not in row["answer"]
        assert row["answer"] in {a for _, a in TRAIN}

    validation = run_cli(
        "eval", "--model", "nearest", "--data", str(data), "--split", "validation", "--set", "bertscore=false",
        "--out", str(data.parent / "eval-validation"),
    )  # fmt: skip
    assert validation.code == 0, validation.err
    answer = json.loads((data.parent / "eval-validation" / "predictions.jsonl").read_text().splitlines()[0])["answer"]
    assert answer == TRAIN[2][1]


def test_nearest_refuses_what_would_flatter_or_cannot_work(data: Path, tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    with pytest.raises(MedqaError, match="mode=closed"):
        EvalConfig(model="nearest", mode="grounded")
    with pytest.raises(MedqaError, match="find every question itself"):
        EvalConfig(model="nearest", split="train")
    result = run_cli("eval", "--model", "nearest", "--data", "kqa", "--out", str(tmp_path / "kqa"))
    assert result.code == 2 and "prepared data folder" in result.err
    (data / "train.jsonl").write_text('{"question": "a", "answer": "b"}\nnot json\n', encoding="utf-8")
    with pytest.raises(MedqaError, match="train.jsonl, line 2"):
        NearestAnswers.from_data(data)
