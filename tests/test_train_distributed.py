"""The same `train()` under `accelerate launch`: two CPU processes (gloo), both train, one writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
import torch

WORKER = textwrap.dedent(
    """
    import json, sys, torch
    from accelerate import PartialState
    from medqa.train import TrainConfig, train

    model, data, out, reports = sys.argv[1:5]
    torch.set_num_threads(1)
    config = TrainConfig(model=model, data=data, out=out, batch_size=2, max_length=160, precision="fp32",
                         max_steps=3, eval_every=3, save_every=3, learning_rate=1e-2)
    result = train(config)
    state = PartialState()
    report = {"rank": state.process_index, "world": state.num_processes, "steps": result.steps}
    with open(f"{reports}/rank{state.process_index}.json", "w") as handle:
        json.dump(report, handle)
    """
)


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason="the CPU/gloo path; GPUs would use NCCL")
def test_two_cpu_processes_train_and_one_writes(tiny_llama, tiny_data, tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    out, reports = tmp_path / "run", tmp_path / "reports"
    reports.mkdir()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [
        sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
        "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", "29517",
        str(script), str(tiny_llama), str(tiny_data), str(out), str(reports),
    ]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]

    ranks = [json.loads((reports / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["world"] for r in ranks] == [2, 2] and [r["steps"] for r in ranks] == [3, 3]
    info = json.loads((out / "train_info.json").read_text())
    assert info["processes"] == 2
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if r["split"] == "train"] == [1, 2, 3]  # one writer: no duplicate rows
    # 3 steps x 2 processes x 2 examples: each process trained on its own share of every step.
    assert info["examples_seen"] == 12
    assert (out / "adapter" / "adapter_model.safetensors").is_file()
    assert (out / "checkpoints" / "step-0000003" / "trainer_state.json").is_file()
