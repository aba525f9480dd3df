"""Training data: read the splits, tokenize once, and plan batches that waste no compute.

Batches are planned, not sampled: the plan of an epoch is a pure function of (lengths, seed, epoch),
so a resumed run, and every process of a distributed run, sees exactly the same order.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from medqa.errors import MedqaError
from medqa.prompt import IGNORE_INDEX, MIN_ANSWER_TOKENS, Encoded, PromptTemplate, encode_examples
from medqa.train.config import GroundingSettings, TrainConfig
from medqa.train.grounding import TrainingExample, ground_rows

Batch = list[list[int]]  # rows of example indices; a row holds one example, or several when packing
MEGABATCH = 32  # batches per length-sorted chunk: similar lengths together, order still random


@dataclass
class EncodedSplit:
    """A tokenized split and what was dropped on the way."""

    examples: list[Encoded]
    rows: int
    skipped: int
    grounded: int = 0
    """Kept examples asked with passages (the rest are closed)."""

    @property
    def supervised_tokens(self) -> int:
        return sum(e.supervised_tokens for e in self.examples)


def read_split(data_dir: Path, split: str) -> list[dict[str, str]]:
    """Rows of `data_dir/<split>.jsonl`, checked for the fields training needs."""
    path = Path(data_dir) / f"{split}.jsonl"
    if not path.is_file():
        raise MedqaError(
            f"data folder {data_dir} has no {split}.jsonl; it needs train.jsonl and validation.jsonl "
            f"(make them with: medqa data prepare --out {data_dir})"
        )
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise MedqaError(f"{path}, line {number}: not valid JSON ({exc.msg})") from exc
            if not isinstance(row, dict) or not all(isinstance(row.get(k), str) for k in ("question", "answer")):
                raise MedqaError(f"{path}, line {number}: needs text fields 'question' and 'answer'")
            rows.append(row)
    if not rows:
        raise MedqaError(f"{path} is empty")
    return rows


def encode_split(
    rows: Sequence[dict[str, str]],
    template: PromptTemplate,
    tokenizer: Any,
    max_length: int,
    seq2seq: bool,
    max_answer_tokens: int | None = None,
    grounding: GroundingSettings | None = None,
    seed: int = 0,
) -> EncodedSplit:
    """Tokenize every row once (prompt masked, long answers cut; see `prompt.encode_examples`).

    With `grounding`, a seeded share of the rows is asked with passages drawn from `rows` only
    (`train.grounding`); give it the training split, never a held-out one. Without it, every
    prompt is closed (validation loss is computed this way, comparable across mixes).
    """
    examples = _training_examples(rows, grounding, seed)
    encoded = _encode(examples, template, tokenizer, max_length, seq2seq, max_answer_tokens)
    kept = [e for e in encoded if e is not None]
    grounded = sum(1 for e, x in zip(encoded, examples, strict=True) if e is not None and x.passages)
    return EncodedSplit(examples=kept, rows=len(rows), skipped=len(encoded) - len(kept), grounded=grounded)


def _training_examples(
    rows: Sequence[dict[str, str]], grounding: GroundingSettings | None, seed: int
) -> list[TrainingExample]:
    """The rows as training examples: grounded (a seeded share with passages) or all closed."""
    if grounding is not None:
        return ground_rows(rows, grounding, seed)
    return [TrainingExample(r["question"], r["answer"]) for r in rows]


def _encode(
    examples: Sequence[TrainingExample],
    template: PromptTemplate,
    tokenizer: Any,
    max_length: int,
    seq2seq: bool,
    max_answer_tokens: int | None,
) -> list[Encoded | None]:
    return encode_examples(
        template,
        tokenizer,
        [(e.question, e.answer) for e in examples],
        max_length,
        seq2seq,
        passages=[e.passages for e in examples],
        max_answer_tokens=max_answer_tokens,
    )


@dataclass
class ShownExample:
    """One training example as the loss sees it, for `medqa train --dry-run`."""

    row: int
    """1-based position in the training split."""
    segments: list[tuple[str, bool]]
    """The model's input (and, for encoder-decoder models, its target) as decoded text runs, True
    where the loss is computed: read from the collated batch's labels, the tensor training uses."""
    prompt_tokens: int
    answer_tokens: int
    """Answer tokens trained on (the label mask's count)."""
    answer_tokens_whole: int
    """Answer tokens without max_answer_tokens and max_length: the difference is what is cut."""
    answer_tokens_capped: int
    """Answer tokens after max_answer_tokens only (the rest of the cut is max_length's)."""
    grounded: bool
    skipped: bool
    """The prompt leaves too little room for an answer within max_length: not trained on."""


