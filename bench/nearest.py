"""The no-model yardstick on a whole split: `medqa eval --model nearest`, ROUGE and BLEU only.

    nice -n 10 python bench/nearest.py --data runs/data --split test

The last line is one JSON object (the figures and the seconds it took).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from medqa.evaluate.run import EvalConfig, evaluate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a prepared data folder")
    parser.add_argument("--split", default="test")
    parser.add_argument("--out", help="keep the eval folder here (default: a temporary folder)")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out) if args.out else Path(tmp) / "nearest"
        config = EvalConfig(model="nearest", data=args.data, split=args.split, bertscore=False)
        metrics = evaluate(config, out, overwrite=True).metrics
    figures = {name: metrics["metrics"][name]["value"] for name in ("rouge1", "rouge2", "rougeL", "bleu")}
    intervals = {name: [metrics["metrics"][name]["ci_low"], metrics["metrics"][name]["ci_high"]] for name in figures}
    print(json.dumps({"split": args.split, "questions": metrics["samples"], **figures, "intervals": intervals,
                      "seconds": round(time.perf_counter() - started, 1)}))  # fmt: skip


if __name__ == "__main__":
    main()
