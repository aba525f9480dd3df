"""Calibrate the assistant's abstention threshold (AssistantConfig.min_relevance).

The assistant answers only when some retrieved passage has cosine similarity >= min_relevance with
the question. This script compares the best cosine for
- answerable questions: every --every-th MedQuAD question, with its own passages masked out, whose
  source page still has other passages in the index (the corpus does cover it);
- questions the corpus does not cover: drug doses and interactions, products, veterinary and
  cosmetic questions (MedQuAD's answered part has no drug or product pages), written here.
Last line: one JSON object with the rates at the configured threshold.

    .venv/bin/python bench/abstention.py [--index runs/bench/index-medquad]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
NOT_COVERED = [
    "Can I take ibuprofen together with lisinopril?",
    "What is the maximum dose of acetaminophen per day for an adult?",
    "Is it safe to drink grapefruit juice while on atorvastatin?",
    "Which brand of running shoes is best for flat feet?",
    "How much chocolate is toxic for a 10 kg dog?",
    "What is the best retinol serum for wrinkles?",
    "Should I buy a standing desk or a treadmill desk?",
    "How many calories are in a large banana?",
    "Does melatonin interact with sertraline?",
    "What's the difference between Advil and Aleve?",
    "Can my cat get sick from eating lilies?",
    "Is it ok to mix amoxicillin with alcohol?",
    "Which sunscreen SPF should I use on a cloudy day?",
    "How often should I replace my toothbrush?",
    "What is the half-life of caffeine?",
    "Can I use expired eye drops?",
    "Is vaping worse than smoking hookah?",
    "How long does a tattoo take to heal?",
    "What does a pharmacist do during a medication review?",
    "Are generic drugs as good as brand-name drugs?",
    "How do I store insulin pens when travelling by plane?",
    "Can I give my horse human ibuprofen?",
    "Which protein powder is best for building muscle?",
    "Is it safe to take expired antibiotics?",
    "What is the recommended dose of vitamin D for adults?",
    "How much water should I drink during a marathon?",
    "Is laser hair removal safe during pregnancy?",
    "Can I donate blood after getting a tattoo?",
    "What does 'take on an empty stomach' mean on a prescription?",
    "Do blue light glasses help with eye strain?",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "runs" / "bench" / "index-medquad")
    parser.add_argument("--every", type=int, default=50)
    args = parser.parse_args()

    from medqa.assistant.answer import AssistantConfig
    from medqa.retrieval.index import Index, IndexConfig, build_index

    if not (args.index / "index.json").is_file():
        print(f"building {args.index} from the bundled MedQuAD (minutes)...")
        build_index(IndexConfig(), args.index, overwrite=args.index.exists())
    index = Index.load(args.index)
    vectors = np.asarray(index.vectors)
    own: dict[str, list[int]] = {}
    urls: dict[str, set[str]] = {}
    for i, p in enumerate(index.passages):
        own.setdefault(p.question, []).append(i)
        urls.setdefault(p.url, set()).add(p.question)
    questions = sorted(own)[:: args.every]
    answerable = []
    for question in questions:
        url = index.passages[own[question][0]].url
        if not url or not urls[url] - {question}:
            continue  # nothing else from its page: the corpus does not really cover it without its own answer
        scores = vectors @ index.embedder.encode([question])[0]
        scores[own[question]] = -1.0
        answerable.append(float(scores.max()))
    uncovered = [float((vectors @ index.embedder.encode([q])[0]).max()) for q in NOT_COVERED]
    answerable_arr, uncovered_arr = np.array(answerable), np.array(uncovered)
    print(f"{len(answerable)} answerable MedQuAD questions (own passages masked), {len(uncovered)} not covered")
    print("threshold  answerable answered  not-covered answered")
    for threshold in np.arange(0.30, 0.71, 0.05):
        answered, wrongly = np.mean(answerable_arr >= threshold), np.mean(uncovered_arr >= threshold)
        print(f"{threshold:9.2f}  {answered:19.3f}  {wrongly:20.3f}")
    chosen = AssistantConfig().min_relevance
    print(
        json.dumps(
            {
                "min_relevance": chosen,
                "answerable_answered": round(float(np.mean(answerable_arr >= chosen)), 3),
                "not_covered_answered": round(float(np.mean(uncovered_arr >= chosen)), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