def show_examples(
    rows: Sequence[dict[str, str]],
    template: PromptTemplate,
    tokenizer: Any,
    max_length: int,
    seq2seq: bool,
    count: int,
    max_answer_tokens: int | None = None,
    grounding: GroundingSettings | None = None,
    seed: int = 0,
) -> list[ShownExample]:
    """The first `count` training examples encoded and collated exactly as training does them, with the
    prompt and the trained answer told apart by the real label mask, and what the length limits cut."""
    examples = _training_examples(rows, grounding, seed)[:count]
    encoded = _encode(examples, template, tokenizer, max_length, seq2seq, max_answer_tokens)
    whole = _encode(examples, template, tokenizer, _NO_LIMIT, seq2seq, None)
    capped = _encode(examples, template, tokenizer, _NO_LIMIT, seq2seq, max_answer_tokens)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    shown = []
    for number, (example, kept, full, cap) in enumerate(zip(examples, encoded, whole, capped, strict=True), start=1):
        full_tokens = full.supervised_tokens if full else 0
        cap_tokens = cap.supervised_tokens if cap else 0
        if kept is None:
            shown.append(ShownExample(number, [], 0, 0, full_tokens, cap_tokens, bool(example.passages), True))
            continue
        batch = collate([[0]], [kept], pad, seq2seq)
        ids, labels = batch["input_ids"][0].tolist(), batch["labels"][0].tolist()
        if seq2seq:  # the encoder reads the prompt; the decoder is taught the labels
            segments = [(tokenizer.decode(ids), False), (tokenizer.decode(labels), True)]
            prompt_tokens = len(ids)
        else:
            segments = _runs(tokenizer, ids, [label != IGNORE_INDEX for label in labels])
            prompt_tokens = sum(1 for label in labels if label == IGNORE_INDEX)
        shown.append(
            ShownExample(
                number,
                segments,
                prompt_tokens,
                kept.supervised_tokens,
                full_tokens,
                cap_tokens,
                bool(example.passages),
                False,
            )
        )
    return shown


def preview(config: TrainConfig, count: int) -> list[ShownExample]:
    """`medqa train --dry-run`: the first `count` training examples of `config` as training would see
    them (its template, tokenizer, limits and grounding mix), without loading the model's weights."""
    from medqa.models import is_seq2seq, load_tokenizer, resolve_model

    rows = read_split(Path(config.data), "train")
    if config.max_train_examples:
        rows = rows[: config.max_train_examples]
    path = resolve_model(config.model)
    return show_examples(
        rows,
        config.prompt,
        load_tokenizer(path),
        config.max_length,
        is_seq2seq(path),
        count,
        config.max_answer_tokens,
        config.grounding,
        config.seed,
    )


OPEN_MARK, CLOSE_MARK = "\u27e6", "\u27e7"  # around trained text: visible without colour too


def print_examples(shown: Sequence[ShownExample], config: TrainConfig, console: Any) -> None:
    """Each example with its trained part between the marks (and in green), its token counts and cuts."""
    from rich.text import Text

    console.print(
        f"Trained tokens (the loss is computed on them) are between {OPEN_MARK} and {CLOSE_MARK}; "
        "everything else is prompt.",
        style="dim",
        highlight=False,
    )
    for example in shown:
        kind = "grounded prompt" if example.grounded else "closed prompt"
        console.rule(f"example {example.row} ({kind})")
        if example.skipped:
            console.print(
                f"skipped: the prompt leaves fewer than {MIN_ANSWER_TOKENS} answer tokens within max_length "
                f"{config.max_length}",
                highlight=False,
            )
            continue
        text = Text()
        for part, trained in example.segments:
            if trained:
                text.append(OPEN_MARK + part + CLOSE_MARK, style="bold green")
            else:
                text.append(part, style="dim")
        console.print(text)
        cut_cap = example.answer_tokens_whole - example.answer_tokens_capped
        cut_length = example.answer_tokens_capped - example.answer_tokens
        cuts = []
        if cut_cap:
            cuts.append(f"{cut_cap} cut by max_answer_tokens {config.max_answer_tokens}")
        if cut_length:
            cuts.append(f"{cut_length} cut by max_length {config.max_length}")
        console.print(
            f"{example.prompt_tokens} prompt tokens, {example.answer_tokens} answer tokens trained "
            f"(of {example.answer_tokens_whole}{': ' + ', '.join(cuts) if cuts else ', nothing cut'})",
            highlight=False,
        )


_NO_LIMIT = 1 << 30  # max_length that cuts nothing: what an example would be without the limits


