"""`medqa eval` + `medqa report` end to end on a tiny random model and a tiny dataset."""

import json
from pathlib import Path

from fakes import save_tiny_llama, write_data


def test_eval_then_report(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    model = save_tiny_llama(tmp_path / "tiny")
    data = write_data(tmp_path / "data")
    common = [
        "--model",
        str(model),
        "--data",
        str(data),
        "--max-new-tokens",
        "8",
        "--set",
        "bertscore=false",
        "--set",
        "bootstrap_resamples=200",
    ]
    first = run_cli("eval", *common, "--name", "greedy", "--out", str(tmp_path / "eval-a"))
    assert first.code == 0, first.err
    metrics = json.loads((tmp_path / "eval-a" / "metrics.json").read_text())
    assert metrics["samples"] == 6
    for name in ("rouge1", "rouge2", "rougeL", "bleu", "perplexity", "token_accuracy", "answer_words"):
        entry = metrics["metrics"][name]
        assert entry["ci_low"] <= entry["value"] <= entry["ci_high"], name
    # A random 2-layer model is close to uniform over its vocabulary (a few hundred tokens).
    assert 50 < metrics["metrics"]["perplexity"]["value"] < 2000
    predictions = [json.loads(x) for x in (tmp_path / "eval-a" / "predictions.jsonl").read_text().splitlines()]
    assert len(predictions) == 6 and {"question", "reference", "answer", "scores", "stats"} <= set(predictions[0])

    second = run_cli(
        "eval", *common, "--name", "beam", "--decoding", "beam", "--limit", "4", "--out", str(tmp_path / "eval-b")
    )
    assert second.code == 0, second.err
    assert json.loads((tmp_path / "eval-b" / "metrics.json").read_text())["samples"] == 4

    report = run_cli("report", str(tmp_path / "eval-a"), str(tmp_path / "eval-b"), "--out", str(tmp_path / "report"))
    assert report.code == 0, report.err
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert [s["name"] for s in summary["systems"]] == ["greedy", "beam"]
    paired = {c["metric"]: c for c in summary["paired"]}
    assert paired["rougeL"]["samples"] == 4  # compared on the questions both answered
    page = (tmp_path / "report" / "report.html").read_text()
    assert "data:image/png;base64," in page and "Paired bootstrap" in page
    assert (tmp_path / "report" / "report.md").read_text().startswith("# medqa evaluation report")


def test_eval_errors(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    data = write_data(tmp_path / "data")
    result = run_cli("eval", "--model", str(tmp_path), "--data", str(data), "--split", "dev")
    assert result.code == 2 and "no dev.jsonl" in result.err and "test" in result.err
    result = run_cli("report", str(tmp_path / "nothing"), "--out", str(tmp_path / "r"))
    assert result.code == 2 and "not an eval folder" in result.err


def test_grounded_eval_uses_a_train_only_index_and_scores_grounding(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    model = save_tiny_llama(tmp_path / "tiny")
    data = write_data(tmp_path / "data")
    common = [
        "--model",
        str(model),
        "--data",
        str(data),
        "--max-new-tokens",
        "6",
        "--set",
        "bertscore=false",
        "--set",
        "perplexity=false",
        "--set",
        "bootstrap_resamples=100",
    ]
    result = run_cli("eval", *common, "--set", "mode=grounded", "--out", str(tmp_path / "grounded"))
    assert result.code == 0, result.err
    metrics = json.loads((tmp_path / "grounded" / "metrics.json").read_text())
    assert {"groundedness", "citation_validity", "abstention_rate"} <= set(metrics["metrics"])
    assert any("train.jsonl only" in note for note in metrics["notes"])
    assert (data / "index-train" / "index.json").is_file()  # built once from the training split
    rows = [json.loads(x) for x in (tmp_path / "grounded" / "predictions.jsonl").read_text().splitlines()]
    for row in rows:
        assert row["grounding"]["abstained"] or row["grounding"]["citations"]  # an answer always names sources

    leaky = run_cli("index", "build", "--data", str(data), "--all-splits", "--out", str(tmp_path / "leaky"))
    assert leaky.code == 0, leaky.err
    refused = run_cli(
        "eval",
        *common,
        "--set",
        "mode=grounded",
        "--set",
        f"index={tmp_path / 'leaky'}",
        "--out",
        str(tmp_path / "refused"),
    )
    assert refused.code == 2 and "could retrieve their own answers" in refused.err


def test_open_book_indexes_every_split_and_says_what_it_measures(tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    from fakes import FACTS

    model = save_tiny_llama(tmp_path / "tiny")
    data = tmp_path / "data"
    data.mkdir()
    for split, facts in (("train", FACTS[:4]), ("validation", FACTS[4:5]), ("test", FACTS[4:])):
        rows = [json.dumps({"question": q, "answer": a, "url": f"https://example.org/{q}"}) for q, a in facts]
        (data / f"{split}.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    common = ["--model", str(model), "--data", str(data), "--max-new-tokens", "6"]
    common += ["--set", "bertscore=false", "--set", "perplexity=false", "--set", "bootstrap_resamples=100"]
    found = {}
    for mode in ("grounded", "open-book"):
        result = run_cli("eval", *common, "--mode", mode, "--out", str(tmp_path / mode))
        assert result.code == 0, result.err
        metrics = json.loads((tmp_path / mode / "metrics.json").read_text())
        found[mode] = metrics["metrics"]["own_page_retrieved"]["value"]
        assert {"faithfulness", "faithfulness_any_source", "contradicts_sources"} <= set(metrics["metrics"])
        rows = [json.loads(x) for x in (tmp_path / mode / "predictions.jsonl").read_text().splitlines()]
        assert all("faithfulness" in r and "qtype" in r for r in rows)
    assert found == {"grounded": 0.0, "open-book": 1.0}  # the test questions' own pages: only in open book
    assert (data / "index-train" / "index.json").is_file() and (data / "index-all" / "index.json").is_file()
    open_book = json.loads((tmp_path / "open-book" / "metrics.json").read_text())
    assert "faithful reading" in open_book["label"] and any("not generalisation" in n for n in open_book["notes"])
