"""Training survives what machines do to it: `kill -9`, a crash halfway through a checkpoint, a full
or unwritable disk, a NaN. The kill tests run the real `medqa train` in a subprocess and compare the
resumed run's weights with an uninterrupted run's (same seed, dropout on, warmup and cosine decay,
three epochs, so data order, RNG, optimizer and scheduler state must all be restored exactly)."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from fakes import tiny_config, write_data
from medqa.errors import MedqaError
from medqa.fileio import write_error
from medqa.train import train
from medqa.train.outputs import read_metrics

pytestmark = pytest.mark.usefixtures("one_thread")  # torch single-threaded: see fakes.single_thread

STEPS = 60  # 48 examples in batches of 2: 24 steps an epoch, so the run crosses two epoch boundaries
SETTINGS = {
    "batch_size": 2,
    "max_length": 160,
    "learning_rate": 1e-2,
    "warmup_ratio": 0.1,
    "precision": "fp32",
    "epochs": 3,
    "save_every": 2,
    "eval_every": 10,
    "max_eval_examples": 6,
    "lora.dropout": 0.1,
    "log_every": 1000,
}
# The child dies by SIGKILL in the middle of writing the step-6 checkpoint: after the weights and the
# optimizer state are on disk, with the weights file cut in half, before the checkpoint is complete.
CRASH_IN_CHECKPOINT = """
import os, signal, sys
from pathlib import Path
from accelerate import Accelerator

real_save_state = Accelerator.save_state

def save_state(self, output_dir=None, **kwargs):
    saved = real_save_state(self, output_dir, **kwargs)
    if Path(output_dir).name == ".step-0000006.tmp":
        weights = Path(output_dir) / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
        os.kill(os.getpid(), signal.SIGKILL)
    return saved