def _runs(tokenizer: Any, ids: list[int], trained: list[bool]) -> list[tuple[str, bool]]:
    """Consecutive tokens with the same mask value, decoded as one text run each."""
    runs: list[tuple[str, bool]] = []
    start = 0
    for end in range(1, len(ids) + 1):
        if end == len(ids) or trained[end] != trained[start]:
            runs.append((tokenizer.decode(ids[start:end]), trained[start]))
            start = end
    return runs


def example_lengths(examples: Sequence[Encoded], seq2seq: bool) -> list[int]:
    """The cost proxy used to group batches: tokens processed per example."""
    return [len(e.input_ids) + (len(e.labels) if seq2seq else 0) for e in examples]


def plan_epoch(lengths: Sequence[int], batch_size: int, seed: int, epoch: int, pack_length: int | None) -> list[Batch]:
    """The batches of one epoch, shuffled with (seed, epoch).

    Without packing: indices are shuffled, cut into chunks of MEGABATCH batches, each chunk sorted by
    length, so a batch pads only to its own longest example. With packing: shuffled examples are
    laid end to end in rows of at most `pack_length` tokens (first fit), `batch_size` rows a batch.
    """
    rng = random.Random(seed * 100_003 + epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    if pack_length is not None:
        rows = _pack(order, lengths, pack_length)
        batches = [rows[i : i + batch_size] for i in range(0, len(rows), batch_size)]
    else:
        batches = []
        chunk_size = batch_size * MEGABATCH
        for start in range(0, len(order), chunk_size):
            chunk = sorted(order[start : start + chunk_size], key=lambda i: -lengths[i])
            batches += [[[i] for i in chunk[j : j + batch_size]] for j in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def split_batch(batch: Batch, lengths: Sequence[int], max_tokens: int | None) -> list[Batch]:
    """`batch` cut into micro-batches of at most `max_tokens` padded tokens (rows x longest row).

    Rows are taken longest first, so each micro-batch pads little; a row longer than the budget
    forms a micro-batch of its own. Without a budget the batch is returned whole, as it is.
    """
    if max_tokens is None:
        return [batch]
    sizes = {id(row): sum(lengths[i] for i in row) for row in batch}
    micro: list[Batch] = [[]]
    width = 0  # the longest row of the current micro-batch: its first, rows being sorted
    for row in sorted(batch, key=lambda r: -sizes[id(r)]):
        if micro[-1] and (len(micro[-1]) + 1) * width > max_tokens:
            micro.append([])
        if not micro[-1]:
            width = sizes[id(row)]
        micro[-1].append(row)
    return micro


def _pack(order: Sequence[int], lengths: Sequence[int], pack_length: int) -> list[list[int]]:
    """First-fit packing: each example goes into the first open row with room for it."""
    rows: list[list[int]] = []
    room: list[int] = []
    for index in order:
        size = lengths[index]
        for r, free in enumerate(room):
            if free >= size:
                rows[r].append(index)
                room[r] -= size
                break
        else:
            rows.append([index])
            room.append(pack_length - size)
    return rows


def collate(batch: Batch, examples: Sequence[Encoded], pad_id: int, seq2seq: bool) -> dict[str, torch.Tensor]:
    """Tensors for one batch, padded to its own longest row.

    A packed row gets position ids that restart at 0 for each example and no attention mask:
    transformers then builds a block-diagonal causal mask, so examples never attend to each other.
    """
    if seq2seq:
        inputs = [examples[row[0]].input_ids for row in batch]
        labels = [examples[row[0]].labels for row in batch]
        input_ids, attention = _pad(inputs, pad_id)
        return {"input_ids": input_ids, "attention_mask": attention, "labels": _pad(labels, IGNORE_INDEX)[0]}
    packed = any(len(row) > 1 for row in batch)
    ids = [sum((examples[i].input_ids for i in row), []) for row in batch]
    labels = [sum((examples[i].labels for i in row), []) for row in batch]
    input_ids, attention = _pad(ids, pad_id)
    out = {"input_ids": input_ids, "labels": _pad(labels, IGNORE_INDEX)[0]}
    if not packed:
        out["attention_mask"] = attention
        return out
    width = input_ids.shape[1]
    positions = []
    for row in batch:
        pos = [p for i in row for p in range(len(examples[i].input_ids))]
        positions.append(pos + list(range(width - len(pos))))  # padding forms its own segment
    out["position_ids"] = torch.tensor(positions)
    return out


def _pad(seqs: Sequence[Sequence[int]], value: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad to the longest sequence: (values, attention mask)."""
    width = max(len(s) for s in seqs)
    values = torch.full((len(seqs), width), value, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for r, seq in enumerate(seqs):
        values[r, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[r, : len(seq)] = 1
    return values, mask
