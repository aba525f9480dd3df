"""The main job's evaluation and report steps on tiny models: base, fine-tuned and `nearest`
closed-book, the fine-tuned assistant grounded, and a report whose verdict comes first."""

import json
from pathlib import Path

import pytest
from rich.console import Console

from fakes import save_tiny_llama, tiny_config, write_data
from medqa.pipeline import PipelineConfig, evaluate_and_report

pytestmark = pytest.mark.usefixtures("one_thread")


def test_main_job_reports_base_fine_tuned_nearest_and_the_grounded_assistant(tmp_path: Path) -> None:
    from medqa.train import train

    base = save_tiny_llama(tmp_path / "base")
    data = write_data(tmp_path / "data")
    run = tmp_path / "train"
    train(tiny_config(base, data, run, max_steps=2, eval_every=2, save_every=2))
    config = PipelineConfig(model=str(base), eval_limit=4, eval_max_new_tokens=8, serve=False)
    summary = evaluate_and_report(
        config, data, run, run, tmp_path / "job", Console(quiet=True),
        eval_settings={"bertscore": False, "bootstrap_resamples": 100},
    )  # fmt: skip

    names = ["nearest", "base", "fine-tuned", "fine-tuned-grounded"]
    assert [s["name"] for s in summary["systems"]] == names
    assert summary["roles"] == {"nearest": "nearest", "base": "base", "fine-tuned": "fine-tuned",
                                "grounded": "fine-tuned-grounded"}  # fmt: skip
    assert summary["baseline"] == "nearest"
    pairs = {(c["system"], c["baseline"]) for c in summary["paired"]}
    assert {("base", "nearest"), ("fine-tuned", "nearest"), ("fine-tuned-grounded", "nearest")} <= pairs
    assert {("fine-tuned", "base"), ("fine-tuned-grounded", "fine-tuned")} <= pairs
    grounded = json.loads((tmp_path / "job" / "eval" / "fine-tuned-grounded" / "metrics.json").read_text())
    assert {"faithfulness", "contradicts_sources", "own_page_retrieved"} <= set(grounded["metrics"])
    assert grounded["counts"]["faithfulness"]["of"] > 0 and "generalisation" in grounded["label"]
    for name in names:
        counts = json.loads((tmp_path / "job" / "eval" / name / "metrics.json").read_text())["counts"]
        assert counts["degenerate_answers"]["of"] == 4

    verdict = summary["verdict"]
    assert verdict[0].startswith("Fine-tuning improved") and "fine-tuned vs base" in verdict[0]
    assert any(line.startswith("Copying the answer of the most similar training question") for line in verdict)
    assert any("of its answer sentences supported by the passages they cite" in line for line in verdict)
    assert any(line.startswith("Training ran 2 of 2 steps") for line in verdict)
    assert any(line.startswith("Degenerate answers (under 8 words): nearest 0 of 4") for line in verdict)
    assert summary["by_type"] and all(set(row["systems"]) == set(names) for row in summary["by_type"].values())

    markdown = (tmp_path / "job" / "report" / "report.md").read_text()
    assert markdown.index("## Verdict") < markdown.index("| metric |") < markdown.index("## By question type")
    assert "grounded: training-only index (generalisation)" in markdown
    page = (tmp_path / "job" / "report" / "report.html").read_text()
    assert "<h2>Verdict</h2>" in page and "nearest training answer (no model)" in page
