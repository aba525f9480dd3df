"""Answers of the served assistant to a seeded sample of test questions, as Markdown (question,
answer with its [n] markers, sources), with the evaluation's faithfulness verdict per answer.
The questions are drawn by the seed, not chosen by hand. The last line is one JSON object.

    python bench/sample_answers.py --data runs/data --model runs/run-X/export --count 10

The index is the one the server uses (`medqa serve`: the bundled corpus, or --index DIR).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from medqa.evaluate.data import load_examples
from medqa.evaluate.faithfulness import judge_answer
from medqa.evaluate.grounded import numbered_sources


def main() -> None:
    from medqa.assistant.load import load_assistant

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a prepared data folder (its test split is sampled)")
    parser.add_argument("--model", default=None, help="the served model (default: the latest run, else the bundled)")
    parser.add_argument("--index", type=Path, default=None, help="the served index (default: the bundled corpus)")
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    examples = load_examples(args.data, "test", args.count, args.seed)
    assistant = load_assistant(args.model, args.index)
    supported = total = 0
    for number, example in enumerate(examples, start=1):
        answer = assistant.answer(example.question)
        judged = judge_answer(
            example.question, answer.answer, numbered_sources(answer), example.focus, answer.abstained
        )
        supported, total = supported + judged.supported, total + len(judged.sentences)
        print(f"{number}. **{example.question}**\n")
        print("   " + answer.answer.replace("\n", "\n   ") + "\n")
        for citation in answer.citations:
            print(f"   [{citation.number}] {citation.title} - {citation.url}")
        print(f"\n   (faithfulness: {judged.supported} of {len(judged.sentences)} sentences supported)\n")
    print(json.dumps({"questions": len(examples), "seed": args.seed, "model": args.model or "default",
                      "supported_sentences": supported, "sentences": total}))  # fmt: skip


if __name__ == "__main__":
    main()
