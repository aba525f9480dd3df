"""Chat and instruction layouts from other fine-tuning tools: OpenAI messages, ShareGPT, Alpaca."""

import json
from pathlib import Path

import pytest

from medqa.data.formats import detect_format, to_pairs
from medqa.data.prepare import DataConfig, build_dataset
from medqa.data.read import read_table
from medqa.errors import MedqaError


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def chat(n: int, turns: int = 2, system: bool = False) -> dict:
    """One OpenAI-style conversation about topic n with `turns` user/assistant exchanges."""
    messages = [{"role": "system", "content": "You are a nurse."}] if system else []
    for t in range(turns):
        messages += [
            {"role": "user", "content": f"Question {t} on topic {n}: what about aspect {t * 31 + n}?"},
            {
                "role": "assistant",
                "content": f"Answer {t} on topic {n}: " + " ".join(f"w{n}_{t}_{k}" for k in range(8)),
            },
        ]
    return {"messages": messages, "source": f"s{n}"}


def test_two_turn_messages_row_gives_two_pairs_with_history(tmp_path: Path) -> None:
    table = read_table(write_jsonl(tmp_path / "chat.jsonl", [chat(1, system=True)]))
    converted = to_pairs(table, "auto")
    assert converted.format == "messages"
    first, second = converted.table.rows
    assert first["question"].startswith("Question 0") and first["answer"].startswith("Answer 0")
    assert first["history"] == []
    assert second["question"].startswith("Question 1")
    assert second["history"] == [
        {"role": "user", "content": first["question"]},
        {"role": "assistant", "content": first["answer"]},
    ]
    assert first["system"] == second["system"] == "You are a nurse."
    assert first["conversation"] == second["conversation"] and (first["turn"], second["turn"]) == (1, 2)
    assert first["source"] == "s1"  # other columns come along
    assert converted.table.lines == [1, 1]


def test_sharegpt_from_value_and_content_parts(tmp_path: Path) -> None:
    rows = [
        {
            "conversations": [
                {"from": "human", "value": "What is gout exactly?"},
                {"from": "gpt", "value": "A form of arthritis."},
                {"from": "human", "value": "And its cause?"},
            ],
            "system": "Be brief.",
        },
        {
            "conversations": [
                {"from": "user", "value": [{"type": "text", "text": "Is acne contagious?"}]},
                {"from": "assistant", "value": "No."},
            ]
        },
    ]
    converted = to_pairs(read_table(write_jsonl(tmp_path / "sg.jsonl", rows)), "auto")
    assert converted.format == "sharegpt"
    assert [(r["question"], r["answer"]) for r in converted.table.rows] == [
        ("What is gout exactly?", "A form of arthritis."),
        ("Is acne contagious?", "No."),
    ]
    assert converted.table.rows[0]["system"] == "Be brief."
    assert converted.unanswered == 1  # the trailing question has no reply to learn


def test_alpaca_input_is_joined_to_the_instruction(tmp_path: Path) -> None:
    rows = [
        {"instruction": "Summarise the finding.", "input": "BP 150/95 on three visits.", "output": "Hypertension."},
        {"instruction": "What is anemia?", "input": "", "output": "Too few red blood cells."},
    ]
    converted = to_pairs(read_table(write_jsonl(tmp_path / "alpaca.jsonl", rows)), "auto")
    assert converted.format == "alpaca"
    assert [r["question"] for r in converted.table.rows] == [
        "Summarise the finding.\nBP 150/95 on three visits.",
        "What is anemia?",
    ]
    assert converted.table.rows[0]["answer"] == "Hypertension."


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ([{"role": "assistant", "content": "Hi"}], "turn 1 is a assistant turn where a user turn was expected"),
        ([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "turn 2 is a user turn"),
        ([{"role": "tool", "content": "{}"}], "role 'tool'"),
        ([{"role": "user"}], "turn 1 (user) has no content"),
        ([{"role": "user", "content": "q"}, {"role": "system", "content": "s"}], "system message after"),
        ("not a list", "not a JSON list of turns"),
        ([], "non-empty list of turns"),
        ([{"role": "user", "content": [{"type": "image_url"}]}], "parts other than text (image_url)"),
    ],
)
def test_malformed_conversation_names_file_and_row(tmp_path: Path, messages: object, expected: str) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [chat(1), {"messages": messages}])
    with pytest.raises(MedqaError) as err:
        to_pairs(read_table(path), "auto")
    assert f"{path}, line 2:" in str(err.value) and expected in str(err.value)
    skipped = to_pairs(read_table(path), "auto", on_bad_rows="skip")
    assert len(skipped.table.rows) == 2 and len(skipped.table.malformed) == 1


def test_format_is_detected_or_forced(tmp_path: Path) -> None:
    alpaca = read_table(write_jsonl(tmp_path / "a.jsonl", [{"instruction": "Q one two?", "output": "A."}]))
    assert detect_format(alpaca) == "alpaca"
    assert to_pairs(alpaca, "table").table is alpaca  # forced: read as a plain table
    plain = read_table(write_jsonl(tmp_path / "p.jsonl", [{"question": "Q one two?", "answer": "A."}]))
    assert detect_format(plain) == "table"
    with pytest.raises(MedqaError, match="read as messages but has no 'messages' column"):
        to_pairs(plain, "messages")


def test_conversation_never_spans_two_splits(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "chats.jsonl", [chat(n, turns=3) for n in range(30)])
    config = DataConfig(input=str(path))
    config.group.near_duplicates = False  # only the conversation links rows here
    result = build_dataset(config)
    sides: dict[str, set[str]] = {}
    for name, rows in result.splits.items():
        for row in rows:
            sides.setdefault(row["conversation"], set()).add(name)
    assert len(sides) == 30 and all(len(s) == 1 for s in sides.values())
    assert sum(len(rows) for rows in result.splits.values()) == 90
    assert result.report["input"]["layout"] == "messages"
    assert result.report["groups"]["links"]["same_conversation"] == 60
    assert any("history" in w for w in result.report["warnings"])


def test_column_flags_read_a_chat_file_as_a_table_only_when_asked(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "chats.jsonl", [chat(n) for n in range(3)])
    with pytest.raises(MedqaError, match="--format table"):
        build_dataset(DataConfig(input=str(path), format="messages", question_col="source"))
