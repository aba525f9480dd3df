"""`medqa train --dry-run`: encoded examples with exactly the answer tokens marked, and what is cut."""

from __future__ import annotations

import json

from medqa.models import load_tokenizer
from medqa.prompt import PromptTemplate, encode_prompt
from medqa.train.batches import CLOSE_MARK, OPEN_MARK, show_examples

LONG = "Gout is a form of arthritis. " + " ".join(f"word{i}" for i in range(60)) + "."
ROWS = [
    {"question": "What is gout?", "answer": "A painful form of arthritis."},
    {"question": "Tell me about gout.", "answer": LONG},
]


def test_exactly_the_answer_tokens_are_marked(tiny_llama):
    tokenizer = load_tokenizer(str(tiny_llama))
    template = PromptTemplate()
    shown = show_examples(ROWS, template, tokenizer, max_length=512, seq2seq=False, count=2)
    for example, row in zip(shown, ROWS, strict=True):
        prompt_ids = encode_prompt(template, tokenizer, row["question"])  # what generation is given
        assert example.prompt_tokens == len(prompt_ids)
        trained = [text for text, marked in example.segments if marked]
        prompt = [text for text, marked in example.segments if not marked]
        assert len(trained) == 1 and len(prompt) == 1  # one prompt run, then one answer run
        assert prompt[0] == tokenizer.decode(prompt_ids)
        assert trained[0].startswith(row["answer"])  # the answer, then the template's end-of-turn marker
        assert trained[0].removeprefix(row["answer"]).strip() in ("", tokenizer.eos_token)
        assert example.answer_tokens == example.answer_tokens_whole  # no limit cut anything


def test_cuts_are_counted_by_the_limit_that_made_them(tiny_llama):
    tokenizer = load_tokenizer(str(tiny_llama))
    template = PromptTemplate()
    first = "Gout is a form of arthritis."
    cap = len(tokenizer(first, add_special_tokens=False)["input_ids"]) + 3
    capped = show_examples(ROWS, template, tokenizer, 512, False, count=2, max_answer_tokens=cap)[1]
    # The cap ends the answer after its first sentence (the only sentence end within the cap).
    assert capped.answer_tokens == capped.answer_tokens_capped < capped.answer_tokens_whole
    assert [text for text, marked in capped.segments if marked][0].startswith(first)
    prompt_tokens = capped.prompt_tokens
    short = show_examples(ROWS, template, tokenizer, prompt_tokens + 20, False, count=2)[1]
    assert short.answer_tokens == 20 and short.answer_tokens_capped == short.answer_tokens_whole > 20
    none = show_examples(ROWS, template, tokenizer, prompt_tokens + 4, False, count=2)[1]
    assert none.skipped and none.segments == []


def test_seq2seq_marks_the_decoder_target(tiny_t5):
    tokenizer = load_tokenizer(str(tiny_t5))
    example = show_examples(ROWS[:1], PromptTemplate(), tokenizer, 128, seq2seq=True, count=1)[0]
    (prompt, untrained), (answer, trained) = example.segments
    assert not untrained and trained
    assert "What is gout?" in prompt and answer.startswith("A painful form of arthritis.")


def test_cli_dry_run_prints_marked_examples_and_trains_nothing(tiny_llama, tmp_path, run_cli):
    data = tmp_path / "data"
    data.mkdir()
    for split in ("train", "validation"):
        (data / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    out = tmp_path / "run"
    result = run_cli(
        "train", "--dry-run", "--examples", "2", "--model", str(tiny_llama), "--data", str(data), "--out", str(out),
        "--set", "max_answer_tokens=8",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert result.out.count(OPEN_MARK) == 1 + 2 and result.out.count(CLOSE_MARK) == 1 + 2  # the legend, 2 examples
    assert f"{OPEN_MARK}A painful" in result.out
    assert "cut by max_answer_tokens 8" in result.out
    assert not out.exists()
