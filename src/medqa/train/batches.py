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
from medqa.prompt import IGNORE_INDEX, Encoded, PromptTemplate, encode_examples
from medqa.train.config import GroundingSettings
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
    examples = (
        ground_rows(rows, grounding, seed)
        if grounding is not None
        else [TrainingExample(r["question"], r["answer"]) for r in rows]
    )
    encoded = encode_examples(
        template,
        tokenizer,
        [(e.question, e.answer) for e in examples],
        max_length,
        seq2seq,
        passages=[e.passages for e in examples],
        max_answer_tokens=max_answer_tokens,
    )
    kept = [e for e in encoded if e is not None]
    grounded = sum(1 for e, x in zip(encoded, examples, strict=True) if e is not None and x.passages)
    return EncodedSplit(examples=kept, rows=len(rows), skipped=len(encoded) - len(kept), grounded=grounded)


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
