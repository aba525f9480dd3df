"""One user: sequential streamed grounded questions against the real `medqa serve`.

Starts the server in its own process (default: the bundled SmolLM2 GGUF on llama.cpp and the
bundled-corpus index), asks one warm-up question, then --questions grounded MedQuAD-style questions
one after another (stream=true, greedy, max_tokens <= 128), each timed from before the request is
sent: time to the first answer text and to the whole answer. Prints p50/p95 of both, the answer
kinds, the engine's prompt tokens per question (from /metrics); last line one JSON object
{"p50_first_text_s", "p95_first_text_s", "p50_answer_s", "p95_answer_s", "questions", "errors", ...}.
Targets (DESIGN.md): p95 first text <= 1 s, full answer <= 3 s.

    nice -n 19 .venv/bin/python bench/single_user.py [--model smollm2-135m] [--questions 20]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import httpx
import numpy as np
from server_process import Server, scrape, stream_answer

# Grounded questions the bundled corpus answers (MedQuAD topics), none an emergency.
QUESTIONS = [
    "What are the symptoms of glaucoma?",
    "How is iron deficiency anemia treated?",
    "What causes kidney stones?",
    "Who is at risk for osteoporosis?",
    "How is high blood pressure diagnosed?",
    "What is the outlook for people with psoriasis?",
    "How can asthma attacks be prevented?",
    "What are the treatments for migraine?",
    "What is celiac disease?",
    "How is shingles treated?",
    "What causes gout?",
    "What are the symptoms of hypothyroidism?",
    "How is Parkinson's disease diagnosed?",
    "What are the risk factors for type 2 diabetes?",
    "What is macular degeneration?",
    "How is tuberculosis spread?",
    "What are the complications of obesity?",
    "How is Lyme disease treated?",
    "What causes cataracts?",
    "What are the symptoms of COPD?",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m", help="run/exported folder or base model")
    parser.add_argument("--index", default=None, help="index folder (default: the bundled corpus)")
    parser.add_argument("--backend", default=None)
    parser.add_argument("--questions", type=int, default=len(QUESTIONS))
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--ready-timeout", type=float, default=900)
    args = parser.parse_args()

    workdir = tempfile.TemporaryDirectory(prefix="medqa-single-user-")  # the server's feedback database
    server = Server(args, Path(workdir.name))
    load_start = os.getloadavg()[0]
    ready_s = server.start()
    first_texts, answers, errors = [], [], 0
    try:
        with httpx.Client() as client:
            stream_answer(client, server.url, "What is asthma?", args.max_tokens)  # warm-up: first-call costs
            before = scrape(server.url)
            for number in range(args.questions):
                question = QUESTIONS[number % len(QUESTIONS)]
                try:
                    first, total, medqa = stream_answer(client, server.url, question, args.max_tokens)
                    kind = "abstained" if medqa.get("abstained") else "grounded"
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    print(f"error on {question!r}: {exc}")
                    errors += 1
                    continue
                first_texts.append(first)
                answers.append(total)
                print(f"{first:6.2f} s first text, {total:6.2f} s answer  [{kind}]  {question}")
        after = scrape(server.url)
    finally:
        server.stop()
        workdir.cleanup()

    def pct(values: list[float], q: float) -> float:
        return round(float(np.percentile(values, q)), 3) if values else float("nan")

    def delta(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)

    asked = max(len(answers), 1)
    kinds = {  # as /metrics counts them (medqa.server.metrics.answer_kind)
        key.split("kind=")[1].rstrip("}"): int(delta(key)) for key in after if key.startswith("medqa_answers_total{")
    }
    prompt, cached, written = (
        delta(f"medqa_generator_{name}_total") for name in ("prompt_tokens", "prompt_tokens_cached", "output_tokens")
    )
    print(
        f"server ready after {ready_s:.1f} s; {len(answers)} questions, one at a time, max_tokens {args.max_tokens}; "
        f"load average {load_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"
    )
    print(f"first text:  p50 {pct(first_texts, 50):.2f} s, p95 {pct(first_texts, 95):.2f} s (target <= 1 s)")
    print(f"full answer: p50 {pct(answers, 50):.2f} s, p95 {pct(answers, 95):.2f} s (target <= 3 s)")
    print(
        f"answers: {dict(kinds)}; engine per question: {prompt / asked:.0f} prompt tokens "
        f"({cached / max(prompt, 1):.1%} from the cache), {written / asked:.0f} tokens written; {errors} errors"
    )
    print(
        json.dumps(
            {
                "p50_first_text_s": pct(first_texts, 50),
                "p95_first_text_s": pct(first_texts, 95),
                "p50_answer_s": pct(answers, 50),
                "p95_answer_s": pct(answers, 95),
                "questions": len(answers),
                "errors": errors,
                "kinds": dict(kinds),
                "prompt_tokens_per_question": round(prompt / asked, 1),
                "prompt_cached_share": round(cached / max(prompt, 1), 3),
                "output_tokens_per_question": round(written / asked, 1),
                "ready_s": round(ready_s, 2),
                "load_average_start": round(load_start, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
