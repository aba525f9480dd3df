"""`medqa serve` in its own process, as a user starts it, for the benchmarks that drive the real
server (serve_load.py, single_user.py, soak.py): free port, start and wait for /ready, SIGTERM or
SIGKILL, memory, one streamed answer timed, /metrics read."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
from prometheus_client.parser import text_string_to_metric_families


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`medqa serve` in its own process group, started (and restarted) with the same settings."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = workdir / "medqa.sqlite3"
        self.log = workdir / "server.log"
        self.command = [sys.executable, "-m", "medqa", "serve", "--port", str(self.port)]
        for flag in ("model", "workers", "index", "backend"):  # the ones the benchmark's options set
            if getattr(args, flag, None):
                self.command += [f"--{flag}", str(getattr(args, flag))]
        self.env = {
            **os.environ,
            "MEDQA_RATE_LIMIT_PER_MINUTE": "1000000",  # the benchmarks measure the server, not the limiter
            "MEDQA_RATE_LIMIT_BURST": "1000000",
            "MEDQA_DB_PATH": str(self.db),
        }
        self.ready_timeout = args.ready_timeout
        self.process: subprocess.Popen | None = None

    def start(self) -> float:
        """Start it; the seconds until `GET /ready` answered 200."""
        started = time.perf_counter()
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        while time.perf_counter() - started < self.ready_timeout:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited with code {self.process.returncode}; see {self.log}")
            try:
                if httpx.get(f"{self.url}/ready", timeout=2).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"the server was not ready in {self.ready_timeout} s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no shutdown code runs."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.kill()

    def rss(self) -> tuple[int, int] | None:
        """(RSS, anonymous RSS = RSS minus file-backed pages) of the server and its children, bytes."""
        try:
            root = psutil.Process(self.process.pid)
            infos = [p.memory_info() for p in [root, *root.children(recursive=True)]]
        except (psutil.Error, AttributeError):
            return None
        return sum(i.rss for i in infos), sum(i.rss - i.shared for i in infos)


def stream_answer(
    client: httpx.Client, url: str, question: str, max_tokens: int
) -> tuple[float, float, dict[str, object]]:
    """(seconds to the first answer text, seconds to the whole answer, the `medqa` field) of one
    streamed grounded question; the clock starts before the request is sent."""
    body = {
        "model": "medqa",
        "stream": True,
        "max_tokens": max_tokens,
        "temperature": 0,
        "messages": [{"role": "user", "content": question}],
    }
    started = time.perf_counter()
    first = None
    medqa: dict[str, object] = {}
    with client.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=300) as reply:
        reply.raise_for_status()
        for line in reply.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            event = json.loads(line[6:])
            if "error" in event:
                raise ValueError(f"the answer failed: {event['error']}")
            if first is None and event["choices"][0]["delta"].get("content"):
                first = time.perf_counter() - started
            medqa = event.get("medqa", medqa)
    total = time.perf_counter() - started
    return (first if first is not None else total), total, medqa


def scrape(url: str) -> dict[str, float]:
    """The server's /metrics as {sample name with labels: value} (labels as name{k=v,...})."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples
