"""The served assistant on the hand-written patient questions of tests/data/faithful_questions.jsonl
(common and rare conditions, yes/no questions, follow-ups: a row with "follows" is asked after the
row it names, with that exchange as the conversation), for reading each answer against its passages.

    python bench/faithful_questions.py --model smollm2-135m > answers.jsonl

Each line is one answer: the question, the structured answer (sentences generated/quoted with their
citations, what was removed and why) and the passages; the last line is one JSON object of counts.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "faithful_questions.jsonl"


def main() -> None:
    from medqa.assistant.load import load_assistant

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m", help="the served model (default: the bundled one)")
    parser.add_argument("--index", type=Path, default=None, help="the served index (default: the bundled corpus)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    assistant = load_assistant(args.model, args.index)
    shown: dict[int, str] = {}
    by_id = {row["id"]: row for row in rows}
    counts = {"answers": 0, "generated": 0, "quoted": 0, "removed": 0, "extractive": 0, "abstained": 0}
    for row in rows:
        history = []
        if "follows" in row:
            earlier = by_id[row["follows"]]
            history = [
                {"role": "user", "content": earlier["question"]},
                {"role": "assistant", "content": shown[earlier["id"]]},
            ]
        answer = assistant.answer(row["question"], history)
        shown[row["id"]] = answer.full_text()
        data = answer.as_dict(with_passages=True)
        print(json.dumps({"id": row["id"], "question": row["question"], "type": row.get("type", ""), **data},
                         ensure_ascii=False), flush=True)  # fmt: skip
        counts["answers"] += 1
        counts["generated"] += sum(s.source == "generated" for s in answer.sentences)
        counts["quoted"] += sum(s.source == "quoted" for s in answer.sentences)
        counts["removed"] += len(answer.removed)
        counts["extractive"] += answer.extractive
        counts["abstained"] += answer.abstained
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
