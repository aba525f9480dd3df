"""Fit triage's learned head (`medqa.assistant.triage_head`) and write src/medqa/assistant/triage_head.npz.

    nice -n 19 .venv/bin/python bench/triage_head_data.py     # the training set (reproducible)
    nice -n 19 .venv/bin/python bench/triage_head_train.py    # the weights

Reads only src/medqa/assistant/data/triage_train.jsonl (never the evaluation sets: thresholds are tuned
on tests/data/triage/dev.jsonl with bench/triage.py). Each message is read as triage reads it
(normalised, slang expanded for English, clauses read by the rules), embedded with the bundled MiniLM
and fitted with scikit-learn (training time only). Prints 5-fold cross-validated accuracy; the last line
is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--c", type=float, default=4.0, help="inverse regularisation strength")
    args = parser.parse_args()

    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    from medqa.assistant.languages import detect_language
    from medqa.assistant.normalize import expand_slang, normalize
    from medqa.assistant.triage_head import HEAD_CLASSES, HEAD_PATH, TRAIN_PATH, TriageHead, rule_features
    from medqa.assistant.triage_rules import read_clauses
    from medqa.retrieval.embedding import MiniLMEmbedder

    started = time.perf_counter()
    rows = [json.loads(line) for line in TRAIN_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts, features = [], []
    for row in rows:
        text = normalize(row["text"])
        language = detect_language(text)
        if language == "en":
            text = expand_slang(text)
        texts.append(text)
        features.append(rule_features(read_clauses(text, language), text))
    embedder = MiniLMEmbedder(engine="torch")
    vectors = embedder.encode(texts).astype(np.float64)
    x = np.hstack([vectors, np.vstack(features)])
    y = np.array([row["label"] for row in rows])
    model = LogisticRegression(C=args.c, class_weight="balanced", max_iter=5000)
    cv = cross_val_score(model, x, y, cv=5)
    model.fit(x, y)
    order = [list(model.classes_).index(c) for c in HEAD_CLASSES]
    head = TriageHead(model.coef_[order], model.intercept_[order], embedder.name)
    head.save(HEAD_PATH)
    print(f"{len(rows)} rows, {x.shape[1]} inputs, 5-fold accuracy {cv.mean():.3f}; wrote {HEAD_PATH}")
    print(json.dumps({"rows": len(rows), "cv_accuracy": round(float(cv.mean()), 4), "c": args.c,
                      "seconds": round(time.perf_counter() - started, 1)}))  # fmt: skip


if __name__ == "__main__":
    main()
