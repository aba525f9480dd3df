"""Triage benchmark: recall on emergencies and crises, false alarms on ordinary messages, per kind and language.

Reads five sets, all written independently of the exemplars and rules (never copy their sentences into
src/medqa/resources/triage_exemplars.yaml or the rules):
- tests/data/triage/dev.jsonl       the development set (may be read while tuning);
- tests/data/triage/heldout.jsonl   the held-out set: never read while tuning; only its figures are printed,
                                    never its messages;
- tests/data/triage/heldout2.jsonl  a second held-out set, written before the rules were read (same rule);
- tests/data/triage/heldout3.jsonl  a third held-out set, written blind to the rules, exemplars and earlier
                                    sets (same rule);
- tests/data/triage_eval.jsonl      the project's first, smaller set;
- tests/data/triage/dev_languages.jsonl  a development set of 26 languages other than English (may be read);
- tests/data/triage/dev_crisis.jsonl  a development set of self-harm crises as people write them, near-crisis
                                    ordinary messages and fr/zh/ar/it/ru/ja emergencies (may be read);
- tests/data/triage/dev_complaints.jsonl  everyday first-person complaints and short emergencies (may be read);
- tests/data/triage/dev_ordinary_languages.jsonl  ordinary messages in 32 languages (idioms, complaints, questions)
                                    and short emergencies and crises in each (may be read);
- tests/data/triage/dev_indirect.jsonl  English crises told sideways and idioms with crisis words (may be read);
- tests/data/triage/heldout4.jsonl, heldout5.jsonl, heldout6.jsonl, heldout7.jsonl  blind held-out sets (18
                                    languages; everyday complaints; 32 languages with indirect crises and idioms;
                                    15 languages as a hostile tester writes), written without reading the rules
                                    (same rule as heldout.jsonl).
Rows: {"text", "label": emergency|self_harm|none, "kind", "lang", "history"?: [earlier user messages]}.

A crisis (label self_harm) counts as caught when either emergency response fires: both start with the
emergency number. Latency is the wall time of `Triage.assess` per message (history included), after a
warm-up; CPU time (all threads of the process) is printed beside it, since wall time on a shared machine
measures the other jobs too. The last line is one JSON object with each scored set's figures.

While tuning, score the development set only:

    nice -n 19 .venv/bin/python bench/triage.py --split dev --verbose
    nice -n 19 .venv/bin/python bench/triage.py            # every set, held-out parts reported separately
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
SETS = {
    "dev": DATA / "triage" / "dev.jsonl",
    "heldout": DATA / "triage" / "heldout.jsonl",
    "heldout2": DATA / "triage" / "heldout2.jsonl",
    "heldout3": DATA / "triage" / "heldout3.jsonl",
    "eval": DATA / "triage_eval.jsonl",
    "dev_languages": DATA / "triage" / "dev_languages.jsonl",
    "dev_crisis": DATA / "triage" / "dev_crisis.jsonl",
    "dev_complaints": DATA / "triage" / "dev_complaints.jsonl",
    "heldout4": DATA / "triage" / "heldout4.jsonl",
    "heldout5": DATA / "triage" / "heldout5.jsonl",
    "heldout6": DATA / "triage" / "heldout6.jsonl",
    "dev_indirect": DATA / "triage" / "dev_indirect.jsonl",
    "dev_ordinary_languages": DATA / "triage" / "dev_ordinary_languages.jsonl",
    "heldout7": DATA / "triage" / "heldout7.jsonl",
    "dev_hedged": DATA / "triage" / "dev_hedged.jsonl",
    "dev_context": DATA / "triage" / "dev_context.jsonl",
}
# Sets whose missed messages may be printed; the held-out sets' never are.
SHOWN = {
    "dev", "eval", "dev_languages", "dev_crisis", "dev_complaints", "dev_indirect", "dev_ordinary_languages",
    "dev_hedged", "dev_context",
}  # fmt: skip


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of one JSONL set (kind and lang default to "-" and "en" for the first set)."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("label") not in ("emergency", "self_harm", "none") or not isinstance(row.get("text"), str):
            raise SystemExit(f"{path}:{number}: a row needs 'text' and 'label' (emergency, self_harm or none)")
        row.setdefault("kind", "-")
        row.setdefault("lang", "en")
        rows.append(row)
    return rows


def evaluate(triage: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with what triage said and how long it took."""
    results = []
    for row in rows:
        started, cpu = time.perf_counter(), time.process_time()
        result = triage.assess(row["text"], row.get("history") or ())
        ms = (time.perf_counter() - started) * 1000
        cpu_ms = (time.process_time() - cpu) * 1000  # all threads of this process: robust to other jobs' load
        results.append({**row, "fired": result.is_emergency, "got": result.kind, "note": bool(result.crisis_note),
                        "ms": ms, "cpu_ms": cpu_ms, "category": result.category, "score": result.score})  # fmt: skip
    return results


