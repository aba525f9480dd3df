"""Soak test: the real `medqa serve` under a long mixed load, killed with SIGKILL and restarted.

Starts the server in its own process on a free port (the model and index `medqa serve` would use,
resolved once so the restart serves the same model; rate limit raised so the soak is not 429'd),
then --clients concurrent clients send --requests requests, a seeded mix of: grounded questions
(MedQuAD questions from the bundled corpus, answered whole, streamed or not, with a small
max_tokens so the run takes minutes, not hours), emergencies, streams closed after the first few
SSE chunks, feedback on answer ids, health probes, and bad requests (malformed, deeply nested or
non-UTF-8 JSON, wrong types, too-long messages, too-large bodies with and without Content-Length,
unknown routes, wrong methods, out-of-range fields).

The resident memory of the server (with its children) is sampled throughout. At --kill-at of the
requests the server is killed with SIGKILL while requests are in flight, then restarted on the same
SQLite file, and every feedback record it had accepted (2xx) before the kill is looked up in the
file (feedback_lost); the rest of the requests then run against the restarted server.

errors_5xx counts 5xx statuses, connection errors not caused by the kill, error events inside a
200 stream, and streams that ended without `data: [DONE]`. rss_growth_pct compares the mean RSS
while the first 1,000 requests ran with the mean while the last 1,000 before the kill ran (half the
requests before the kill, in a shorter run): both windows in the same server process, since the
restarted one is a fresh process (its mean over the last 1,000 requests is printed too).
Last line: one JSON object {"requests", "errors_5xx", "rss_growth_pct", "feedback_lost"}.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/soak.py [--requests 5000] [--clients 16] [--seed 0]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import random
import shutil
import sqlite3
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from server_process import Server

EMERGENCIES = [
    "My dad just collapsed in the kitchen and he is not breathing",
    "crushing pain in my chest and my left arm went numb, I'm sweating",
    "my wife's face is drooping on one side and she can't get her words out",
    "my toddler swallowed a handful of my pills about ten minutes ago",
    "there is blood pumping out of a deep cut on his leg and it won't stop",
    "my son's lips are blue and he is gasping for air",
]
# Share of each kind in the plan. The generating kinds (question*, cancel_stream) cost the server
# about a second of CPU each on 2 cores and queue behind each other; emergencies go through the
# same worker pool but skip generation; everything else costs milliseconds. About 11% generating
# requests keeps 5,000 requests at 15-25 minutes on 2 cores shared with other jobs.
MIX = {
    "question": 0.05,
    "question_stream": 0.03,
    "cancel_stream": 0.03,
    "emergency": 0.05,
    "feedback": 0.20,
    "health": 0.14,
    "bad": 0.50,
}
CHAT = "/v1/chat/completions"
MAX_BODY = 256_000  # the server's default max_body_bytes
EXPECTED = {  # status each kind must get; anything else is "unexpected" (a 5xx is also an error)
    "bad_malformed_json": {422},
    "bad_nested_json": {400, 422},
    "bad_not_utf8": {400, 422},
    "bad_types": {422},
    "bad_empty_messages": {422},
    "bad_last_not_user": {422},
    "bad_too_long": {422},
    "bad_max_tokens": {422},
    "bad_too_large": {413},
    "bad_too_large_chunked": {413},
    "bad_unknown_route": {404},
    "bad_method": {405},
    "bad_feedback": {422},
}
BAD_KINDS = sorted(EXPECTED)


@dataclass
class Item:
    """One planned request: its kind and the seeded choices it needs."""

    kind: str
    text: str = ""
    pick: float = 0.0  # which answer id a feedback post rates
    up: bool = True


@dataclass
class Outcome:
    label: str  # the HTTP status, or interrupted / connection_error / stream_error / stream_incomplete
    answer_id: str | None = None
    emergency: bool | None = None


@dataclass
class Tally:
    """Everything the clients observed, behind one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    labels: Counter = field(default_factory=Counter)
    by_kind: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    answer_ids: list[str] = field(default_factory=list)
    feedback: dict[str, int] = field(default_factory=dict)  # comment -> server epoch that accepted it
    emergencies_caught: int = 0
    emergencies_answered: int = 0
    done: int = 0


