"""Triage benchmark: recall on emergency messages, false-alarm rate on ordinary medical questions.

Reads tests/data/triage_eval.jsonl (written independently of the exemplars: never copy its sentences
into src/medqa/resources/triage_exemplars.yaml). A self-harm message counts as caught when it fires
either kind of emergency response, since both start with the emergency number. The last line of
the output is one JSON object: {"recall": ..., "false_alarm_rate": ...}.

    .venv/bin/python bench/triage.py [--data tests/data/triage_eval.jsonl] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "triage_eval.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--verbose", action="store_true", help="print every message with its verdict")
    args = parser.parse_args()

    from medqa.assistant.triage import default_triage

    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    started = time.perf_counter()
    triage = default_triage()
    build_s = time.perf_counter() - started
    latencies, missed, alarms, kind_right = [], [], [], 0
    emergencies = [r for r in rows if r["label"] != "none"]
    ordinary = [r for r in rows if r["label"] == "none"]
    for row in rows:
        t = time.perf_counter()
        result = triage.assess(row["text"])
        latencies.append((time.perf_counter() - t) * 1000)
        fired = result.is_emergency
        if row["label"] != "none" and not fired:
            missed.append(row["text"])
        if row["label"] == "none" and fired:
            alarms.append(row["text"])
        kind_right += fired and result.kind == row["label"]
        if args.verbose:
            print(f"{row['label']:>9} -> {result.kind:>9} {result.category:>12} {result.score:.2f}  {row['text']}")
    recall = 1 - len(missed) / len(emergencies)
    false_alarm_rate = len(alarms) / len(ordinary)
    print(f"{len(emergencies)} emergency messages, {len(ordinary)} ordinary questions; triage built in {build_s:.1f} s")
    print(
        f"recall {recall:.3f}; false alarms {false_alarm_rate:.3f}; right kind (emergency/self_harm) "
        f"{kind_right}/{len(emergencies)}; p95 {np.percentile(latencies, 95):.1f} ms per message"
    )
    for text in missed:
        print(f"  MISSED: {text}")
    for text in alarms:
        print(f"  FALSE ALARM: {text}")
    print(json.dumps({"recall": round(recall, 4), "false_alarm_rate": round(false_alarm_rate, 4)}))


if __name__ == "__main__":
    main()
