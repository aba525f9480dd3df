"""Decode speed of each generation backend on the same fine-tuned weights, side by side.

The run is exported once (`medqa export RUN --gguf`: merged transformers folder + model.gguf);
then, with the same prompts (built by the run's prompt template), greedy decoding, repetition
penalty 1.1 and exactly --tokens new tokens (end-of-turn ignored so every backend decodes as many):

- transformers float32 and bfloat16 autocast on the merged folder,
- llama.cpp on the exported fine-tuned GGUF (each --gguf-types), and on the bundled GGUF (reference),
- the served path: `load_generator(EXPORT)` (backend auto: medqa's continuous-batching llama.cpp
  engine) streaming answers through the Generator interface, its tokens counted with the tokenizer;
- the served path with 8 answers in flight at once: aggregate tokens/s of the batch engine.

The ratio compares the served engine with llama-cpp-python's `Llama` on the same exported GGUF,
both loaded and timed in turns, prompt by prompt.

Decode tokens/s = (tokens - 1) / (time of all tokens - time of the first), so prompt processing
is left out. Last line: one JSON object.

    nice -n 19 .venv/bin/python bench/generate.py --run runs/train-cpu
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

QUESTIONS = [
    "What are the symptoms of asthma?",
    "How is high blood pressure treated?",
    "What causes anemia?",
]
PASSAGES = [
    "Asthma is a chronic disease that inflames and narrows the airways of the lungs. It causes wheezing, "
    "chest tightness, shortness of breath and coughing, often at night or early in the morning.",
    "Treatment of asthma includes avoiding triggers and using inhaled medicines that control inflammation.",
]


def decode_rate(first_and_total: Callable[[], tuple[float, float, int]], repeats: int) -> float:
    """Best of `repeats` (the machine is shared): (tokens - 1) / (total - first-token time)."""
    rates = []
    for _ in range(repeats):
        first, total, tokens = first_and_total()
        rates.append((tokens - 1) / (total - first))
    return max(rates)


def transformers_timer(generator, ids: list[int], tokens: int) -> Callable[[], tuple[float, float, int]]:
    import torch

    from medqa.hardware import autocast

    def run(n: int) -> float:
        start = time.perf_counter()
        with torch.inference_mode(), autocast(generator.device, generator.bf16):
            generator.model.generate(
                torch.tensor([ids]),
                attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                max_new_tokens=n,
                min_new_tokens=n,
                do_sample=False,
                repetition_penalty=1.1,
                pad_token_id=0,
                temperature=None,
                top_p=None,
                top_k=None,
            )
        return time.perf_counter() - start

    return lambda: (run(1), run(tokens), tokens)


def llama_cpp_timer(llm, ids: list[int], tokens: int) -> Callable[[], tuple[float, float, int]]:
    def run() -> tuple[float, float, int]:
        llm.reset()  # no prompt cache between repeats
        start, first, count = time.perf_counter(), 0.0, 0
        for _ in llm.generate(ids, temp=0.0, repeat_penalty=1.1):
            count += 1
            if count == 1:
                first = time.perf_counter() - start
            if count == tokens:
                break
        return first, time.perf_counter() - start, count

    return run


def served_parallel_rate(generator, prompts, tokens: int, streams: int = 8) -> float:
    """Aggregate tokens/s of `streams` answers generated at once (prompt reading included)."""
    from medqa.inference.base import GenerationSettings

    settings = GenerationSettings(max_new_tokens=tokens)
    batch = [prompts[i % len(prompts)] for i in range(streams)]
    start = time.perf_counter()
    answers = generator.generate(batch, settings)
    elapsed = time.perf_counter() - start
    return sum(len(generator.tokenizer(a, add_special_tokens=False)["input_ids"]) for a in answers) / elapsed


def served_timer(generator, prompt, tokens: int) -> Callable[[], tuple[float, float, int]]:
    from medqa.inference.base import GenerationSettings

    settings = GenerationSettings(max_new_tokens=tokens)

    def run() -> tuple[float, float, int]:
        start, first, text = time.perf_counter(), 0.0, ""
        for piece in generator.stream(prompt, settings):
            if not text:
                first = time.perf_counter() - start
            text += piece
        count = len(generator.tokenizer(text, add_special_tokens=False)["input_ids"])
        return first, time.perf_counter() - start, max(count, 2)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=Path, help="Training run (default: the latest under runs/).")
    parser.add_argument("--export", type=Path, default=Path("runs/bench/generate-export"))
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--gguf-types", default="q8_0,q4_1", help="Exported GGUF types to time (first = served).")
    args = parser.parse_args()

    from llama_cpp import Llama

    from medqa.export.gguf import template_gguf, write_gguf
    from medqa.export.merge import ExportConfig, export
    from medqa.hardware import cpu_threads
    from medqa.inference.backends import gguf_source
    from medqa.inference.base import Prompt, TransformersGenerator
    from medqa.inference.load import load_generator
    from medqa.models import BUNDLED_MODEL, GGUF_FILE, latest_run, load_trained
    from medqa.prompt import encode_prompt

    run = args.run or latest_run()
    if run is None:
        raise SystemExit("no training run found; give --run")
    types = args.gguf_types.split(",")
    if not (args.export / GGUF_FILE).is_file():
        export(ExportConfig(run=str(run), out=str(args.export), overwrite=True, gguf=True, gguf_type=types[0]))
    loaded, template = load_trained(args.export)
    base = json.loads((args.export / "train_info.json").read_text()).get("base_model", "")
    for qtype in types[1:]:  # extra GGUF types of the same merged weights, for comparison
        path = args.export / f"model-{qtype}.gguf"
        if not path.is_file():
            write_gguf(loaded.model, loaded.tokenizer, path, qtype, template_gguf(base))  # type: ignore[arg-type]

    prompts = [Prompt(q) for q in QUESTIONS] + [Prompt("What is asthma?", PASSAGES)]
    results: dict[str, float | str | int] = {"load_average_at_start": os.getloadavg()[0], "threads": cpu_threads()}

    def measure(name: str, timer_for: Callable[[Prompt], Callable[[], tuple[float, float, int]]]) -> None:
        rates = [decode_rate(timer_for(p), args.repeats) for p in prompts]
        results[f"{name}_tokens_per_s"] = round(sum(rates) / len(rates), 1)
        print(f"{name:28s} {results[f'{name}_tokens_per_s']:7.1f} tokens/s", flush=True)

    for name, bf16 in (("transformers_fp32", False), ("transformers_bf16", True)):
        generator = TransformersGenerator(loaded, template, batch_size=1, bf16=bf16)
        measure(name, lambda p, g=generator: transformers_timer(g, g.prompt_ids(p), args.tokens))
    del loaded

    sources = {f"llamacpp_finetuned_{types[0]}": args.export / GGUF_FILE}
    sources.update({f"llamacpp_finetuned_{t}": args.export / f"model-{t}.gguf" for t in types[1:]})
    _, tokenizer, _ = gguf_source(str(args.export))

    def llama(path: Path) -> Llama:  # llama-cpp-python's own single-sequence path: the reference
        return Llama(model_path=str(path), n_ctx=4096, n_threads=cpu_threads(), verbose=False)

    def ids(p: Prompt) -> list[int]:
        return encode_prompt(template, tokenizer, p.question, p.passages, p.history)

    for name, path in sources.items():
        llm = llama(path)
        measure(name, lambda p, llm=llm: llama_cpp_timer(llm, ids(p), args.tokens))
        del llm
    if base == BUNDLED_MODEL:
        bundled_path, _, _ = gguf_source(BUNDLED_MODEL)
        bundled = llama(bundled_path)
        measure("llamacpp_bundled_q4_1", lambda p: llama_cpp_timer(bundled, ids(p), args.tokens))
        del bundled

    # The ratio the target asks for: the served engine and llama-cpp-python's own path on the same GGUF,
    # both loaded, timed in turns (A B A B ...): which one ran first, and what ran before, moved either
    # by up to 30% in single runs here.
    served, error, _ = load_generator(str(args.export), backend="auto")
    if served is None:
        raise SystemExit(f"the served backend did not load: {error}")
    results["served_backend"] = served.name
    reference = llama(args.export / GGUF_FILE)
    pair: dict[str, list[float]] = {"served": [], "llamacpp": []}
    for _ in range(max(args.repeats, 3)):
        for p in prompts:
            pair["llamacpp"].append(decode_rate(llama_cpp_timer(reference, ids(p), args.tokens), 1))
            pair["served"].append(decode_rate(served_timer(served, p, args.tokens), 1))
    for name, rates in pair.items():  # the best turn of each prompt, averaged over prompts
        best = [max(rates[i :: len(prompts)]) for i in range(len(prompts))]
        results[f"{name}_tokens_per_s"] = round(sum(best) / len(best), 1)
        print(f"{name + ' (in turns)':28s} {results[f'{name}_tokens_per_s']:7.1f} tokens/s", flush=True)
    del reference
    rate = max(served_parallel_rate(served, prompts, args.tokens) for _ in range(args.repeats))
    results["served_8_streams_tokens_per_s"] = round(rate, 1)
    print(f"{'served, 8 answers at once':28s} {rate:7.1f} tokens/s in all", flush=True)
    results["ratio_vs_llamacpp"] = round(results["served_tokens_per_s"] / results["llamacpp_tokens_per_s"], 3)
    results["load_average_at_end"] = os.getloadavg()[0]
    print(json.dumps(results))


if __name__ == "__main__":
    main()
