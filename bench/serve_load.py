"""Serving under load: the real `medqa serve`, 8 concurrent streaming clients.

Starts the server in its own process, measures the time from start to `GET /ready` == 200, then
runs --clients concurrent clients that each stream --questions answers through
`POST /v1/chat/completions` (stream=true, max_tokens <= 128). Prints p50/p95 time to first token
(first content that is answer text), p50/p95 full-answer latency, answers/s, errors, and the peak
resident memory of the server process (sampled every 50 ms). Last line: one JSON object
{"p95_ttft_s", "p95_latency_s", "answers_per_s", "errors", "peak_rss_mb", "ready_s"}.

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
from server_process import Server

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


def one_answer(client: httpx.Client, port: int, question: str, max_tokens: int) -> tuple[float, float]:
    """(time to first answer text, full latency) of one streamed answer."""
    body = {
        "model": "medqa",
        "stream": True,
        "max_tokens": max_tokens,
        "temperature": 0,
        "messages": [{"role": "user", "content": question}],
    }
    started = time.perf_counter()
    first = None
    with client.stream("POST", f"http://127.0.0.1:{port}/v1/chat/completions", json=body, timeout=300) as reply:
        reply.raise_for_status()
        for line in reply.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            delta = json.loads(line[6:])["choices"][0]["delta"]
            if first is None and delta.get("content"):
                first = time.perf_counter() - started
    total = time.perf_counter() - started
    return (first if first is not None else total), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="run/exported folder or base model (default: the server's)")
    parser.add_argument("--backend", default=None)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--questions", type=int, default=4, help="answers per client")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--ready-timeout", type=float, default=900)
    args = parser.parse_args()

    workdir = tempfile.TemporaryDirectory(prefix="medqa-serve-load-")  # the server's feedback database
    server = Server(args, Path(workdir.name))
    port = server.port
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
                    ttft, latency = one_answer(client, port, question, args.max_tokens)
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
    server.stop()
    workdir.cleanup()

    def pct(values: list[float], q: float) -> float:
        return float(np.percentile(values, q)) if values else float("nan")

    print(
        f"server ready after {ready_s:.1f} s; {args.clients} clients x {args.questions} answers, "
        f"max_tokens {args.max_tokens}, {args.workers} workers; load average {os.getloadavg()[0]:.2f}"
    )
    print(f"time to first token: p50 {pct(ttfts, 50):.2f} s, p95 {pct(ttfts, 95):.2f} s")
    print(f"full answer:         p50 {pct(latencies, 50):.2f} s, p95 {pct(latencies, 95):.2f} s")
    print(
        f"{len(latencies)} answers in {wall:.1f} s ({len(latencies) / wall:.2f} answers/s), {errors} errors, "
        f"peak server RSS {peak[0] / 2**20:.0f} MB"
    )
    print(
        json.dumps(
            {
                "p95_ttft_s": round(pct(ttfts, 95), 3),
                "p95_latency_s": round(pct(latencies, 95), 3),
                "answers_per_s": round(len(latencies) / wall, 3),
                "errors": errors,
                "peak_rss_mb": round(peak[0] / 2**20, 1),
                "ready_s": round(ready_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
