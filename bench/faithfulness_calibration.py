"""Calibrate the evaluation's faithfulness test (medqa.evaluate.faithfulness.SUPPORT_PRECISION).

A good threshold separates two cases: each sentence of a reference answer, judged against the
passages cut from that same answer, should be supported; judged against the passages of another
topic's answer to the same kind of question (the hardest wrong source: same template, same
vocabulary), it should not. Also reports how often the yes/no polarity of a reference answer can be
read (it should be nearly always). The last line is one JSON object.

    python bench/faithfulness_calibration.py --data runs/data --split test --questions 300
"""

from __future__ import annotations

import argparse
import json
import random

from medqa.evaluate.data import load_examples
from medqa.evaluate.faithfulness import (
    SUPPORT_PRECISION,
    Source,
    cited_sentences,
    content_words,
    is_yes_no,
    judge_sentence,
    polarity,
    predicate_words,
)
from medqa.retrieval.corpus import chunk_answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a prepared data folder")
    parser.add_argument("--split", default="test")
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    examples = load_examples(args.data, args.split)
    rng = random.Random(args.seed)
    sample = rng.sample(examples, min(args.questions, len(examples)))
    own, other = [], []  # (sentence, sources) pairs
    for example in sample:
        peers = [e for e in examples if e.qtype == example.qtype and e.focus != example.focus] or examples
        stranger = rng.choice(peers)
        mine = [Source(chunk, example.focus) for chunk in chunk_answer(example.reference)]
        theirs = [Source(chunk, stranger.focus) for chunk in chunk_answer(stranger.reference)]
        for sentence, _ in cited_sentences(example.reference):
            if content_words(sentence):
                own.append((sentence, mine))
                other.append((sentence, theirs))
    print(f"{len(sample)} questions, {len(own)} reference sentences")
    print("precision  own answer supports  same-type other topic supports")
    rows = {}
    for threshold in (0.5, 0.6, 0.7, 0.8, 0.9):
        share_own = sum(judge_sentence(s, src, threshold)[0] for s, src in own) / len(own)
        share_other = sum(judge_sentence(s, src, threshold)[0] for s, src in other) / len(other)
        rows[f"{threshold:.1f}"] = (round(share_own, 4), round(share_other, 4))
        print(f"{threshold:9.1f}  {share_own:19.3f}  {share_other:30.3f}")
    yes_no = [e for e in examples if is_yes_no(e.question)]
    read = [polarity(e.reference, predicate_words(e.question, e.focus)) for e in yes_no]
    print(f"yes/no questions: {len(yes_no)}; reference polarity read: yes {read.count('yes')}, no {read.count('no')}, "
          f"unreadable {read.count(None)}")  # fmt: skip
    print(
        json.dumps(
            {
                "questions": len(sample),
                "sentences": len(own),
                "chosen": SUPPORT_PRECISION,
                "supported_own_vs_other": rows,
                "yes_no_questions": len(yes_no),
                "polarity_yes": read.count("yes"),
                "polarity_no": read.count("no"),
                "polarity_unreadable": read.count(None),
            }
        )
    )


if __name__ == "__main__":
    main()
