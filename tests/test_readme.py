"""The README's commands must keep working (as litgpt tests its README)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
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
    from medqa.data import DataConfig

    data = load_config(DataConfig, ROOT / "configs" / "data.yaml")
    assert data == DataConfig()  # the documented recipe is the defaults
    assert yaml.safe_load((ROOT / "configs" / "data.yaml").read_text())["split"]["seed"] == 42


@pytest.mark.slow
def test_main_job_command_runs(tmp_path: Path) -> None:
    """`make run` exactly as the README says, with this environment's binaries and a temp run folder."""
    bin_dir = Path(sys.executable).parent
    workdir = tmp_path / "run"
    subprocess.run(
        # A few steps and questions instead of the 10-minute budget: the same command and code path.
        ["make", "-s", "-o", ".venv/.installed", "run", f"BIN={bin_dir}",
         f"ARGS=--workdir {workdir} --train-steps 3 --eval-limit 3 --set eval_max_new_tokens=16"],
        cwd=ROOT,
        check=True,
        timeout=1800,
    )
    report = json.loads((workdir / "data" / "data_report.json").read_text())
    assert report["audit"]["total_leaks"] == 0 and report["rows_kept"] > 16000
    assert (workdir / "train" / "adapter" / "adapter_config.json").is_file()
    summary = json.loads((workdir / "report" / "summary.json").read_text())
    assert [s["name"] for s in summary["systems"]] == ["base", "fine-tuned"]
    assert (workdir / "report" / "report.html").is_file()