Accelerator.save_state = save_state
sys.argv = ["medqa", *sys.argv[1:]]
from medqa.cli import main
main()
"""


@pytest.fixture(scope="module")
def fault_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_data(tmp_path_factory.mktemp("fault-data"), repeats=8)


@pytest.fixture(scope="module")
def whole_run(tiny_llama, fault_data, tmp_path_factory) -> Path:
    """The uninterrupted reference run, through the CLI like the interrupted ones."""
    out = tmp_path_factory.mktemp("whole") / "run"
    _medqa(_train_args(tiny_llama, fault_data, out))
    return out


def _train_args(model: Path, data: Path, out: Path, *extra: str) -> list[str]:
    sets = [arg for key, value in SETTINGS.items() for arg in ("--set", f"{key}={value}")]
    return ["train", "--model", str(model), "--data", str(data), "--out", str(out), "--max-steps", str(STEPS)] + [
        *sets,
        *extra,
    ]


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "COLUMNS": "200"}


def _medqa(args: list[str]) -> str:
    """Run `python -m medqa ARGS`; its stdout and stderr, after checking that it succeeded."""
    done = subprocess.run([sys.executable, "-m", "medqa", *args], env=_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def _complete(run: Path) -> list[str]:
    return sorted(p.parent.name for p in (run / "checkpoints").glob("step-*/trainer_state.json"))


def _assert_same_weights(got: Path, expected: Path) -> float:
    """The same trainable weights, optimizer state and losses as the reference; the largest weight gap."""
    final = f"checkpoints/step-{STEPS:07d}"
    gap = 0.0
    for name in (f"{final}/model.safetensors", "adapter/adapter_model.safetensors"):
        a, b = load_file(str(got / name)), load_file(str(expected / name))
        assert a.keys() == b.keys() and a
        for key in a:
            torch.testing.assert_close(a[key], b[key], rtol=0, atol=1e-5)
            gap = max(gap, (a[key] - b[key]).abs().max().item())
    a, b = (torch.load(run / final / "optimizer.bin", weights_only=True)["state"] for run in (got, expected))
    assert a.keys() == b.keys()
    for key in a:
        for field in ("exp_avg", "exp_avg_sq", "step"):
            torch.testing.assert_close(a[key][field], b[key][field], rtol=0, atol=1e-5)
    rows, reference = (read_metrics(run / "metrics.jsonl") for run in (got, expected))
    assert [(r["step"], r["split"]) for r in rows] == [(r["step"], r["split"]) for r in reference]  # none twice
    for row, ref in zip(rows, reference, strict=True):
        assert row["loss"] == pytest.approx(ref["loss"], abs=1e-5) and row.get("lr") == ref.get("lr")
    info, ref_info = (json.loads((run / "train_info.json").read_text()) for run in (got, expected))
    assert (info["steps"], info["best_step"]) == (ref_info["steps"], ref_info["best_step"]) == (STEPS, STEPS)
    return gap


# ------------------------------------------------------------------------------------- kill -9
@pytest.mark.slow
def test_kill_9_then_resume_reaches_the_same_weights(tiny_llama, fault_data, whole_run, tmp_path):
    run, log = tmp_path / "run", tmp_path / "killed.log"
    with log.open("w") as output:
        child = subprocess.Popen(
            [sys.executable, "-m", "medqa", *_train_args(tiny_llama, fault_data, run)],
            env=_env(),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 300
        while not _complete(run):  # a complete checkpoint is renamed into place: the run is past it
            assert child.poll() is None, f"the run ended before its first checkpoint:\n{log.read_text()}"
            assert time.monotonic() < deadline, "no checkpoint after 5 minutes"
            time.sleep(0.005)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert not (run / "train_info.json").exists()  # a killed run does not look finished
    killed_at = _complete(run)[-1]

    output = _medqa(_train_args(tiny_llama, fault_data, run, "--resume"))

    assert f"resuming from {run / 'checkpoints' / killed_at}" in output
    gap = _assert_same_weights(run, whole_run)
    print(f"killed after {killed_at}; resumed to step {STEPS}; largest weight difference {gap:.3g}")


@pytest.mark.slow
def test_crash_while_writing_a_checkpoint_resumes_from_the_previous_one(
    tiny_llama,
    fault_data,
    whole_run,
    tmp_path,
):
    run = tmp_path / "run"
    args = [sys.executable, "-c", CRASH_IN_CHECKPOINT, *_train_args(tiny_llama, fault_data, run)]
    crashed = subprocess.run(args, env=_env(), capture_output=True, text=True)
    assert crashed.returncode == -signal.SIGKILL, crashed.stdout + crashed.stderr
    # Written under a temporary name, never renamed: the half-written checkpoint does not look complete.
    assert _complete(run) == ["step-0000002", "step-0000004"]
    partial = run / "checkpoints" / ".step-0000006.tmp"
    assert (partial / "model.safetensors").is_file() and not (partial / "trainer_state.json").exists()

    output = _medqa(_train_args(tiny_llama, fault_data, run, "--resume"))

    assert f"ignoring {partial}: an incomplete checkpoint" in output
    assert f"resuming from {run / 'checkpoints' / 'step-0000004'}" in output
    assert not partial.exists()
    gap = _assert_same_weights(run, whole_run)
    print(f"crashed writing step-0000006; resumed from step-0000004; largest weight difference {gap:.3g}")


def test_resume_refuses_other_settings_and_takes_the_runs_own(tiny_llama, tiny_data, tmp_path, run_cli):
    run = tmp_path / "run"
    base = ["train", "--model", str(tiny_llama), "--data", str(tiny_data), "--out", str(run)]
    sets = ["--set", "batch_size=2", "--set", "max_length=160", "--set", "precision=fp32", "--set", "eval_every=0"]
    assert run_cli(*base, *sets, "--max-steps", "2", "--set", "save_every=1").code == 0

    # The README's `medqa train --data ... --out ... --resume`, after a run with other settings:
    result = run_cli(*base, "--resume", "--max-steps", "4")
    assert result.code == 2 and "Traceback" not in result.err
    assert "these settings differ from the run's" in result.err and "batch_size: 2 in the run, 8 now" in result.err
    assert f"--config {run / 'config.yaml'} --resume" in result.err

    result = run_cli("train", "--config", str(run / "config.yaml"), "--resume", "--max-steps", "4")
    assert result.code == 0, result.err
    assert json.loads((run / "train_info.json").read_text())["steps"] == 4


# ------------------------------------------------------------------------------------- full or unwritable disk
@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc and /sys")
def test_unwritable_output_folders_fail_early_and_clearly(tiny_llama, tiny_data, tmp_path, run_cli):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    cases = {
        a_file / "run": f"cannot create {a_file / 'run'}: {a_file} is a file, not a folder",
        a_file / "deeper" / "run": f"{a_file} is a file, not a folder",
        Path("/proc/medqa-run"): "cannot create /proc/medqa-run: /proc is not writable (no such file or directory); "
        "choose a folder you can write to",
        Path("/sys/medqa-run"): "cannot create /sys/medqa-run: /sys is not writable (permission denied); "
        "choose a folder you can write to",
    }
    for out, message in cases.items():
        result = run_cli("train", "--model", str(tiny_llama), "--data", str(tiny_data), "--out", str(out))
        assert result.code == 2, (out, result.err)
        assert message in result.err, (out, result.err)
        assert "Traceback" not in result.err + result.out and not out.exists()


def test_disk_full_while_checkpointing_keeps_the_last_complete_one(tiny_llama, tiny_data, tmp_path, monkeypatch):
    from accelerate import Accelerator

    real_save_state = Accelerator.save_state

    def full_at_step_4(self, output_dir=None, **kwargs):
        if Path(output_dir).name != ".step-0000004.tmp":
            return real_save_state(self, output_dir, **kwargs)
        Path(output_dir).mkdir(parents=True)
        (Path(output_dir) / "optimizer.bin").write_bytes(b"half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Accelerator, "save_state", full_at_step_4)
    run = tmp_path / "run"
    with pytest.raises(MedqaError) as caught:
        train(tiny_config(tiny_llama, tiny_data, run, max_steps=6))
    message = str(caught.value)
    assert f"cannot write {run / 'checkpoints' / 'step-0000004'}: the disk is full" in message
    assert f"the last complete checkpoint, {run / 'checkpoints' / 'step-0000002'}, is kept" in message
    assert "--resume" in message
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["step-0000002"]  # the space given back
    assert not (run / "train_info.json").exists()


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A 320 KiB tmpfs: room for two checkpoints of the tiny model, not three. Needs root (else skip)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=320k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_real_full_disk_stops_cleanly_and_resume_continues(tiny_llama, tiny_data, tiny_tmpfs):
    """torch reports a full disk as 'unexpected pos 26880 vs 26772': the message must still say why."""
    run = tiny_tmpfs / "run"
    settings = dict(max_steps=8, batch_size=2, eval_every=0, max_eval_examples=0)
    with pytest.raises(MedqaError, match=r"the disk is full \(0\.0 MiB free\); free some space") as caught:
        train(tiny_config(tiny_llama, tiny_data, run, **settings))
    assert str(run) in str(caught.value) and "is kept: continue from it with --resume" in str(caught.value)
    assert not (run / "train_info.json").exists() and not (run / "adapter").exists()
    assert not list((run / "checkpoints").glob(".*"))  # no half-written checkpoint left behind
    assert _complete(run)

    subprocess.run(["mount", "-o", "remount,size=4m", str(tiny_tmpfs)], check=True)  # space freed
    result = train(tiny_config(tiny_llama, tiny_data, run, resume=True, **settings))
    assert result.steps == 8 and (run / "train_info.json").is_file()


def test_storage_errors_in_other_words_are_recognised(tmp_path):
    safetensors = RuntimeError("Error while serializing: I/O error: No space left on device (os error 28)")
    assert "the disk is full" in str(write_error(tmp_path / "w", safetensors))
    read_only = OSError(errno.EROFS, "Read-only file system", str(tmp_path / "w"))
    assert str(write_error(tmp_path, read_only)) == (
        f"cannot write {tmp_path / 'w'}: the file system is read-only; choose a folder you can write to"
    )
    assert write_error(tmp_path, RuntimeError("shape mismatch")) is None  # a bug stays a bug
    assert write_error(tmp_path, ValueError("bad value")) is None


def test_a_line_cut_short_by_a_crash_is_dropped_from_the_metrics(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 1, "split": "train", "loss": 2.0}\n{"step": 2, "spl')
    assert read_metrics(path) == [{"step": 1, "split": "train", "loss": 2.0}]
    path.write_text('{"step": 1, "spl\n{"step": 2, "split": "train", "loss": 2.0}\n')
    with pytest.raises(MedqaError, match="metrics.jsonl, line 1: not valid JSON"):
        read_metrics(path)


# ------------------------------------------------------------------------------------- NaN
def test_diverging_run_stops_through_the_cli_before_poisoning_a_checkpoint(tiny_llama, tiny_data, tmp_path, run_cli):
    """A learning rate of 1000 makes the gradients of step 2 overflow while its loss is still finite;
    applying them would have written NaN weights into every later checkpoint."""
    run = tmp_path / "run"
    result = run_cli(
        "train", "--model", tiny_llama, "--data", tiny_data, "--out", run, "--method", "full", "--max-steps", "20",
        "--set", "learning_rate=1000", "--set", "warmup_ratio=0", "--set", "save_every=1", "--set", "eval_every=0",
        "--set", "batch_size=2", "--set", "max_length=160", "--set", "precision=fp32",
    )  # fmt: skip
    assert result.code == 2 and "Traceback" not in result.err + result.out
    assert "gradients became inf/nan" in result.err and "at step 2; stopped" in result.err
    assert f"the last good checkpoint is {run / 'checkpoints' / 'step-0000001'}" in result.err
    assert "lower learning_rate" in result.err
    assert _complete(run) == ["step-0000001"] and not (run / "train_info.json").exists()
    weights = load_file(str(run / "checkpoints" / "step-0000001" / "model.safetensors"))
    assert all(t.isfinite().all() for t in weights.values())
