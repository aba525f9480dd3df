"""How long an open-book answer should be: the composer's length settings side by side, one generation.

`medqa eval` (grounded or open-book mode) with the composer's keywords overridden per variant
(`compose.Composer`: quote_words, fill_words, max_quoted...). Greedy decoding is deterministic, so the
model's text for each prompt is generated once and kept in a JSON cache: every later variant (in this
run or a later one with the same cache) replays it and only the composing and the scoring run again.
The generation settings are part of the cache key, so a different --max-new-tokens generates anew.

Tune on the validation split, never on test:

    MEDQA_CACHE=/work/cache nice -n 19 .venv/bin/python bench/answer_length.py \
        --model /tmp/mj2/runs/run/export --data /tmp/mj2/runs/run/data --split validation --limit 100 \
        --index /work/cache/index/medquad-v1 --cache /tmp/h1/gen_cache.json --out /tmp/h1/val \
        --variant now: --variant fill150:fill_words=150,max_quoted=8

A variant is NAME:KEY=VALUE,... (empty after the colon: the composer's defaults, whatever answer.py passes).
Prints one table row per variant: ROUGE-L, ROUGE-1, BERTScore, faithfulness, contradictions, mean words.
"""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import medqa.assistant.answer as answer_module
import medqa.evaluate.run as run_module
from medqa.assistant.compose import Composer
from medqa.evaluate.run import EvalConfig, evaluate
from medqa.inference.base import GenerationSettings, Generator, Prompt

_COLUMNS = (
    "rougeL",
    "rouge1",
    "bertscore_f1",
    "faithfulness",
    "contradicts_sources",
    "contradicts_reference",
    "answer_words",
)


class CachedGenerator:
    """`generator`, with each (prompt, settings) answered once: later calls replay the recorded pieces."""

    def __init__(self, generator: Generator, path: Path) -> None:
        self.generator, self.path = generator, path
        self.cache: dict[str, list[str]] = json.loads(path.read_text()) if path.exists() else {}
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def __getattr__(self, name: str) -> Any:  # name, tokenizer, template: the wrapped generator's
        return getattr(self.generator, name)

    def stream(
        self, prompt: Prompt, settings: GenerationSettings, should_stop: Callable[[], bool] | None = None
    ) -> Iterator[str]:
        key = json.dumps([prompt.question, list(prompt.passages), list(prompt.history), repr(settings)])
        with self.lock:
            recorded = self.cache.get(key)
        if recorded is not None:
            self.hits += 1
            yield from recorded
            return
        self.misses += 1
        pieces: list[str] = []
        for piece in self.generator.stream(prompt, settings, should_stop):
            pieces.append(piece)
            yield piece
        with self.lock:
            self.cache[key] = pieces

    def save(self) -> None:
        with self.lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.cache))


def _variant(text: str) -> tuple[str, dict[str, Any]]:
    name, _, settings = text.partition(":")
    overrides: dict[str, Any] = {}
    for pair in filter(None, settings.split(",")):
        key, _, value = pair.partition("=")
        overrides[key.strip()] = float(value) if "." in value else int(value)
    return name, overrides


def _config(args: argparse.Namespace, name: str) -> EvalConfig:
    return EvalConfig(
        model=args.model,
        data=args.data,
        split=args.split,
        mode=args.mode,
        index=args.index,
        name=name,
        limit=args.limit,
        seed=args.seed,
        max_new_tokens=args.max_new_tokens,
        backend="llamacpp",
        bertscore=not args.no_bertscore,
        perplexity=False,
    )


def _record(args: argparse.Namespace, eval_generator: Callable[..., Any]) -> None:
    """Ask the assistant every question of the sample (as `medqa eval` does) only to fill the cache."""
    from rich.console import Console

    from medqa.evaluate.data import load_examples
    from medqa.evaluate.grounded import open_eval_index

    config, console = _config(args, "record"), Console(stderr=True)
    examples = load_examples(config.data, config.split, config.limit, config.seed)
    generator = eval_generator(config, None, None)
    index = open_eval_index(
        config.data, config.index, run_module._scores_heldout(config), console, open_book=config.mode == "open-book"
    )
    run_module._ask_assistant(generator, index, examples, config, console)
    generator.save()
    print(f"recorded {generator.misses} answers into {args.cache} ({generator.hits} were there)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--split", default="validation")
    parser.add_argument("--mode", default="open-book", choices=["grounded", "open-book"])
    parser.add_argument("--index", default=None)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--no-bertscore", action="store_true")
    parser.add_argument("--variant", action="append", default=[])
    parser.add_argument(
        "--record-only",
        action="store_true",
        help="only generate into --cache (no composing variants, no scores): the model's text does not depend on "
        "the composer, so a held-out split can be generated while the setting is still being chosen on validation",
    )
    parser.add_argument(
        "--final",
        action="store_true",
        help="the one measurement of a held-out split: the composer's defaults only (no variant), from --cache",
    )
    args = parser.parse_args()
    if args.split == "test" and not (args.record_only or args.final):
        parser.error("tune on validation: the test split is measured once (--final, the composer's defaults)")
    if args.final:
        args.variant = [f"{args.mode}-{args.split}:"]
    if not args.variant and not args.record_only:
        parser.error("give at least one --variant (or --record-only)")

    real_generator = run_module.eval_generator
    cached: list[CachedGenerator] = []

    def eval_generator(config: EvalConfig, loaded: Any, template: Any) -> Any:
        if not cached:
            cached.append(CachedGenerator(real_generator(config, loaded, template), args.cache))
        return cached[0]

    run_module.eval_generator = eval_generator  # type: ignore[assignment]
    if args.record_only:
        _record(args, eval_generator)
        return
    rows = []
    for name, overrides in map(_variant, args.variant):

        def composer(*positional: Any, _overrides: dict[str, Any] = overrides, **keywords: Any) -> Composer:
            names = ("checker", "focus", "personal", "prompt_texts", "min_answer_words", "min_kept_share", "max_quoted")
            merged = {**dict(zip(names, positional, strict=False)), **keywords, **_overrides}
            return Composer(**merged)

        answer_module.Composer = composer  # type: ignore[assignment,misc]
        result = evaluate(_config(args, name), args.out / name, overwrite=True)
        cached[0].save()
        metrics = result.metrics["metrics"]
        rows.append((name, [metrics[c]["value"] if c in metrics else float("nan") for c in _COLUMNS]))
        print(f"{name}: done (generation cache {cached[0].hits} replayed, {cached[0].misses} generated)", flush=True)
    print("| variant | " + " | ".join(_COLUMNS) + " |")
    print("|---|" + "---|" * len(_COLUMNS))
    for name, values in rows:
        print(f"| {name} | " + " | ".join(f"{v:.3f}" if v < 10 else f"{v:.1f}" for v in values) + " |")


if __name__ == "__main__":
    main()
