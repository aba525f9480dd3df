"""Serving under load: the real `medqa serve`, 8 concurrent streaming clients.

Starts the server in its own process, measures the time from start to `GET /ready` == 200, then
runs --clients concurrent clients that each stream --questions answers through
`POST /v1/chat/completions` (stream=true, max_tokens <= 128). Prints p50/p95 time to first token
(first content that is answer text), p50/p95 full-answer latency, answers/s, errors, and the peak
resident memory of the server process (sampled every 50 ms), and from /metrics the prompt tokens per
answer and the share reused from the llama.cpp cache. Last line: one JSON object
{"p50_ttft_s", "p95_ttft_s", "p50_latency_s", "p95_latency_s", "answers_per_s", "errors", "peak_rss_mb",
"ready_s", "prompt_tokens_per_answer", "prompt_cached_share"}. --prefill-chunk N and --no-prefix-cache
set the engine's scheduling for the run (MEDQA_LLAMACPP_PREFILL_CHUNK, MEDQA_LLAMACPP_PREFIX_CACHE=0),
to compare with the defaults; --prefill-chunk 512 --no-prefix-cache is the engine before issue 15.

    .venv/bin/python bench/serve_load.py [--model runs/train] [--backend auto] [--clients 8] [--questions 4]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
from server_process import Server, scrape, stream_answer

QUESTIONS = [
    "What are the symptoms of glaucoma?",
    "How is iron deficiency anemia treated?",
    "What causes kidney stones?",
    "Who is at risk for osteoporosis?",
    "How is high blood pressure diagnosed?",
    "What is the outlook for people with psoriasis?",
    "How can asthma attacks be prevented?",
    "What are the treatments for migraine?",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="run/exported folder or base model (default: the server's)")
    parser.add_argument("--backend", default=None)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--questions", type=int, default=4, help="answers per client")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--ready-timeout", type=float, default=900)
    parser.add_argument(
        "--prefill-chunk", type=int, default=None, help="the engine's prompt tokens per step while an answer starts"
    )
    parser.add_argument("--no-prefix-cache", action="store_true", help="read every prompt whole (no reuse)")
    args = parser.parse_args()
    # The server reads these (medqa.inference.backends.engine_tuning); unset, it uses its defaults.
    if args.prefill_chunk is not None:
        os.environ["MEDQA_LLAMACPP_PREFILL_CHUNK"] = str(args.prefill_chunk)
    if args.no_prefix_cache:
        os.environ["MEDQA_LLAMACPP_PREFIX_CACHE"] = "0"

    workdir = tempfile.TemporaryDirectory(prefix="medqa-serve-load-")  # the server's feedback database
    server = Server(args, Path(workdir.name))
    load_start = os.getloadavg()[0]
    ready_s = server.start()
    peak = [0]
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set() and (rss := server.rss()) is not None:
            peak[0] = max(peak[0], rss[0])
            time.sleep(0.05)

    threading.Thread(target=sample, daemon=True).start()
    ttfts, latencies, errors = [], [], 0
    lock = threading.Lock()

    def client_loop(number: int) -> None:
        nonlocal errors
        with httpx.Client() as client:
            for k in range(args.questions):
                question = QUESTIONS[(number + k) % len(QUESTIONS)]
                try:
                    ttft, latency, _ = stream_answer(client, server.url, question, args.max_tokens)
                except (httpx.HTTPError, ValueError, KeyError):
                    with lock:
                        errors += 1
                    continue
                with lock:
                    ttfts.append(ttft)
                    latencies.append(latency)

    started = time.perf_counter()
    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    sampling.set()
    metrics = scrape(server.url)
    server.stop()
    workdir.cleanup()

    def pct(values: list[float], q: float) -> float:
        return float(np.percentile(values, q)) if values else float("nan")

    print(
        f"server ready after {ready_s:.1f} s; {args.clients} clients x {args.questions} answers, "
        f"max_tokens {args.max_tokens}, {args.workers} workers; load average {load_start:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end"
    )
    print(f"time to first token: p50 {pct(ttfts, 50):.2f} s, p95 {pct(ttfts, 95):.2f} s")
    print(f"full answer:         p50 {pct(latencies, 50):.2f} s, p95 {pct(latencies, 95):.2f} s")
    print(
        f"{len(latencies)} answers in {wall:.1f} s ({len(latencies) / wall:.2f} answers/s), {errors} errors, "
        f"peak server RSS {peak[0] / 2**20:.0f} MB"
    )
    prompt = metrics.get("medqa_generator_prompt_tokens_total", 0.0)
    cached = metrics.get("medqa_generator_prompt_tokens_cached_total", 0.0)
    print(
        f"engine: {prompt:.0f} prompt tokens ({prompt / max(len(latencies), 1):.0f} per answer), "
        f"{cached / max(prompt, 1):.1%} reused from the cache; prefill chunk "
        f"{os.environ.get('MEDQA_LLAMACPP_PREFILL_CHUNK', 'default')}, prefix cache "
        f"{'off' if args.no_prefix_cache else 'on'}"
    )
    print(
        json.dumps(
            {
                "p50_ttft_s": round(pct(ttfts, 50), 3),
                "p95_ttft_s": round(pct(ttfts, 95), 3),
                "p50_latency_s": round(pct(latencies, 50), 3),
                "p95_latency_s": round(pct(latencies, 95), 3),
                "answers_per_s": round(len(latencies) / wall, 3),
                "errors": errors,
                "peak_rss_mb": round(peak[0] / 2**20, 1),
                "ready_s": round(ready_s, 2),
                "prompt_tokens_per_answer": round(prompt / max(len(latencies), 1), 1),
                "prompt_cached_share": round(cached / max(prompt, 1), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
