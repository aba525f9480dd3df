"""Training speed: `medqa train` against TRL and a naive baseline, side by side, same model, data and LoRA.

medqa path : the CPU recipe (configs/train-cpu.yaml): bfloat16 autocast where supported, length-grouped
             batches padded only to their own longest example and cut into micro-batches of at most
             max_batch_tokens padded tokens, logits only at answer positions.
baseline   : the plain transformers Trainer in float32, every example padded to the same max_length,
             no grouping or packing; the same LoRA settings, examples and effective batch. To fit in
             memory it runs max_batch_tokens // max_length examples per pass (the same token budget
             per pass as the medqa path) with gradient accumulation up to the batch size.
trl        : what a user would pick instead: TRL's SFTTrainer (`pip install 'medqa[bench]'`) in its best CPU
             settings: bf16 autocast, loss on the answer only (the same tokenized examples and labels as
             the baseline), no gradient checkpointing, the recipe's LoRA and batch, and either padding-free
             batches (one flattened row per batch, sequences kept apart by their position ids) or rows padded
             to the batch's longest (--trl padding_free padded: both are run and the faster one counts).

Both train on the same examples (the bundled MedQuAD, a seeded sample) and count the same supervised
(answer) tokens. Each runs in its own process so that peak memory is measured separately. Prints a
table, then one JSON line:
{"speedup", "speedup_vs_trl", "medqa_tokens_per_s", "trl_tokens_per_s", "baseline_tokens_per_s", "mfu",
 "trl_mfu", "peak_rss_mb", ...}.

    .venv/bin/python bench/train_speed.py [--examples 48] [--peak-gflops 730] [--trl padding_free padded]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import multiprocessing as mp
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

RECIPE = ROOT / "configs" / "train-cpu.yaml"


def sample_data(folder: Path, examples: int, seed: int = 0) -> Path:
    """train/validation.jsonl from a seeded sample of the bundled MedQuAD CSV."""
    from medqa.resources import bundled_medquad

    with gzip.open(bundled_medquad(), "rt", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["question"].strip() and r["answer"].strip()]
    rng = random.Random(seed)
    picked = rng.sample(rows, examples + 8)
    folder.mkdir(parents=True, exist_ok=True)
    for split, part in (("train", picked[:examples]), ("validation", picked[examples:])):
        lines = [
            json.dumps({"question": r["question"], "answer": r["answer"], "group": str(i)}) for i, r in enumerate(part)
        ]
        (folder / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def run_medqa(data: Path, out: Path, examples: int, as_is: bool, queue: mp.Queue) -> None:
    """`medqa train` as the CPU recipe configures it, for examples / batch_size steps; unless `as_is`, on the
    other sides' work (closed prompts, answers not capped), so that answer tokens/s compare like for like."""
    from medqa.config import load_config, read_recipe
    from medqa.train import TrainConfig, train
    from medqa.train.outputs import read_metrics

    steps = examples // read_recipe(RECIPE)["batch_size"]
    overrides = {"data": str(data), "out": str(out), "overwrite": True, "max_steps": steps, "max_minutes": None,
                 "eval_every": 0, "max_eval_examples": 0, "save_every": 0}  # fmt: skip
    if not as_is:  # the same work as the other sides: closed prompts, whole answers
        overrides.update({"grounding.fraction": 0.0, "max_answer_tokens": None})
    config = load_config(TrainConfig, RECIPE, overrides)
    cpu = _cpu_seconds()
    train(config)
    cpu = _cpu_seconds() - cpu  # includes loading the model, which the wall time below leaves out
    rows = [r for r in read_metrics(out / "metrics.jsonl") if r["split"] == "train"]
    seconds = rows[-1]["elapsed_s"]
    queue.put({"supervised_tokens": sum(r["supervised_tokens"] for r in rows), "seconds": seconds,
               "peak_rss_mb": _peak_rss_mb(), "max_length": config.max_length, "batch_size": config.batch_size,
               "precision": config.precision, "steps": len(rows), "batching": config.batching,
               "max_batch_tokens": config.max_batch_tokens, "cpu_seconds": cpu})  # fmt: skip


