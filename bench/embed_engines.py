"""Bulk MiniLM embedding: passages/s of each engine on the same sample of the bundled corpus, side by side.

Engines: llama.cpp (medqa's MiniLM GGUF, one text per call, at 1 and 2 threads), sentence-transformers
on torch in float32 and under bfloat16 autocast (where the CPU has native bf16), at a few batch sizes.
Each engine's vectors are compared with torch float32 (the reference): the minimum row cosine must be
>= 0.999 for an engine to be allowed to build an index. Run it with `nice -n 19` on a shared machine;
the engines run one after another in one process so they see the same load. Last line: one JSON object.

    nice -n 19 .venv/bin/python bench/embed_engines.py [--passages 2000]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=2000, help="a seeded sample of this many passages")
    parser.add_argument("--batch-sizes", default="32,64,128", help="torch batch sizes to try")
    args = parser.parse_args()

    from medqa.retrieval.corpus import passages_from_rows, read_corpus
    from medqa.retrieval.embedding import MiniLMEmbedder
    from medqa.retrieval.minilm_llamacpp import MiniLMLlamaCpp

    passages = passages_from_rows(read_corpus())
    rng = np.random.default_rng(0)
    picked = rng.choice(len(passages), size=min(args.passages, len(passages)), replace=False)
    texts = [passages[int(i)].index_text() for i in picked]
    print(f"{len(texts)} passages of {len(passages)}; load average {_load()}")

    results: dict[str, dict[str, float]] = {}
    reference: np.ndarray | None = None

    def measure(name: str, encode: Callable[[list[str]], np.ndarray]) -> None:
        nonlocal reference
        encode(texts[:8])  # warm-up: lazy loads, first-call allocations
        started = time.perf_counter()
        vectors = np.asarray(encode(texts), dtype=np.float32)
        seconds = time.perf_counter() - started
        if reference is None:
            reference = vectors
        cosine = float(np.min(np.sum(vectors * reference, axis=1)))
        results[name] = {"passages_per_s": round(len(texts) / seconds, 1), "min_cosine": round(cosine, 5)}
        print(f"{name:28s} {len(texts) / seconds:7.1f} passages/s  min cosine {cosine:.5f}  (load {_load()})")

    import torch

    for batch_size in (int(b) for b in args.batch_sizes.split(",")):
        fp32 = MiniLMEmbedder(batch_size=batch_size, engine="torch")
        fp32.bf16 = False  # type: ignore[misc]  # overriding the cached property: the float32 reference
        measure(f"torch-fp32-b{batch_size}", lambda t, e=fp32: e.encode(t))
        if torch.backends.cpu.get_cpu_capability() and MiniLMEmbedder().bf16:
            bf16 = MiniLMEmbedder(batch_size=batch_size, engine="torch")
            measure(f"torch-bf16-b{batch_size}", lambda t, e=bf16: e.encode(t))
    for threads in (1, 2):
        engine = MiniLMLlamaCpp(n_threads=threads)
        measure(f"llamacpp-{threads}t", engine.encode)
        engine.close()
    print(json.dumps(results))


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()
