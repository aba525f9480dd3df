"""The README's commands must keep working (as litgpt tests its README)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _quickstart_commands() -> list[str]:
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", quickstart, re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_readme_names_the_two_commands_and_ci_runs_the_test_one() -> None:
    assert _quickstart_commands() == ["make run", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run: .*\n\t\$\(BIN\)/medqa run", makefile, re.M)
    assert re.search(r"^test: .*\n\t\$\(BIN\)/pytest -q$", makefile, re.M)
    assert "pip install --quiet torch==2.13.0" in makefile


def test_every_config_recipe_loads() -> None:
    from medqa.config import load_config
    from medqa.data.prepare import DataConfig

    data = load_config(DataConfig, ROOT / "configs" / "data.yaml")
    assert data == DataConfig()  # the documented recipe is the defaults
    assert yaml.safe_load((ROOT / "configs" / "data.yaml").read_text())["split"]["seed"] == 42


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_main_job_command_runs_and_ends_serving(tmp_path: Path) -> None:
    """`make run` exactly as the README says (this environment's binaries, a temp run folder, a few
    steps and questions instead of the 10-minute budget): it prepares, trains and exports, then serves
    the assistant until stopped while the evaluation and the report are written in the background."""
    from medqa.retrieval.index import IndexConfig, build_index

    # A small trusted corpus, so the test does not spend minutes indexing all of MedQuAD.
    corpus = tmp_path / "corpus.csv"
    corpus.write_text(
        "question,answer,url\nWhat is asthma?,Asthma is a disease that narrows the airways. "
        "Inhalers open them.,https://example.org/asthma\n"
    )
    build_index(IndexConfig(data=str(corpus)), tmp_path / "index", progress=False)
    bin_dir = Path(sys.executable).parent
    workdir, port = tmp_path / "run", _free_port()
    summary_file = workdir / "report" / "summary.json"
    args = f"--workdir {workdir} --train-steps 3 --eval-limit 3 --set eval_max_new_tokens=16 --set port={port}"
    env = {**os.environ, "MEDQA_INDEX": str(tmp_path / "index"), "MEDQA_DB_PATH": str(tmp_path / "fb.sqlite3")}
    job = subprocess.Popen(
        ["make", "-s", "-o", ".venv/.installed", "run", f"BIN={bin_dir}", f"ARGS={args}"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        # A bound on waiting, not a performance threshold. Nothing waits for MiniLM over a corpus any more:
        # the grounded evaluation's training-split index is BM25 plus the vectors the served index has
        # ready (none on a fresh cache), built in seconds (medqa.retrieval.staged.borrowed_index).
        deadline = time.monotonic() + 1800
        ready = False
        while time.monotonic() < deadline and job.poll() is None and not ready:
            time.sleep(2)
            try:
                ready = urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=5).status == 200
            except OSError:
                continue
        assert ready, f"the main job did not end serving (exit code {job.poll()})"
        status = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=5).read())
        if importlib.util.find_spec("llama_cpp") is not None:  # the export's GGUF, on llama.cpp
            assert status["generator"] == "llamacpp", status
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/chat/completions",
            data=json.dumps({"messages": [{"role": "user", "content": "What is asthma?"}], "max_tokens": 16}).encode(),
            headers={"Content-Type": "application/json"},
        )
        reply = json.loads(urllib.request.urlopen(request, timeout=300).read())
        assert reply["medqa"]["citations"][0]["url"] == "https://example.org/asthma"
        assert reply["medqa"]["disclaimer"] in reply["choices"][0]["message"]["content"]
        # The evaluation goes on beside the server: its report appears while the job serves (a bound on
        # waiting, not a performance threshold).
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline and job.poll() is None and not summary_file.is_file():
            time.sleep(2)
        assert summary_file.is_file(), f"no report while serving (exit code {job.poll()}); see {workdir}/eval.log"
        assert job.poll() is None  # still serving
    finally:
        os.killpg(job.pid, signal.SIGTERM)
        job.wait(timeout=120)
    report = json.loads((workdir / "data" / "data_report.json").read_text())
    assert report["audit"]["total_leaks"] == 0 and report["rows_kept"] > 16000
    assert (workdir / "train" / "adapter" / "adapter_config.json").is_file()
    assert (workdir / "export" / "model.gguf").is_file() and (workdir / "export" / "prompt.yaml").is_file()
    summary = json.loads(summary_file.read_text())
    assert [s["name"] for s in summary["systems"]] == ["nearest", "base", "fine-tuned", "fine-tuned-grounded"]
    assert (workdir / "report" / "report.html").is_file()
    log = (workdir / "eval.log").read_text()
    assert "4/6 evaluate" in log and "5/6 report" in log and "in the background at CPU priority nice" in log
