"""Calibrate the K-QA must-have coverage threshold (medqa.evaluate.coverage.COVERAGE_THRESHOLD).

A good threshold separates two cases: a physician's reference answer should cover most of its
own must-have statements, and the reference answer of a *different* question should cover few.
Prints both coverages for a range of thresholds; the last line is one JSON object.

    python bench/kqa_coverage.py
"""

from __future__ import annotations

import json

import numpy as np

from medqa.evaluate.coverage import COVERAGE_THRESHOLD, sentences
from medqa.evaluate.data import load_examples
from medqa.retrieval.embedding import MiniLMEmbedder


def main() -> None:
    examples = [e for e in load_examples("kqa") if e.must_have]
    embedder = MiniLMEmbedder()
    statement_vectors = [embedder.encode(e.must_have) for e in examples]
    sentence_vectors = [embedder.encode(sentences(e.reference)) for e in examples]
    own = [(s @ a.T).max(axis=1) for s, a in zip(statement_vectors, sentence_vectors, strict=True)]
    # Pair each question's statements with the next question's reference answer.
    other = [(s @ sentence_vectors[(i + 1) % len(examples)].T).max(axis=1) for i, s in enumerate(statement_vectors)]
    own_all, other_all = np.concatenate(own), np.concatenate(other)
    print(f"{len(examples)} questions, {len(own_all)} must-have statements")
    print("threshold  own-answer coverage  other-answer coverage")
    rows = {}
    for threshold in np.arange(0.40, 0.81, 0.05):
        covered_own, covered_other = float((own_all >= threshold).mean()), float((other_all >= threshold).mean())
        rows[f"{threshold:.2f}"] = (covered_own, covered_other)
        print(f"{threshold:9.2f}  {covered_own:19.3f}  {covered_other:21.3f}")
    chosen = f"{COVERAGE_THRESHOLD:.2f}"
    print(
        json.dumps(
            {
                "threshold": COVERAGE_THRESHOLD,
                "own_coverage": round(rows[chosen][0], 3),
                "other_coverage": round(rows[chosen][1], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
