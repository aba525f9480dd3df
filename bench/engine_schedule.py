"""The llama.cpp engine's prompt schedule and prefix cache, A/B in one process, 8 users at once.

Loads the bundled GGUF (or --gguf) once per setting and runs --clients closed-loop users, each asking
--rounds grounded prompts (the assistant's template: system prompt, 3 MedQuAD passages of <= 120
words, a question; ~600 tokens) one after another, greedy, --max-tokens each. Times, per answer, its
first --first-tokens tokens (about a first sentence: what the user waits for before the first text,
since the guard shows whole sentences) and its whole answer. The settings run in turns (A B A B...)
so that other load on the machine hits them alike. Last line: one JSON object with p50/p95 per setting.

    nice -n 19 .venv/bin/python bench/engine_schedule.py [--clients 8] [--rounds 2] [--repeats 1]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

# (name, prefill_chunk, reuse_prefix): the engine before issue 15 read up to 512 prompt tokens a step
SETTINGS = [
    ("before: 512-token steps, no cache", 512, False),
    ("prefix cache alone", 512, True),
    ("chunk 64 + prefix cache (default)", 64, True),
]


def grounded_prompts(count: int, seed: int = 0) -> list[list[int]]:
    """Prompt token ids as the assistant builds them, from MedQuAD answers cut to 120-word passages."""
    from medqa.inference.backends import gguf_source
    from medqa.models import BUNDLED_MODEL
    from medqa.prompt import encode_prompt
    from medqa.resources import bundled_medquad

    _, tokenizer, template = gguf_source(BUNDLED_MODEL)
    with gzip.open(bundled_medquad(), "rt", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if len(r["answer"].split()) >= 120]
    rng = random.Random(seed)
    prompts = []
    for _ in range(count):
        picked = rng.sample(rows, 3)
        passages = [" ".join(r["answer"].split()[:120]) for r in picked]
        prompts.append(encode_prompt(template, tokenizer, picked[0]["question"], passages, []))
    return prompts


def run(gguf: Path, prompts: list[list[int]], args: argparse.Namespace, chunk: int, reuse: bool) -> dict:
    from medqa.hardware import cpu_threads
    from medqa.inference.base import GenerationSettings
    from medqa.inference.llamacpp_engine import BatchEngine

    engine = BatchEngine(gguf, cpu_threads(), n_parallel=8, prefill_chunk=chunk, reuse_prefix=reuse)
    settings = GenerationSettings(max_new_tokens=args.max_tokens, repetition_penalty=1.1)
    firsts, totals = [], []
    lock = threading.Lock()

    def client(number: int) -> None:
        for k in range(args.rounds):
            prompt = prompts[(number * args.rounds + k) % len(prompts)]
            started = time.perf_counter()
            first = None
            for count, _ in enumerate(engine.stream(prompt, settings), 1):
                if count == args.first_tokens:
                    first = time.perf_counter() - started
            total = time.perf_counter() - started
            with lock:
                firsts.append(first if first is not None else total)
                totals.append(total)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    stats = engine.stats()
    engine.close()
    cached = stats.cached_prompt_tokens / stats.prompt_tokens
    return {"firsts": firsts, "totals": totals, "wall": wall, "cached": cached}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", type=Path, default=None, help="default: the bundled SmolLM2 GGUF")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="prompts per client, one after another")
    parser.add_argument("--repeats", type=int, default=1, help="turns of every setting")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--first-tokens", type=int, default=20, help="tokens that stand for the first sentence")
    args = parser.parse_args()
    from medqa.models import bundled_gguf

    gguf = args.gguf or bundled_gguf()
    prompts = grounded_prompts(args.clients * args.rounds)
    results: dict[str, dict] = {name: {"firsts": [], "totals": [], "wall": 0.0, "cached": 0.0} for name, *_ in SETTINGS}
    load = os.getloadavg()[0]
    for _ in range(args.repeats):
        for name, chunk, reuse in SETTINGS:
            result = run(gguf, prompts, args, chunk, reuse)
            for key in ("firsts", "totals"):
                results[name][key] += result[key]
            results[name]["wall"] += result["wall"]
            results[name]["cached"] = result["cached"]

    def pct(values: list[float], q: float) -> float:
        return round(float(np.percentile(values, q)), 2)

    print(
        f"{args.clients} clients x {args.rounds} prompts of {np.mean([len(p) for p in prompts]):.0f} tokens "
        f"(mean), {args.max_tokens} new tokens, first text = {args.first_tokens} tokens; {args.repeats} turn(s); "
        f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )
    summary = {}
    for name, result in results.items():
        answers = len(result["totals"])
        figures = {
            "p50_first_s": pct(result["firsts"], 50),
            "p95_first_s": pct(result["firsts"], 95),
            "p50_answer_s": pct(result["totals"], 50),
            "p95_answer_s": pct(result["totals"], 95),
            "answers_per_s": round(answers / result["wall"], 3),
            "prompt_cached_share": round(result["cached"], 3),
        }
        print(f"{name:36} " + ", ".join(f"{k} {v}" for k, v in figures.items()))
        summary[name] = figures
    before = summary[SETTINGS[0][0]]
    for name, *_ in SETTINGS[1:]:  # how many times shorter the p95 wait for a first sentence is than before
        summary[name]["p95_first_speedup"] = round(before["p95_first_s"] / summary[name]["p95_first_s"], 2)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
