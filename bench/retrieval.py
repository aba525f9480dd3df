"""Retrieval benchmark: p95 latency of `Index.retrieve` over the whole bundled corpus, and recall@k.

Uses the index at --index (default runs/bench/index-medquad), building it from the bundled MedQuAD
with `build_index` when it is missing (minutes; its build time is stored in index.json and printed).

Held-out questions: every --every-th row of the corpus. Each is asked with every passage of its own
question masked out (so it never sees its own answer), and counts only when another question of
the same source page is in the index; a hit is a top-k passage from that page (same url). Latency
is the plain `retrieve(question, k)` call, query encoding included, after a short warm-up. The last
line of the output is one JSON object: {"p95_ms": ..., "recall_at_5": ...}.

`--dense-fractions 0,0.5,1` also measures recall@k in the stages of a staged build (the server on a
fresh cache, `medqa.retrieval.staged`): 0 is BM25 alone, 0.5 BM25 with the first half of the vectors
(chunks are computed in passage order), 1 the complete index; {"recall_at_5_by_dense_fraction": ...}.

    .venv/bin/python bench/retrieval.py [--index DIR] [--every 50] [--k 5] [--dense-fractions 0,1]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "runs" / "bench" / "index-medquad")
    parser.add_argument("--every", type=int, default=50, help="hold out every N-th corpus row as a question")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch intra-op threads (default: torch's own choice); 1 is "
        "steadier when other processes load the CPU, since a busy core stalls a 2-thread matrix multiply",
    )
    parser.add_argument("--dense-fractions", default="", help="e.g. 0,0.5,1: recall with only this share of vectors")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)

    from medqa.retrieval.corpus import read_corpus
    from medqa.retrieval.index import Index, IndexConfig, build_index

    if not (args.index / "index.json").is_file():
        print(f"building {args.index} from the bundled MedQuAD (minutes)...")
        build_index(IndexConfig(), args.index, overwrite=args.index.exists())
    started = time.perf_counter()
    index = Index.load(args.index)
    load_s = time.perf_counter() - started
    meta = index.meta
    print(
        f"index: {meta['passages']} passages from {meta.get('rows', '?')} rows; built in "
        f"{meta.get('total_seconds', meta.get('build_seconds', '?'))} s "
        f"(embedding {meta.get('embed_seconds', '?')} s); "
        f"loaded in {load_s * 1000:.0f} ms"
    )

    held_out = read_corpus()[:: args.every]
    passages_of: dict[str, set[int]] = {}  # question -> its passage ids (masked when it is asked)
    questions_of: dict[str, set[str]] = {}  # url -> the questions whose answers come from it
    for i, p in enumerate(index.passages):
        passages_of.setdefault(p.question, set()).add(i)
        questions_of.setdefault(p.url, set()).add(p.question)
    queries = [" ".join(r["question"].split()) for r in held_out]

    for q in queries[:10]:  # warm-up: first calls pay for lazy imports and page faults
        index.retrieve(q, args.k)
    latencies = []
    for q in queries:
        t = time.perf_counter()
        index.retrieve(q, args.k)
        latencies.append((time.perf_counter() - t) * 1000)

    def recall_at_k() -> tuple[int, int]:
        hits = counted = 0
        for row, q in zip(held_out, queries, strict=True):
            own = passages_of.get(q, set())
            if not row["url"] or not questions_of.get(row["url"], set()) - {q}:
                continue  # no other question of this page is indexed: nothing right to find
            counted += 1
            found = index.retrieve(q, args.k + len(own) + 50, exact_scores=False)
            ranked = [h for h in found if h.passage_id not in own][: args.k]
            hits += any(h.url == row["url"] for h in ranked)
        return hits, counted

    hits, counted = recall_at_k()
    p50, p95 = np.percentile(latencies, [50, 95])
    recall = hits / counted if counted else float("nan")
    print(f"{len(queries)} queries: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(latencies):.1f} ms")
    print(f"recall@{args.k}: {hits}/{counted} held-out questions whose page is in the index = {recall:.3f}")
    result = {"p95_ms": round(float(p95), 2), f"recall_at_{args.k}": round(recall, 4)}
    if args.dense_fractions:
        vectors, by_fraction = np.asarray(index.vectors), {}
        for fraction in (float(f) for f in args.dense_fractions.split(",")):
            ready = np.arange(len(index.passages)) < round(fraction * len(index.passages))
            index.swap_dense(vectors, ready)
            staged_hits, staged_counted = recall_at_k()
            staged_recall = by_fraction[f"{fraction:g}"] = round(staged_hits / staged_counted, 4)
            print(f"recall@{args.k} with {fraction:.0%} of the vectors (BM25 for the rest): {staged_recall}")
        result[f"recall_at_{args.k}_by_dense_fraction"] = by_fraction
    print(f"torch threads {_threads()}; load average {_load()}")
    print(json.dumps(result))


def _threads() -> int:
    import torch

    return torch.get_num_threads()


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()
