"""`medqa run` (the README's main job) to the first answer, as a new user meets it: a fresh model
and index cache, the real command, then the real server asked one grounded question over its API.

Prints each stage's minutes (from the job's own "N/6" headers, timed as its lines arrive), the
seconds from the serve stage's start to `/ready`, and the minutes from the start to the first
streamed answer text; then stops the job. Last line: one JSON object.

    .venv/bin/python bench/main_job.py [--cache /tmp/fresh] [--port 8765] [-- extra medqa run args]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server_process import free_port, stream_answer  # noqa: E402

STAGE = re.compile(r"^\s*(\d)/6 (\w+)")
QUESTION = "What are the symptoms of glaucoma?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", help="MEDQA_CACHE for the run (default: a new, empty folder)")
    parser.add_argument("--runs", default=None, help="parent of the run folder (default: a temporary folder)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", default="main_job.log", help="the job's output, each line with its elapsed seconds")
    parser.add_argument("--timeout-min", type=float, default=90)
    parser.add_argument("extra", nargs="*", help="more `medqa run` arguments")
    args = parser.parse_args()

    cache = Path(args.cache or tempfile.mkdtemp(prefix="medqa-cache-"))
    runs = Path(args.runs or tempfile.mkdtemp(prefix="medqa-runs-"))
    port = args.port or free_port()
    run_dir = runs / "run"
    command = [sys.executable, "-m", "medqa", "run", "--workdir", str(run_dir), "--set", f"port={port}", *args.extra]
    env = {**os.environ, "MEDQA_CACHE": str(cache), "MEDQA_DB_PATH": str(runs / "medqa.sqlite3"), "COLUMNS": "120"}
    print(f"cache {cache}, run {run_dir}, port {port}", flush=True)
    started = time.perf_counter()
    stages: dict[str, float] = {}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )

    def read_output() -> None:
        with open(args.log, "w") as log:
            assert process.stdout is not None
            for line in process.stdout:
                elapsed = time.perf_counter() - started
                log.write(f"{elapsed:8.1f} {line}")
                log.flush()
                match = STAGE.match(line)
                if match:
                    stages[match.group(2)] = elapsed
                    print(f"{elapsed / 60:6.2f} min  {line.strip()}", flush=True)

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    url = f"http://127.0.0.1:{port}"
    ready_at = first_at = total_at = None
    answer: dict[str, object] = {}
    try:
        while time.perf_counter() - started < args.timeout_min * 60:
            if process.poll() is not None:
                raise SystemExit(f"medqa run exited with code {process.returncode}; see {args.log}")
            if "serve" in stages:
                try:
                    if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                        ready_at = time.perf_counter() - started
                        break
                except httpx.HTTPError:
                    pass
            time.sleep(0.5)
        if ready_at is None:
            raise SystemExit(f"no answer within {args.timeout_min} min; see {args.log}")
        index = httpx.get(f"{url}/ready", timeout=5).json().get("index")
        with httpx.Client() as client:
            first, total, answer = stream_answer(client, url, QUESTION, 128)
        first_at, total_at = ready_at + first, ready_at + total
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    order = [name for name, _ in sorted(stages.items(), key=lambda item: item[1])]
    minutes = {}
    for name, following in zip(order, [*order[1:], None], strict=True):
        end = stages[following] if following else ready_at
        minutes[name] = round((end - stages[name]) / 60, 2)
    print("minutes per stage: " + ", ".join(f"{name} {value}" for name, value in minutes.items()))
    print(f"serve stage to /ready: {ready_at - stages['serve']:.1f} s; index at ready: {index}")
    print(f"start to first answer text: {first_at / 60:.2f} min (whole answer {total_at / 60:.2f} min)")
    print(f"answer ({len(answer.get('citations') or [])} citations, abstained {answer.get('abstained')}):")
    print(answer.get("answer"))
    print(
        json.dumps(
            {
                "minutes_to_first_answer": round(first_at / 60, 2),
                "minutes_per_stage": minutes,
                "serve_to_ready_s": round(ready_at - stages["serve"], 1),
                "index_at_ready": index,
                "first_text_s": round(first_at - ready_at, 2),
                "load_average": os.getloadavg(),
            }
        )
    )


if __name__ == "__main__":
    main()