# ----------------------------------------------------------------------------------------- plan
def grounded_questions(count: int, rng: random.Random) -> list[str]:
    """`count` distinct questions of the bundled MedQuAD (what the default index holds)."""
    from medqa.resources import bundled_medquad

    with gzip.open(bundled_medquad(), "rt", encoding="utf-8", newline="") as handle:
        questions = sorted({row["question"].strip() for row in csv.DictReader(handle) if row["question"].strip()})
    return rng.sample(questions, min(count, len(questions)))


def make_plan(total: int, seed: int) -> list[Item]:
    rng = random.Random(seed)
    questions = grounded_questions(2_000, rng)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=total)
    plan = []
    for kind in kinds:
        if kind == "bad":
            kind = rng.choice(BAD_KINDS)
        text = rng.choice(EMERGENCIES) if kind == "emergency" else rng.choice(questions)
        plan.append(Item(kind, text, rng.random(), rng.random() < 0.7))
    return plan


# ----------------------------------------------------------------------------------------- server
def stored_comments(db: Path) -> set[str]:
    """The feedback comments in the SQLite file, read directly (not through the server)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return {row[0] for row in connection.execute("SELECT comment FROM feedback")}


# ----------------------------------------------------------------------------------------- requests
def chat_body(text: str, max_tokens: int, stream: bool = False) -> dict[str, Any]:
    return {
        "model": "medqa",
        "stream": stream,
        "max_tokens": max_tokens,
        "temperature": 0,
        "messages": [{"role": "user", "content": text}],
    }


def answer(client: httpx.Client, item: Item, max_tokens: int) -> Outcome:
    reply = client.post(CHAT, json=chat_body(item.text, max_tokens))
    if reply.status_code != 200:
        return Outcome(str(reply.status_code))
    medqa = reply.json()["medqa"]
    return Outcome("200", medqa["id"], medqa["triage"] == "emergency")


def stream(client: httpx.Client, item: Item, max_tokens: int, cancel_after: int | None = None) -> Outcome:
    """A streamed answer, read to `data: [DONE]` or closed after `cancel_after` events."""
    events, medqa = 0, None
    with client.stream("POST", CHAT, json=chat_body(item.text, max_tokens, stream=True)) as reply:
        if reply.status_code != 200:
            reply.read()
            return Outcome(str(reply.status_code))
        for line in reply.iter_lines():
            if not line.startswith("data: "):
                continue
            if line == "data: [DONE]":
                return Outcome("200", medqa and medqa["id"], medqa and medqa["triage"] == "emergency")
            data = json.loads(line[6:])
            if "error" in data:
                return Outcome("stream_error")
            medqa = data.get("medqa", medqa)
            events += 1
            if cancel_after is not None and events >= cancel_after:
                return Outcome("200")  # leaving the block closes the connection mid-answer
    return Outcome("stream_incomplete")


def feedback(client: httpx.Client, item: Item, answer_ids: list[str], comment: str) -> Outcome:
    answer_id = answer_ids[int(item.pick * len(answer_ids))] if answer_ids else "ans-none-yet"
    body = {"answer_id": answer_id, "rating": "up" if item.up else "down", "comment": comment}
    return Outcome(str(client.post("/api/feedback", json=body).status_code))


def _chunks(size: int) -> Any:
    for _ in range(0, size, 16_384):
        yield b"x" * 16_384


def bad_request(client: httpx.Client, item: Item) -> Outcome:
    """One malformed or out-of-contract request; the server must refuse it with a 4xx."""
    method, path, kwargs = bad_request_args(item)
    return Outcome(str(client.request(method, path, **kwargs).status_code))


def bad_request_args(item: Item) -> tuple[str, str, dict[str, Any]]:
    as_json = {"headers": {"content-type": "application/json"}}
    wrong_types = {"messages": [{"role": "user", "content": 42}], "max_tokens": "lots"}
    match item.kind:
        case "bad_malformed_json":
            return "POST", CHAT, {"content": b'{"messages": [{"role": "user", "cont', **as_json}
        case "bad_nested_json":
            return "POST", CHAT, {"content": b"[" * 50_000 + b"]" * 50_000, **as_json}
        case "bad_not_utf8":
            return "POST", CHAT, {"content": b'{"messages": "\xff\xfe\xfa"}', **as_json}
        case "bad_types":
            return "POST", CHAT, {"json": wrong_types}
        case "bad_empty_messages":
            return "POST", CHAT, {"json": {"messages": []}}
        case "bad_last_not_user":
            return "POST", CHAT, {"json": {"messages": [{"role": "assistant", "content": item.text}]}}
        case "bad_too_long":
            return "POST", CHAT, {"json": chat_body(item.text + " please" * 1_000, 16)}
        case "bad_max_tokens":
            return "POST", CHAT, {"json": chat_body(item.text, 100_000)}
        case "bad_too_large":
            return "POST", CHAT, {"json": chat_body("x" * (MAX_BODY + 10_000), 16)}
        case "bad_too_large_chunked":  # no Content-Length: the server must count as the body arrives
            return "POST", CHAT, {"content": _chunks(MAX_BODY + 50_000), **as_json}
        case "bad_unknown_route":
            return "GET", "/v1/no-such-route", {}
        case "bad_method":
            return "GET", CHAT, {}
        case "bad_feedback":
            return "POST", "/api/feedback", {"json": {"answer_id": "not an id!", "rating": "meh"}}
    raise ValueError(item.kind)


# ----------------------------------------------------------------------------------------- the soak
class Soak:
    """Hands out the plan to the clients; stops handing out at the kill point until the restart."""

    def __init__(self, args: argparse.Namespace, plan: list[Item], server: Server, run_id: str) -> None:
        self.args = args
        self.plan = plan
        self.server = server
        self.run_id = run_id
        self.kill_at = int(len(plan) * args.kill_at) if 0 < args.kill_at < 1 else None
        self.tally = Tally()
        self.epoch = 0  # bumped just before the kill: a request that started earlier may fail from it
        self.next_index = 0
        self.gate_open = True
        self.in_flight = 0
        self.cond = threading.Condition()
        self.kill_now = threading.Event()

    def take(self) -> tuple[int, Item, int] | None:
        """The next request (index, item, epoch), or None when the plan is done."""
        with self.cond:
            while True:
                if self.next_index >= len(self.plan):
                    return None
                if self.next_index == self.kill_at and not self.kill_now.is_set():
                    self.gate_open = False
                    self.kill_now.set()
                if self.gate_open:
                    break
                self.cond.wait()
            index = self.next_index
            self.next_index += 1
            self.in_flight += 1
            return index, self.plan[index], self.epoch

    def client_loop(self, advance: Callable[[], None]) -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        with httpx.Client(base_url=self.server.url, timeout=self.args.timeout, limits=limits) as client:
            while (taken := self.take()) is not None:
                index, item, epoch = taken
                started = time.perf_counter()
                try:
                    outcome = self.send(client, index, item)
                except httpx.TransportError:
                    outcome = Outcome("interrupted" if self.epoch != epoch else "connection_error")
                except (ValueError, KeyError, TypeError) as exc:  # a reply that breaks the contract
                    outcome = Outcome(f"bad_reply:{type(exc).__name__}")
                self.record(index, item, epoch, outcome, time.perf_counter() - started)
                advance()

    def send(self, client: httpx.Client, index: int, item: Item) -> Outcome:
        tokens = self.args.max_tokens
        if item.kind in ("question", "emergency"):
            return answer(client, item, tokens)
        if item.kind == "question_stream":
            return stream(client, item, tokens)
        if item.kind == "cancel_stream":
            return stream(client, item, self.args.cancel_max_tokens, cancel_after=3)
        if item.kind == "feedback":
            with self.tally.lock:
                ids = list(self.tally.answer_ids[-200:])
            return feedback(client, item, ids, self.comment(index))
        if item.kind == "health":
            return Outcome(str(client.get(("/health", "/ready", "/v1/models")[index % 3]).status_code))
        return bad_request(client, item)

    def comment(self, index: int) -> str:
        return f"soak {self.run_id} request {index}"

    def record(self, index: int, item: Item, epoch: int, outcome: Outcome, seconds: float) -> None:
        tally = self.tally
        with tally.lock:
            tally.labels[outcome.label] += 1
            tally.by_kind[item.kind][outcome.label] += 1
            if outcome.label != "interrupted":  # cut short by the kill: not a latency
                tally.latency[item.kind].append(seconds)
            if outcome.answer_id and item.kind != "emergency":
                tally.answer_ids.append(outcome.answer_id)
            if item.kind == "emergency" and outcome.emergency is not None:
                tally.emergencies_answered += 1
                tally.emergencies_caught += outcome.emergency
            if item.kind == "feedback" and outcome.label.startswith("2"):
                tally.feedback[self.comment(index)] = epoch
            tally.done += 1
        with self.cond:
            self.in_flight -= 1
            self.cond.notify_all()

    def crash_and_restart(self) -> dict[str, Any]:
        """SIGKILL mid-load, wait for the clients' in-flight requests to end, restart, check the file."""
        with self.cond:
            in_flight = self.in_flight
            self.epoch += 1
        self.server.kill()
        with self.cond:
            self.cond.wait_for(lambda: self.in_flight == 0, timeout=self.args.timeout + 10)
        with self.tally.lock:
            accepted = {comment for comment, epoch in self.tally.feedback.items() if epoch == 0}
        restart_s = self.server.start()
        lost = accepted - stored_comments(self.server.db)
        with self.cond:
            self.gate_open = True
            self.cond.notify_all()
        return {"in_flight": in_flight, "accepted": len(accepted), "lost": len(lost), "restart_s": restart_s}