def run_baseline(data: Path, out: Path, examples: int, queue: mp.Queue) -> None:
    """Plain transformers Trainer: float32, pad to max_length, no grouping, same LoRA and batch."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import Trainer, TrainingArguments

    from medqa.config import load_config
    from medqa.models import load_model
    from medqa.prompt import IGNORE_INDEX, encode_examples
    from medqa.train import TrainConfig
    from medqa.train.batches import read_split

    config = load_config(TrainConfig, RECIPE, {"data": str(data)})
    loaded = load_model(config.model)
    rows = read_split(data, "train")
    encoded = [
        e for e in encode_examples(config.prompt, loaded.tokenizer, [(r["question"], r["answer"]) for r in rows],
                                   config.max_length) if e is not None
    ]  # fmt: skip
    pad = loaded.tokenizer.pad_token_id

    def collate(batch):  # every example padded to the same maximum length
        width = config.max_length
        ids = torch.full((len(batch), width), pad)
        labels = torch.full((len(batch), width), IGNORE_INDEX)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for i, e in enumerate(batch):
            ids[i, : len(e.input_ids)] = torch.tensor(e.input_ids)
            labels[i, : len(e.labels)] = torch.tensor(e.labels)
            mask[i, : len(e.input_ids)] = 1
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}

    lora = LoraConfig(r=config.lora.r, lora_alpha=config.lora.alpha, lora_dropout=config.lora.dropout,
                      target_modules=config.lora.target_modules, task_type="CAUSAL_LM")  # fmt: skip
    model = get_peft_model(loaded.model, lora)
    per_pass = baseline_micro_batch(config)
    args = TrainingArguments(
        output_dir=str(out), per_device_train_batch_size=per_pass, max_steps=examples // config.batch_size,
        gradient_accumulation_steps=config.batch_size // per_pass,
        learning_rate=config.learning_rate, lr_scheduler_type="cosine", logging_steps=1, save_strategy="no",
        report_to=[], use_cpu=True, dataloader_num_workers=0, remove_unused_columns=False, seed=config.seed,
    )  # fmt: skip
    trainer = Trainer(model=model, args=args, train_dataset=encoded, data_collator=collate)
    start, cpu = time.perf_counter(), _cpu_seconds()
    trainer.train()
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    # One epoch over all examples (a multiple of the batch size): the same answer tokens as the medqa side.
    assert len(encoded) == (examples // config.batch_size) * config.batch_size, "use a multiple of batch_size"
    supervised = sum(e.supervised_tokens for e in encoded)
    queue.put({"supervised_tokens": supervised, "seconds": seconds, "peak_rss_mb": _peak_rss_mb(),
               "per_pass": per_pass, "cpu_seconds": cpu})  # fmt: skip


def run_trl(data: Path, out: Path, examples: int, variant: str, queue: mp.Queue) -> None:
    """TRL's SFTTrainer in its best CPU settings on the baseline's tokenized examples (answer-only labels)."""
    from datasets import Dataset
    from peft import LoraConfig
    from trl import SFTConfig, SFTTrainer

    from medqa.config import load_config
    from medqa.hardware import bf16_supported
    from medqa.models import load_model
    from medqa.prompt import encode_examples
    from medqa.train import TrainConfig
    from medqa.train.batches import read_split

    config = load_config(TrainConfig, RECIPE, {"data": str(data)})
    loaded = load_model(config.model)
    rows = read_split(data, "train")
    encoded = [
        e for e in encode_examples(config.prompt, loaded.tokenizer, [(r["question"], r["answer"]) for r in rows],
                                   config.max_length) if e is not None
    ]  # fmt: skip
    # Already tokenized with labels (-100 on the prompt): TRL trains on them as they are (completion-only loss).
    dataset = Dataset.from_list([{"input_ids": e.input_ids, "labels": e.labels} for e in encoded])
    lora = LoraConfig(r=config.lora.r, lora_alpha=config.lora.alpha, lora_dropout=config.lora.dropout,
                      target_modules=config.lora.target_modules, task_type="CAUSAL_LM")  # fmt: skip
    args = SFTConfig(
        output_dir=str(out), per_device_train_batch_size=config.batch_size, max_steps=examples // config.batch_size,
        learning_rate=config.learning_rate, lr_scheduler_type="cosine", logging_steps=1, save_strategy="no",
        report_to=[], use_cpu=True, dataloader_num_workers=0, seed=config.seed,
        bf16=bf16_supported(False), gradient_checkpointing=False, max_length=None,  # cut by encode_examples
        padding_free=variant == "padding_free", completion_only_loss=True,
    )  # fmt: skip
    trainer = SFTTrainer(model=loaded.model, args=args, train_dataset=dataset, peft_config=lora)
    start, cpu = time.perf_counter(), _cpu_seconds()
    trainer.train()
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    assert len(encoded) == (examples // config.batch_size) * config.batch_size, "use a multiple of batch_size"
    supervised = sum(e.supervised_tokens for e in encoded)
    processed = sum(len(e.input_ids) for e in encoded)
    queue.put({"supervised_tokens": supervised, "seconds": seconds, "peak_rss_mb": _peak_rss_mb(),
               "cpu_seconds": cpu, "bf16": args.bf16, "processed_tokens": processed})  # fmt: skip


def baseline_micro_batch(config) -> int:
    """Examples per baseline pass: the medqa token budget at full padding, dividing the batch size."""
    if config.max_batch_tokens is None:
        return config.batch_size
    fits = max(1, min(config.batch_size, config.max_batch_tokens // config.max_length))
    return max(n for n in range(1, fits + 1) if config.batch_size % n == 0)


def _cpu_seconds() -> float:
    """CPU time of this process so far (all threads): what the work cost, whoever else shares the cores."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_child(target, *args) -> dict:
    """Run one side in a fresh process: separate peak memory, no state shared between the two."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def model_flops_per_token() -> tuple[float, float]:
    """(FLOPs per processed token in the transformer body, FLOPs per answer token in the LM head)
    for LoRA training of the bundled model: forward 2N plus input gradients 2N (frozen weights need
    no weight gradients; the adapters' own FLOPs are negligible)."""
    from medqa.models import resolve_model

    config = json.loads((Path(resolve_model("smollm2-135m")) / "config.json").read_text())
    d, layers, ffn, vocab = (
        config["hidden_size"],
        config["num_hidden_layers"],
        config["intermediate_size"],
        config["vocab_size"],
    )
    kv = d * config["num_key_value_heads"] // config["num_attention_heads"]
    body = layers * (2 * d * d + 2 * d * kv + 3 * d * ffn)
    return 4.0 * body, 4.0 * d * vocab


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=48, help="training examples for each side")
    parser.add_argument("--peak-gflops", type=float, default=730.0, help="measured bf16 matmul peak of this machine")
    parser.add_argument(
        "--trl", nargs="*", default=["padding_free", "padded"], choices=["padding_free", "padded"],
        help="TRL variants to run (none: skip TRL); the fastest is TRL's figure",
    )  # fmt: skip
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive baseline")
    parser.add_argument(
        "--recipe-as-is", action="store_true",
        help="medqa trains with the recipe's grounded prompts and answer cap (not the other sides' work)",
    )  # fmt: skip
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="medqa-bench-") as tmp:
        data = sample_data(Path(tmp) / "data", args.examples)
        from medqa.models import resolve_model

        resolve_model("smollm2-135m")  # convert once, outside both timings
        load = os.getloadavg()[0]
        medqa = _in_child(run_medqa, data, Path(tmp) / "medqa", args.examples, args.recipe_as_is)
        trl = {v: _in_child(run_trl, data, Path(tmp) / f"trl-{v}", args.examples, v) for v in args.trl}
        baseline = None if args.no_baseline else _in_child(run_baseline, data, Path(tmp) / "baseline", args.examples)
        tokens_processed = _processed_tokens(data, medqa["max_length"])

    body, head = model_flops_per_token()

    def mfu(side: dict, processed: int) -> float:
        flops = processed * body + side["supervised_tokens"] * head
        return flops / side["seconds"] / (args.peak_gflops * 1e9)

    sides = {"medqa": medqa, **{f"trl {v}": side for v, side in trl.items()}}
    if baseline is not None:
        sides["baseline"] = baseline
    for side in sides.values():
        side["tps"] = side["supervised_tokens"] / side["seconds"]
        side["cpu_per_token"] = side["cpu_seconds"] / side["supervised_tokens"]
    medqa_mfu = mfu(medqa, tokens_processed)
    print(f"examples {args.examples}, max_length {medqa['max_length']}, batch {medqa['batch_size']}, "
          f"medqa {medqa['batching']} batching, precision {medqa['precision']}, max_batch_tokens "
          f"{medqa['max_batch_tokens']}; TRL bf16 {any(s['bf16'] for s in trl.values())}; "
          f"load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at end")  # fmt: skip
    print(f"{'':18} {'answer tokens':>14} {'seconds':>9} {'CPU s':>8} {'answer tok/s':>13} {'peak RSS MB':>12}")
    for name, side in sides.items():
        print(f"{name:18} {side['supervised_tokens']:>14} {side['seconds']:>9.1f} {side['cpu_seconds']:>8.1f} "
              f"{side['tps']:>13.1f} {side['peak_rss_mb']:>12.0f}")  # fmt: skip
    # Under contention wall time depends on who else runs; CPU time per answer token much less so.
    summary = {"medqa_tokens_per_s": round(medqa["tps"], 1), "mfu": round(medqa_mfu, 4),
               "peak_rss_mb": round(medqa["peak_rss_mb"], 1)}  # fmt: skip
    if trl:
        best = max(trl, key=lambda v: trl[v]["tps"])
        best_side = trl[best]
        speedup = medqa["tps"] / best_side["tps"]
        cpu_ratio = best_side["cpu_per_token"] / medqa["cpu_per_token"]
        trl_mfu = mfu(best_side, best_side["processed_tokens"])
        print(f"vs TRL ({best}): {speedup:.2f}x (CPU time per answer token: {cpu_ratio:.2f}x); "
              f"MFU medqa {medqa_mfu:.1%}, TRL {trl_mfu:.1%} of {args.peak_gflops:.0f} GFLOP/s")  # fmt: skip
        summary.update(speedup_vs_trl=round(speedup, 3), cpu_speedup_vs_trl=round(cpu_ratio, 3), trl_variant=best,
                       trl_tokens_per_s=round(best_side["tps"], 1), trl_mfu=round(trl_mfu, 4),
                       trl_peak_rss_mb=round(best_side["peak_rss_mb"], 1))  # fmt: skip
    if baseline is not None:
        speedup = medqa["tps"] / baseline["tps"]
        cpu_ratio = baseline["cpu_per_token"] / medqa["cpu_per_token"]
        print(f"vs naive baseline: {speedup:.2f}x (CPU time per answer token: {cpu_ratio:.2f}x)")
        summary.update(speedup=round(speedup, 3), cpu_speedup=round(cpu_ratio, 3),
                       baseline_tokens_per_s=round(baseline["tps"], 1),
                       baseline_peak_rss_mb=round(baseline["peak_rss_mb"], 1))  # fmt: skip
    print(json.dumps(summary))


def _processed_tokens(data: Path, max_length: int) -> int:
    """Real (unpadded) tokens of the examples the medqa side trained on."""
    from medqa.models import load_tokenizer, resolve_model
    from medqa.prompt import PromptTemplate, encode_examples
    from medqa.train.batches import read_split

    rows = read_split(data, "train")
    tokenizer = load_tokenizer(resolve_model("smollm2-135m"))
    encoded = encode_examples(PromptTemplate(), tokenizer, [(r["question"], r["answer"]) for r in rows], max_length)
    return sum(len(e.input_ids) for e in encoded if e is not None)


if __name__ == "__main__":
    main()
