"""Grounded training: passages from the training split only, other topics as distractors, a seeded
mix, the loss on the answer only, and the schedule floor. Asserted on the prompts trained on."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from fakes import FACTS, make_tokenizer, tiny_config
from medqa.models import load_model
from medqa.prompt import IGNORE_INDEX, PromptTemplate, encode_examples, encode_prompt
from medqa.retrieval.corpus import chunk_answer
from medqa.train.batches import encode_split
from medqa.train.config import GroundingSettings
from medqa.train.grounding import ground_rows, topic_keys
from medqa.train.schedule import lr_factor

pytestmark = pytest.mark.usefixtures("one_thread")

MARKERS = {"validation": "zorblaxitis", "test": "quuxophobia"}


def topic_rows(n: int = 40) -> list[dict[str, str]]:
    """n rows in n // 2 groups of two (a symptoms and a treatment question per made-up disease)."""
    rows = []
    for i in range(n // 2):
        name = f"disease{i}"
        rows.append(
            {
                "question": f"What are the symptoms of {name}?",
                "answer": f"{name} causes fever{i} and cough{i}. Symptoms start early.",
                "group": f"g{i}",
                "focus": name,
            }
        )
        rows.append(
            {
                "question": f"How is {name} treated?",
                "answer": f"{name} is treated with drug{i} and rest. Treatment lasts weeks.",
                "group": f"g{i}",
                "focus": name,
            }
        )
    return rows


def write_marked_data(folder: Path) -> Path:
    """A data folder whose validation and test rows carry a marker word each, on every field."""
    folder.mkdir(parents=True, exist_ok=True)
    for split in ("train", "validation", "test"):
        marker = MARKERS.get(split, "")
        rows = [
            {
                "question": f"{q} {marker}".strip(),
                "answer": f"{a} {marker}".strip(),
                "group": f"{split}{i}",
                "focus": f"{marker}{i}",
            }
            for i, (q, a) in enumerate(FACTS)
        ]
        (folder / f"{split}.jsonl").write_text("\n".join(json.dumps(r) for r in rows * 3) + "\n", encoding="utf-8")
    return folder


def test_no_validation_or_test_text_enters_a_training_prompt(tmp_path: Path, tiny_llama: Path) -> None:
    from medqa.train.loop import _encode  # the call site training uses

    data = write_marked_data(tmp_path / "data")
    config = tiny_config(tiny_llama, data, tmp_path / "out", max_length=400, grounding=GroundingSettings(fraction=1.0))
    loaded = load_model(str(tiny_llama))
    train_split, val_split = _encode(config, loaded)

    prompts = [loaded.tokenizer.decode(e.input_ids) for e in train_split.examples]
    assert train_split.grounded == len(prompts) == 18
    assert all("[3]" in p for p in prompts)  # every one grounded, with three passages
    for marker in MARKERS.values():
        assert not any(marker in p for p in prompts), marker
    # The markers are really there to be leaked, and validation stays closed.
    assert val_split.grounded == 0
    val_prompts = [loaded.tokenizer.decode(e.input_ids) for e in val_split.examples]
    assert all(MARKERS["validation"] in p and "[1]" not in p for p in val_prompts)


def test_grounded_example_masks_everything_but_the_answer() -> None:
    tok = make_tokenizer(chat=True)
    template = PromptTemplate()
    question, answer = FACTS[0]
    passages = ("Inhalers help.", answer, "Gout is common in men.")
    (example,) = encode_examples(template, tok, [(question, answer)], 512, passages=[passages])
    prompt_ids = encode_prompt(template, tok, question, passages)  # exactly what the assistant sends
    answer_ids = tok(answer + "<|im_end|>", add_special_tokens=False)["input_ids"]
    assert example.input_ids == prompt_ids + answer_ids
    assert example.labels == [IGNORE_INDEX] * len(prompt_ids) + answer_ids
    assert "[3] Gout is common in men." in tok.decode(prompt_ids)


def test_mix_fraction_is_exact_and_seeded() -> None:
    rows = topic_rows(40)
    for fraction, grounded in ((0.0, 0), (0.25, 10), (0.5, 20), (1.0, 40)):
        examples = ground_rows(rows, GroundingSettings(fraction=fraction), seed=1)
        assert sum(1 for e in examples if e.passages) == grounded
        assert [e.question for e in examples] == [r["question"] for r in rows]  # same rows, same order
        assert all(len(e.passages) == 3 for e in examples if e.passages)

    settings = GroundingSettings(fraction=0.5)
    assert ground_rows(rows, settings, seed=1) == ground_rows(rows, settings, seed=1)
    assert ground_rows(rows, settings, seed=1) != ground_rows(rows, settings, seed=2)


def test_distractors_come_from_other_topics_at_shuffled_positions() -> None:
    rows = topic_rows(40)
    # A hyphen-spelled twin of disease0 in another group: the same topic, by its normalised focus.
    rows.append({**rows[1], "group": "other", "focus": "Disease-0", "question": "Disease 0 treatment?"})
    examples = ground_rows(rows, GroundingSettings(fraction=1.0), seed=3)
    own_position = set()
    for i, example in enumerate(examples):
        own = chunk_answer(rows[i]["answer"])
        assert example.answer == rows[i]["answer"]
        assert set(own) <= set(example.passages)
        distractors = [p for p in example.passages if p not in own]
        assert len(distractors) == 2
        for passage in distractors:
            owners = [j for j, r in enumerate(rows) if passage in chunk_answer(r["answer"])]
            assert owners and all(not (topic_keys(rows[i], i) & topic_keys(rows[j], j)) for j in owners)
        own_position.add(example.passages.index(own[0]))
    assert own_position == {0, 1, 2}  # the answer's passage is not always in the same place
    # The BM25 side picks close distractors: "treated" questions get treatment passages of other diseases.
    assert all("treated with" in p for p in examples[3].passages)


def test_a_long_answer_is_taught_only_as_far_as_its_passages_go() -> None:
    sentences = [f"Sentence {n} says fact{n} about the disease." for n in range(60)]
    long_answer = "\n".join(" ".join(sentences[k : k + 10]) for k in range(0, 60, 10))  # 6 paragraphs
    rows = [{"question": "What is the disease?", "answer": long_answer, "group": "a"}, *topic_rows(10)]
    settings = GroundingSettings(fraction=1.0, passages=3, max_words=80)
    example = ground_rows(rows, settings, seed=0)[0]
    chunks = chunk_answer(long_answer, 80)
    assert len(chunks) > 2
    assert set(chunks[:2]) <= set(example.passages) and chunks[2] not in example.passages
    assert long_answer.startswith(example.answer) and example.answer.endswith(".")
    assert " ".join(example.answer.split()) == " ".join(chunks[:2])  # every word taught is in a passage
    assert "\n" in example.answer  # the answer keeps its own line breaks


def test_training_data_with_one_topic_gets_no_distractors() -> None:
    rows = [{"question": f"What is asthma {i}?", "answer": FACTS[0][1], "group": "g"} for i in range(4)]
    examples = ground_rows(rows, GroundingSettings(fraction=1.0), seed=0)
    assert all(e.passages == (FACTS[0][1],) for e in examples)


def test_encode_split_counts_grounded_examples() -> None:
    tok = make_tokenizer(chat=True)
    rows = topic_rows(20)
    split = encode_split(rows, PromptTemplate(), tok, 512, False, grounding=GroundingSettings(fraction=0.5), seed=0)
    assert split.grounded == 10 and len(split.examples) == 20
    closed = encode_split(rows, PromptTemplate(), tok, 512, False)
    assert closed.grounded == 0
    assert [e.labels[e.labels.count(IGNORE_INDEX) :] for e in closed.examples] == [
        e.labels[e.labels.count(IGNORE_INDEX) :] for e in split.examples
    ]  # the targets are the same answers either way (short ones are never cut)


def test_schedule_warms_up_and_keeps_its_floor() -> None:
    cosine = [lr_factor(s, warmup=2, total=20, schedule="cosine", floor=0.1) for s in range(20)]
    assert cosine[0] == pytest.approx(1 / 3) and cosine[1] == pytest.approx(2 / 3) and cosine[2] == 1.0
    assert all(a >= b for a, b in zip(cosine[2:], cosine[3:], strict=False))
    assert min(cosine) >= 0.1 and cosine[-1] == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 17 / 18)))
    linear = [lr_factor(s, warmup=0, total=10, schedule="linear", floor=0.0) for s in range(11)]
    assert linear[0] == 1.0 and linear[10] == 0.0
    assert [lr_factor(s, 1, 10, "constant", 0.0) for s in range(4)] == [0.5, 1.0, 1.0, 1.0]


def test_training_run_mixes_prompts_and_saves_its_decoding(tmp_path: Path, tiny_llama: Path, tiny_data: Path) -> None:
    from medqa.prompt import Decoding
    from medqa.train import train

    config = tiny_config(
        tiny_llama,
        tiny_data,
        tmp_path / "run",
        max_length=400,
        max_steps=2,
        eval_every=0,
        save_every=0,
        grounding=GroundingSettings(fraction=0.5),
        min_lr_ratio=0.5,
        generation=Decoding(max_new_tokens=96, repetition_penalty=1.05),
    )
    result = train(config)
    assert result.steps == 2
    assert Decoding.load(result.out) == Decoding(max_new_tokens=96, repetition_penalty=1.05)
    saved = yaml.safe_load((result.out / "config.yaml").read_text())
    assert saved["grounding"]["fraction"] == 0.5 and saved["min_lr_ratio"] == 0.5
    rows = [json.loads(line) for line in (result.out / "metrics.jsonl").read_text().splitlines()]
    lrs = [r["lr"] for r in rows if r["split"] == "train"]
    assert lrs[-1] >= 0.5 * config.learning_rate  # the floor holds at the last step
