"""The serve-time support check on claims written independently of its rules (tests/data/support_claims.jsonl).

Each row is one claim a small model might write after reading one real passage of the bundled corpus:
a faithful paraphrase ("supported") or a fact paraphrased into a different fact ("unsupported", with the
kind of change: number, entity, polarity...). Every claim is checked, as the served assistant checks a
sentence, against its passage only (a `RetrievedPassage` with the page's title and question, the bundled
MiniLM, the default `SupportConfig`). Printed per part (dev, heldout): the share of unsupported claims
rejected, per kind of change, and the share of supported claims kept. `--verbose` lists the dev misses
(never held-out rows: they are scored in aggregate only). The last line is one JSON object.

    MEDQA_CACHE=/work/cache python bench/support_claims.py [--verbose]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from medqa.assistant.support import SupportChecker, SupportConfig
from medqa.retrieval.embedding import Embedder, MiniLMEmbedder
from medqa.retrieval.index import RetrievedPassage

CLAIMS = Path(__file__).resolve().parents[1] / "tests" / "data" / "support_claims.jsonl"


def read_claims(path: Path) -> list[dict[str, Any]]:
    """The rows of the claims file."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def judge(rows: list[dict[str, Any]], embedder: Embedder, config: SupportConfig) -> list[tuple[bool, str]]:
    """(whether the check accepts the claim, its reason) for each row, one checker per passage."""
    checkers: dict[str, SupportChecker] = {}
    out = []
    for row in rows:
        key = row["passage"]
        if key not in checkers:
            passage = RetrievedPassage(
                text=row["passage"], score=1.0, url=row["url"], title=row.get("title", ""),
                question=row.get("question", ""), row_id=row["id"], passage_id=len(checkers),
            )  # fmt: skip
            checkers[key] = SupportChecker([passage], embedder, config)
        verdict = checkers[key].check(row["claim"])
        out.append((verdict.supported, verdict.reason))
    return out


def summarise(rows: list[dict[str, Any]], verdicts: list[tuple[bool, str]]) -> dict[str, Any]:
    """Per part: supported claims kept, unsupported claims rejected (overall and per kind of change)."""
    summary: dict[str, Any] = {}
    for part in sorted({r["part"] for r in rows}):
        pairs = [(r, ok) for r, (ok, _) in zip(rows, verdicts, strict=True) if r["part"] == part]
        kept = [ok for r, ok in pairs if r["label"] == "supported"]
        by_change: dict[str, list[bool]] = defaultdict(list)
        for r, ok in pairs:
            if r["label"] == "unsupported":
                by_change[r["change"]].append(not ok)
        rejected = [x for xs in by_change.values() for x in xs]
        summary[part] = {
            "supported_kept": round(sum(kept) / len(kept), 3),
            "n_supported": len(kept),
            "unsupported_rejected": round(sum(rejected) / len(rejected), 3),
            "n_unsupported": len(rejected),
            "rejected_by_change": {k: [sum(v), len(v)] for k, v in sorted(by_change.items())},
        }
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=Path, default=CLAIMS)
    parser.add_argument("--part", choices=("dev", "heldout", "all"), default="all")
    parser.add_argument("--verbose", action="store_true", help="print the dev misses (never held-out rows)")
    args = parser.parse_args()
    rows = [r for r in read_claims(args.claims) if args.part in ("all", r["part"])]
    started = time.perf_counter()
    verdicts = judge(rows, MiniLMEmbedder(), SupportConfig())
    seconds = time.perf_counter() - started
    if args.verbose:
        for r, (ok, reason) in zip(rows, verdicts, strict=True):
            if r["part"] == "dev" and ok != (r["label"] == "supported"):
                what = "KEPT " + r["change"] if ok else "REJECTED supported"
                print(f"{r['id']} {what}: {r['claim']}\n    {reason}")
    summary = summarise(rows, verdicts)
    for part, s in summary.items():
        print(
            f"{part}: supported kept {s['supported_kept']:.3f} of {s['n_supported']}, "
            f"unsupported rejected {s['unsupported_rejected']:.3f} of {s['n_unsupported']}"
        )
        for change, (hit, n) in s["rejected_by_change"].items():
            print(f"    {change:12s} {hit:3d}/{n:<3d} rejected")
    print(json.dumps({"claims": len(rows), "seconds": round(seconds, 1), **summary}))


if __name__ == "__main__":
    main()
