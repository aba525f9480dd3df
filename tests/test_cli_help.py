"""`--help` lists every setting from the config dataclasses; `--version`; shell completion; chat files via the CLI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pytest

from medqa.config import field_docs, setting_docs
from medqa.data.prepare import DataConfig
from medqa.train import TrainConfig


def test_train_help_lists_every_train_config_field(run_cli):
    result = run_cli("train", "--help")
    assert result.code == 0, result.err
    keys = [row.key for row in setting_docs(TrainConfig)]
    assert {"lora.r", "prompt.system", "grounding.fraction", "max_batch_tokens", "report_to"} <= set(keys)
    lines = result.out.splitlines()
    for row in setting_docs(TrainConfig):
        line = next((line for line in lines if line.split()[:1] == [row.key]), None)
        assert line is not None, f"{row.key} is not in `medqa train --help`"
        assert row.type.split()[0] in line  # the type, then the default and the docstring's start
    assert "Longest answer taught, in tokens" in result.out  # max_answer_tokens's docstring


def test_every_train_setting_is_documented():
    assert [row.key for row in setting_docs(TrainConfig) if not row.doc] == []


@pytest.mark.parametrize(
    ("command", "key"),
    [(["data", "prepare"], "split.seed"), (["data", "stats"], "format"), (["eval"], "limit"), (["run"], "recipe")],
)
def test_other_commands_list_their_settings(run_cli, command, key):
    result = run_cli(*command, "--help")
    assert result.code == 0, result.err
    assert any(line.split()[:1] == [key] for line in result.out.splitlines())


def test_docs_come_from_docstrings_and_comments():
    @dataclass
    class Example:
        # read from the comment lines above
        above: int = 1
        inline: str = "x"  # read from the end of the line
        below: float = 0.5
        """Read from the string below."""
        bare: bool = False

    assert field_docs(Example) == {
        "above": "read from the comment lines above",
        "inline": "read from the end of the line",
        "below": "Read from the string below.",
    }
    defaults = {row.key: (row.type, row.default) for row in setting_docs(DataConfig)}
    assert defaults["format"] == ("auto|table|alpaca|messages|sharegpt", "auto")
    assert defaults["max_rows"] == ("int", "5000000")
    assert defaults["question_col"] == ("text or null", "null")


def test_version_and_completion(run_cli):
    result = run_cli("--version")
    assert result.code == 0 and result.out.strip() == f"medqa {version('medqa')}"
    shown = run_cli("--help")
    assert "--install-completion" in shown.out and "--show-completion" in shown.out


def test_prepare_reads_a_chat_file_with_forced_format(tmp_path: Path, run_cli):
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Question about topic {n}: what are the signs of it?"},
                {"role": "assistant", "content": f"Topic {n} shows itself in {n} distinct ways, all of them mild."},
            ]
        }
        for n in range(12)
    ]
    data = tmp_path / "chat.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "prepared"
    result = run_cli("data", "prepare", str(data), "--format", "messages", "--out", str(out))
    assert result.code == 0, result.err
    report = json.loads((out / "data_report.json").read_text())
    assert report["input"]["layout"] == "messages" and report["rows_kept"] == 12
    bad = run_cli("data", "prepare", str(data), "--format", "sharegpt", "--out", str(tmp_path / "b"))
    assert bad.code == 2 and "no 'conversations' column" in bad.err