def sample_rss(soak: Soak, samples: list[tuple[int, int, int, int]], stop: threading.Event) -> None:
    """(requests done, server epoch, RSS, anonymous RSS) every 0.5 s while the server takes requests
    (not while it is killed and reloading: those samples would belong to no request)."""
    while not stop.wait(0.5):
        epoch = soak.epoch
        if not soak.gate_open:
            continue
        memory = soak.server.rss()
        if memory is not None:
            samples.append((soak.tally.done, epoch, *memory))


def window_mean(samples: list[tuple[int, int, int, int]], epoch: int, lo: int, hi: int, column: int) -> float:
    values = [s[column] for s in samples if s[1] == epoch and lo <= s[0] < hi]
    return float(np.mean(values)) / 2**20 if values else float("nan")


# ----------------------------------------------------------------------------------------- report
def rss_trend(samples: list[tuple[int, int, int, int]], total: int, points: int = 10) -> str:
    """Mean RSS per tenth of the run, marking the restart: a steady climb is what a leak looks like."""
    step = max(1, total // points)
    parts = []
    for lo in range(0, total, step):
        for epoch in sorted({s[1] for s in samples if lo <= s[0] < lo + step}):
            mean = window_mean(samples, epoch, lo, lo + step, 2)
            parts.append(f"{lo}-{lo + step}{'*' if epoch else ''}: {mean:.0f}")
    return ", ".join(parts) + " (* restarted server)"


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def count_errors(tally: Tally) -> int:
    labels = tally.labels
    server_errors = sum(n for label, n in labels.items() if label.isdigit() and int(label) >= 500)
    return server_errors + sum(labels[k] for k in ("connection_error", "stream_error", "stream_incomplete"))


def unexpected(tally: Tally) -> dict[str, dict[str, int]]:
    """Per kind, outcomes other than its expected status (an interruption by the kill is expected)."""
    found = {}
    for kind, labels in tally.by_kind.items():
        allowed = {str(s) for s in EXPECTED.get(kind, {200})} | {"interrupted"}
        odd = {label: n for label, n in labels.items() if label not in allowed}
        if odd:
            found[kind] = odd
    return found


def print_report(
    args: argparse.Namespace, soak: Soak, samples: list, crash: dict[str, Any] | None, wall: float, end_missing: int
) -> dict[str, Any]:
    tally, total = soak.tally, len(soak.plan)
    before_kill = soak.kill_at or total
    window = min(1_000, before_kill // 2)
    first = window_mean(samples, 0, 0, window, 2)
    last = window_mean(samples, 0, before_kill - window, before_kill, 2)
    first_anon = window_mean(samples, 0, 0, window, 3)
    last_anon = window_mean(samples, 0, before_kill - window, before_kill, 3)
    restarted = window_mean(samples, 1, total - window, total + 1, 2)
    growth = (last / first - 1) * 100
    errors = count_errors(tally)
    print(
        f"{total} requests from {args.clients} clients in {wall / 60:.1f} min ({total / wall:.1f} requests/s); "
        f"model {args.model}, {args.workers or 'default'} workers, max_tokens {args.max_tokens} for answers "
        f"(kept small so the soak takes minutes on 2 cores), {args.cancel_max_tokens} for streams closed after "
        f"3 events; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print("outcomes:", dict(sorted(tally.labels.items())))
    for kind in sorted(tally.by_kind):
        times = tally.latency[kind]
        print(
            f"  {kind:22} {sum(tally.by_kind[kind].values()):5d}  {dict(tally.by_kind[kind])}  "
            f"p50 {pct(times, 50):.2f} s  p95 {pct(times, 95):.2f} s"
        )
    print(f"unexpected outcomes: {unexpected(tally) or 'none'}")
    print(f"emergencies answered with triage=emergency: {tally.emergencies_caught}/{tally.emergencies_answered}")
    print(f"errors_5xx (5xx, connection errors, errors inside streams, unfinished streams): {errors}")
    print(
        f"server RSS, mean over requests 0-{window}: {first:.0f} MB; "
        f"over requests {before_kill - window}-{before_kill}: "
        f"{last:.0f} MB (same process) -> growth {growth:+.1f}%; anonymous (non-file) RSS {first_anon:.0f} -> "
        f"{last_anon:.0f} MB; {len(samples)} samples"
    )
    print("server RSS (MB) by requests done:", rss_trend(samples, total))
    if crash:
        print(
            f"SIGKILL after {before_kill} requests handed out ({crash['in_flight']} in flight); restarted and ready "
            f"in {crash['restart_s']:.1f} s; feedback accepted before the kill: {crash['accepted']}, missing from "
            f"the database after the restart: {crash['lost']}; restarted server RSS over the last {window} "
            f"requests: {restarted:.0f} MB"
        )
    print(f"feedback accepted in the whole run: {len(tally.feedback)}; missing from the file at the end: {end_missing}")
    return {
        "requests": total,
        "errors_5xx": errors,
        "rss_growth_pct": round(growth, 2),
        "feedback_lost": crash["lost"] if crash else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=None, help="run/exported folder or base model (default: the server's)")
    parser.add_argument("--index", type=Path, default=None, help="index folder (default: the server's)")
    parser.add_argument("--backend", default=None)
    parser.add_argument("--workers", type=int, default=None, help="answers in flight (default: the server's)")
    parser.add_argument("--max-tokens", type=int, default=16, help="new tokens per answer")
    parser.add_argument("--cancel-max-tokens", type=int, default=64, help="new tokens a cancelled stream asks for")
    parser.add_argument("--kill-at", type=float, default=0.8, help="share of requests before SIGKILL (0: no kill)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds one request may take")
    parser.add_argument("--ready-timeout", type=float, default=900)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (database, server log)")
    args = parser.parse_args()

    from rich.console import Console

    from medqa.models import BUNDLED_MODEL, latest_run
    from medqa.progress import progress_bar

    if args.model is None:  # resolved once: a training run finishing mid-soak must not change the model
        run = latest_run()
        args.model = str(run) if run else BUNDLED_MODEL
    console = Console(stderr=True)
    workdir = Path(tempfile.mkdtemp(prefix="medqa-soak-"))
    plan = make_plan(args.requests, args.seed)
    server = Server(args, workdir)
    console.print(f"starting medqa serve --model {args.model} on port {server.port} (work folder {workdir}) ...")
    ready_s = server.start()
    console.print(f"ready after {ready_s:.1f} s")
    soak = Soak(args, plan, server, run_id=workdir.name)
    samples: list[tuple[int, int, int, int]] = []
    stop_sampling = threading.Event()
    threading.Thread(target=sample_rss, args=(soak, samples, stop_sampling), daemon=True).start()
    crash = None
    started = time.perf_counter()
    try:
        with progress_bar("req", console=console) as progress:
            task = progress.add_task("soak", total=len(plan))
            threads = [
                threading.Thread(target=soak.client_loop, args=(lambda: progress.advance(task),), daemon=True)
                for _ in range(args.clients)
            ]
            for thread in threads:
                thread.start()
            while any(t.is_alive() for t in threads):
                if soak.kill_now.is_set() and crash is None:
                    progress.update(task, description="killed, restarting")
                    crash = soak.crash_and_restart()
                    progress.update(task, description="soak (restarted)")
                time.sleep(0.1)
        wall = time.perf_counter() - started
    finally:
        stop_sampling.set()
        server.stop()
    end_missing = len(set(soak.tally.feedback) - stored_comments(server.db))
    result = print_report(args, soak, samples, crash, wall, end_missing)
    if args.keep:
        print(f"server log and database kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
