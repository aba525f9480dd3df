"""Score the assistant's relevance decision: answer what the corpus covers, abstain on the rest.

Each row of a set (tests/data/relevance/*.jsonl, see its README) goes through the real `Assistant`
with the bundled-corpus index and no language model (answers are quoted passage sentences: the
decision to answer, and from which pages, is the same as with a model) and a triage that lets every
message through, so only retrieval and relevance are measured. Outcomes:

- `answer` rows: `right` (a page kept for the answer has a title of the row's topic), `other_page`
  (answered from other pages only), `abstained`;
- `near_miss` rows: `abstained`, `named_elsewhere` (answered only from broader pages whose text names
  the condition, the row's `mentioned_in`), `wrong_condition` (answered from a page about another one);
- `not_covered` rows (and bench/abstention.py's NOT_COVERED list): `abstained` or `answered`.

`retrieved` counts answer rows whose right page is among the k retrieved passages at all (the ceiling
of any relevance decision). The held-out set prints aggregates only (never its rows). Last line: one
JSON object.

    MEDQA_CACHE=/work/cache .venv/bin/python bench/relevance.py --set dev [--rows]
    MEDQA_CACHE=/work/cache .venv/bin/python bench/relevance.py --set heldout
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SETS = ROOT / "tests" / "data" / "relevance"


class PassThroughTriage:
    """A triage that finds nothing: every message reaches retrieval (triage is measured elsewhere)."""

    def with_config(self, config: object) -> PassThroughTriage:
        return self

    def assess(self, message: str, history: list[str] | None = None) -> Any:
        from medqa.assistant.triage import TriageResult

        return TriageResult("none", "none", 0.0, "")


def not_covered_list() -> list[str]:
    """bench/abstention.py's NOT_COVERED questions (that file is a script, not a module of the package)."""
    spec = importlib.util.spec_from_file_location("abstention", ROOT / "bench" / "abstention.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.NOT_COVERED)


def _norm(title: str) -> str:
    return " ".join(title.lower().split())


def outcome(row: dict[str, Any], answer: Any) -> str:
    """What the assistant did with `row` (see the module docstring)."""
    kept = set() if answer.abstained else {_norm(p.title) for p in answer.passages}
    if row["expect"] == "answer":
        if not kept:
            return "abstained"
        return "right" if kept & {_norm(t) for t in row["topic"].split("|")} else "other_page"
    if not kept:
        return "abstained"
    if row["kind"] == "near_miss":
        broader = {_norm(t) for t in row.get("mentioned_in", [])}
        return "named_elsewhere" if kept <= broader else "wrong_condition"
    return "answered"


def score(assistant: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with its outcome, the kept page titles and whether the right page was retrieved at all."""
    results = []
    for row in rows:
        answer = assistant.answer(row["question"])
        retrieved = {_norm(p.title) for p in assistant.index.retrieve(row["question"], assistant.config.k)}
        topics = {_norm(t) for t in row["topic"].split("|")}
        results.append(
            {
                **row,
                "outcome": outcome(row, answer),
                "kept": [] if answer.abstained else [p.title for p in answer.passages],
                "retrieved": bool(retrieved & topics) if row["expect"] == "answer" else None,
            }
        )
    return results


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Rates per group of rows (answer / near_miss / not_covered) and per kind."""

    def rates(group: list[dict[str, Any]]) -> dict[str, Any]:
        counts = collections.Counter(r["outcome"] for r in group)
        out: dict[str, Any] = {"n": len(group)}
        out.update({k: round(v / max(1, len(group)), 3) for k, v in sorted(counts.items())})
        return out

    answerable = [r for r in results if r["expect"] == "answer"]
    near = [r for r in results if r["kind"] == "near_miss"]
    uncovered = [r for r in results if r["expect"] == "abstain" and r["kind"] != "near_miss"]
    correct = sum(
        r["outcome"] in ("right", "abstained") and (r["expect"] == "abstain") == (r["outcome"] == "abstained")
        for r in results
    )
    return {
        "n": len(results),
        "correct": round(correct / max(1, len(results)), 3),
        "answerable": {
            **rates(answerable),
            "retrieved": round(sum(bool(r["retrieved"]) for r in answerable) / max(1, len(answerable)), 3),
        },
        "near_miss": rates(near),
        "not_covered": rates(uncovered),
        "by_kind": {
            kind: rates([r for r in results if r["kind"] == kind]) for kind in sorted({r["kind"] for r in results})
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="dev", help="dev, heldout, or a path to a .jsonl set")
    parser.add_argument("--index", type=Path, default=None, help="index folder (default: the cache's bundled index)")
    parser.add_argument("--rows", action="store_true", help="print every row's outcome (refused for heldout)")
    args = parser.parse_args()

    from medqa.assistant.answer import Assistant, AssistantConfig
    from medqa.assistant.load import default_index_dir
    from medqa.retrieval.index import Index

    path = SETS / f"{args.set}.jsonl" if args.set in ("dev", "heldout") else Path(args.set)
    heldout = path.resolve() == (SETS / "heldout.jsonl").resolve()
    if heldout and args.rows:
        parser.error("the held-out set prints aggregates only")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    index = Index.load(args.index or default_index_dir())
    assistant = Assistant(index, PassThroughTriage(), None, AssistantConfig())  # type: ignore[arg-type]
    started = time.perf_counter()
    results = score(assistant, rows)
    extra = score(
        assistant,
        [{"question": q, "expect": "abstain", "topic": "", "kind": "not_covered"} for q in not_covered_list()],
    )
    seconds = time.perf_counter() - started
    if args.rows:
        for r in results:
            mark = (
                "ok "
                if (r["outcome"] == "right") or (r["expect"] == "abstain" and r["outcome"] == "abstained")
                else "BAD"
            )
            print(f"{mark} {r['kind']:11s} {r['outcome']:15s} {r['question'][:70]!r} -> {r['kept']}")
    result = summary(results)
    result["abstention_not_covered"] = summary(extra)["not_covered"]
    print(f"{path.name}: {len(rows)} rows, {seconds:.0f} s (+{len(extra)} NOT_COVERED of bench/abstention.py)")
    for group in ("answerable", "near_miss", "not_covered"):
        print(f"  {group:12s} {result[group]}")
    print(f"  {'abstention.py':12s} {result['abstention_not_covered']}")
    for kind, figures in result["by_kind"].items():
        print(f"  kind {kind:11s} {figures}")
    print(json.dumps({"set": path.name, "k": assistant.config.k, **result}))


if __name__ == "__main__":
    main()