def figures(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Recall, false alarms, self-harm recall and p95 latency of one set.

    Lethal-dose questions are labelled none but counted apart (README of the set): the wanted answer is a
    general answer with the crisis note beside it, so neither a note nor the crisis response is a false alarm.
    """
    positives = [r for r in results if r["label"] != "none"]
    lethal = [r for r in results if r["kind"] == "lethal_dose_question"]
    negatives = [r for r in results if r["label"] == "none" and r["kind"] != "lethal_dose_question"]
    self_harm = [r for r in results if r["label"] == "self_harm"]
    return {
        "n": len(results),
        "recall": round(sum(r["fired"] for r in positives) / max(len(positives), 1), 4),
        "self_harm_recall": round(sum(r["fired"] for r in self_harm) / max(len(self_harm), 1), 4),
        # The crisis response itself (crisis line), not the emergency one: what a crisis should get.
        "self_harm_crisis_response": round(sum(r["got"] == "self_harm" for r in self_harm) / max(len(self_harm), 1), 4),
        "false_alarm_rate": round(sum(r["fired"] for r in negatives) / max(len(negatives), 1), 4),
        "p95_ms": round(float(np.percentile([r["ms"] for r in results], 95)), 2),
        "p95_cpu_ms": round(float(np.percentile([r["cpu_ms"] for r in results], 95)), 2),
        "missed": sum(not r["fired"] for r in positives),
        "false_alarms": sum(r["fired"] for r in negatives),
        "lethal_dose_with_crisis_resources": f"{sum(r['note'] or r['fired'] for r in lethal)}/{len(lethal)}",
    }


def breakdown(results: list[dict[str, Any]], key: str) -> list[str]:
    """One line per kind (or language): caught/emergencies and false alarms/ordinary."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        groups[r[key]].append(r)
    lines = []
    for name in sorted(groups):
        rows = groups[name]
        pos = [r for r in rows if r["label"] != "none"]
        neg = [r for r in rows if r["label"] == "none"]
        parts = []
        if pos:
            parts.append(f"recall {sum(r['fired'] for r in pos)}/{len(pos)}")
        if neg:
            parts.append(f"false alarms {sum(r['fired'] for r in neg)}/{len(neg)}")
        lines.append(f"    {name:<22} " + ", ".join(parts))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--split",
        "--sets",
        dest="sets",
        nargs="+",
        choices=sorted(SETS),
        default=["dev", "dev_languages", "dev_crisis", "heldout", "heldout2", "heldout3", "eval"],
        help="the sets to score (tune with --split dev only)",
    )
    parser.add_argument("--verbose", action="store_true", help="print every missed or false alarm (dev, eval only)")
    parser.add_argument(
        "--systems",
        nargs="+",
        choices=("exemplars", "head", "blend", "no_multilingual"),
        default=["exemplars"],
        help="score with the exemplar classifier, the learned head (triage_head.npz) or the mean of the two's "
        "scores ('blend'), each with the multilingual reader (triage_multilingual.npz) on messages not in English; "
        "'no_multilingual': the exemplar classifier and the rules alone; with several, the JSON keys are "
        "'set:system'",
    )
    args = parser.parse_args()
    summary: dict[str, Any] = {}
    for system in args.systems:
        score_system(system, args.sets, args.verbose, summary, tagged=len(args.systems) > 1)
    print(json.dumps(summary))


def score_system(system: str, sets: list[str], verbose: bool, summary: dict[str, Any], tagged: bool) -> None:
    """Score `sets` with one triage system, printing its figures and adding them to `summary`."""
    from medqa.assistant.triage import Triage
    from medqa.assistant.triage_head import load_head
    from medqa.retrieval.embedding import MiniLMEmbedder

    started = time.perf_counter()
    embedder = MiniLMEmbedder()
    head = load_head(embedder.name) if system in ("head", "blend") else None
    multilingual = system != "no_multilingual"
    triage = Triage(embedder, head=head, head_weight=0.5 if system == "blend" else 1.0, multilingual=multilingual)
    build_s = time.perf_counter() - started
    for text in ("warm up", "my chest hurts", "me duele mucho"):  # first calls load lazily built parts (USE)
        triage.assess(text)
    print(f"triage ({system}) built in {build_s:.1f} s")
    for name in sets:
        if not SETS[name].is_file():
            print(f"[{name}] {SETS[name]} is missing: skipped")
            continue
        results = evaluate(triage, read_rows(SETS[name]))
        f = summary[f"{name}:{system}" if tagged else name] = figures(results)
        print(
            f"[{name}] {f['n']} messages: recall {f['recall']:.3f} ({f['missed']} missed), self-harm recall "
            f"{f['self_harm_recall']:.3f} (crisis response {f['self_harm_crisis_response']:.3f}), "
            f"false alarms {f['false_alarm_rate']:.3f} ({f['false_alarms']}), "
            f"p95 {f['p95_ms']:.1f} ms wall, {f['p95_cpu_ms']:.1f} ms CPU (load average {os.getloadavg()[0]:.1f})"
        )
        print("  by kind:")
        print("\n".join(breakdown(results, "kind")))
        print("  by language:")
        print("\n".join(breakdown(results, "lang")))
        if verbose and name in SHOWN:
            for r in results:
                if (r["label"] != "none") != r["fired"] or (r["label"] == "self_harm" and r["got"] != "self_harm"):
                    tag = "MISSED" if r["label"] != "none" else "FALSE ALARM"
                    tag = "NO CRISIS LINE" if r["label"] == "self_harm" and r["fired"] else tag
                    print(f"  {tag} [{r['kind']}/{r['lang']}] {r['score']:.2f} {r['text'][:300]!r}")


if __name__ == "__main__":
    main()
