"""Checkpoints and crash safety for `train.loop`: what a run writes so that it survives a crash.

Only the main process writes, and always atomically: a checkpoint or weights folder is written under a
hidden temporary name, flushed to disk and renamed into place, so `--resume` (which loads the newest
complete checkpoint) never sees a half-written one after a crash, `kill -9` or power cut. A checkpoint
is complete once its `trainer_state.json` (a `TrainState`, written last) is there. A full disk or an
unwritable folder stops the run with a MedqaError that names the path and the checkpoint that is kept.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from medqa.config import config_to_dict, read_recipe
from medqa.errors import MedqaError
from medqa.fileio import (
    atomic_write_json,
    check_replaceable,
    ensure_writable_dir,
    explain_write_errors,
    fsync_dir,
    fsync_tree,
)
from medqa.models import CONFIG_FILE
from medqa.train.config import TrainConfig

CHECKPOINTS = "checkpoints"
STATE_FILE = "trainer_state.json"
# Settings that shape the weights a run reaches: `--resume` refuses to continue a run with others
# (max_steps, max_minutes, evaluation, checkpoint and logging settings may change).
SAME_ON_RESUME = (
    "model",
    "data",
    "method",
    "lora",
    "prompt",
    "max_length",
    "max_answer_tokens",
    "grounding",
    "batching",
    "batch_size",
    "grad_accum",
    "max_batch_tokens",
    "epochs",
    "max_train_examples",
    "learning_rate",
    "weight_decay",
    "schedule",
    "warmup_ratio",
    "min_lr_ratio",
    "optimizer",
    "max_grad_norm",
    "precision",
    "gradient_checkpointing",
    "seed",
)


@dataclass
class TrainState:
    """Where a run stands; saved in every checkpoint as `trainer_state.json` and restored by `--resume`.

    The JSON keys are the field names, the same keys the untyped state of earlier versions wrote, so
    their checkpoints resume unchanged."""

    step: int = 0
    """Optimizer steps taken."""
    best_loss: float | None = None
    """The lowest validation loss so far (None: not evaluated yet)."""
    best_step: int | None = None
    """The step of `best_loss`, whose weights are in the run's adapter/model folder."""
    bad_evals: int = 0
    """Evaluations in a row without improvement (for early stopping)."""
    examples: int = 0
    """Training examples seen, over all processes."""
    seconds: float = 0.0
    """Training time over all invocations of the run."""

    @classmethod
    def read(cls, path: Path) -> TrainState:
        """The state saved at `path`; a MedqaError naming the file and field when it is not one."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise MedqaError(f"cannot read {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise MedqaError(f"{path}: expected a JSON object, got {type(data).__name__}")
        names = [f.name for f in fields(cls)]
        missing, unknown = [n for n in names if n not in data], [k for k in data if k not in names]
        if missing or unknown:
            raise MedqaError(f"{path}: not a medqa training state (missing {missing}, unknown {unknown})")
        for field in fields(cls):  # the annotations are strings here: 'int', 'float | None'...
            value = data[field.name]
            if value is None and "None" in field.type:
                continue
            kinds = (int, float) if field.type.startswith("float") else (int,)
            if isinstance(value, bool) or not isinstance(value, kinds):
                raise MedqaError(f"{path}: field '{field.name}' must be {field.type}, got {value!r}")
        return cls(**data)

    def write(self, path: Path) -> None:
        """Write the state to `path` atomically."""
        atomic_write_json(path, asdict(self))


# ------------------------------------------------------------------------------------- the run folder
def check_run_folder(out: Path, config: TrainConfig) -> None:
    """Before anything slow: `out` can be written, and holds a checkpoint of the same run for `--resume`
    or nothing (unless `--overwrite`)."""
    if config.resume:
        if not complete_checkpoints(out):
            partial = partial_checkpoints(out)
            note = f"; {len(partial)} incomplete one(s) ignored, cut short by a crash" if partial else ""
            raise MedqaError(f"--resume: {out} has no checkpoint to resume from (looked in {out / CHECKPOINTS}){note}")
        _check_same_settings(out, config)
        ensure_writable_dir(out)
    elif out.exists() and not config.overwrite:
        raise MedqaError(f"output folder {out} already exists; pass --overwrite to replace it or --resume to continue")
    elif out.exists() and not out.is_dir():
        raise MedqaError(f"output path {out} exists and is not a folder")
    else:
        if out.exists():  # --overwrite deletes it: only a folder medqa wrote, never the one you work in
            check_replaceable(out)
        ensure_writable_dir(out.parent, target=out)


def _check_same_settings(out: Path, config: TrainConfig) -> None:
    """Refuse to resume with settings that change the run: it would silently become another run."""
    saved_file = out / CONFIG_FILE
    if not saved_file.is_file():
        return
    saved, now = read_recipe(saved_file), config_to_dict(config)
    keys = [k for k in SAME_ON_RESUME if k in saved and saved[k] != now[k]]
    changed = [f"{k}: {saved[k]!r} in the run, {now[k]!r} now" for k in keys]
    if changed:
        raise MedqaError(
            f"--resume: these settings differ from the run's {saved_file}, so it would not continue the same run:"
            "\n  - " + "\n  - ".join(changed) + f"\nresume with the run's own settings: --config {saved_file} --resume"
        )


def complete_checkpoints(out: Path) -> list[Path]:
    """The complete checkpoints, oldest first (only a complete one is ever renamed to step-N)."""
    return sorted(p for p in (out / CHECKPOINTS).glob("step-*") if (p / STATE_FILE).is_file())


def partial_checkpoints(out: Path) -> list[Path]:
    """What a crash can leave: a checkpoint still being written (.step-N.tmp) or deleted (.step-N.old)."""
    complete = set(complete_checkpoints(out))
    return sorted(p for p in (out / CHECKPOINTS).glob("*step-*") if p not in complete)


def kept_note(out: Path) -> str:
    """The end of a write-error message: what is safe on disk and how to go on."""
    last = complete_checkpoints(out)
    if not last:
        return "; no checkpoint had been completed yet"
    return f"; the last complete checkpoint, {last[-1]}, is kept: continue from it with --resume"


# ------------------------------------------------------------------------------------- writing and reading
class Checkpointer:
    """Saves and restores one run's checkpoints (trainable weights, optimizer, scheduler, RNG and
    `TrainState`) and its best weights, through a prepared accelerator."""

    def __init__(self, accelerator: Any, out: Path, keep: int, scheduler: Any) -> None:
        """`scheduler` is saved too: it is stepped by hand once per optimizer step, so it is not prepared
        (a prepared one steps once per process) and accelerate only saves it when registered."""
        self.acc, self.out, self.keep = accelerator, out, keep
        self.root = out / CHECKPOINTS
        accelerator.register_for_checkpointing(scheduler)
        accelerator.register_save_state_pre_hook(_keep_trainable_only)

    def restore(self) -> TrainState:
        """Load the newest complete checkpoint into the model, optimizer, scheduler and RNGs; what a
        crash left half-written is removed."""
        for partial in partial_checkpoints(self.out):
            self.acc.print(f"ignoring {partial}: an incomplete checkpoint, cut short by a crash")
            if self.acc.is_main_process:
                shutil.rmtree(partial, ignore_errors=True)
        last = complete_checkpoints(self.out)[-1]
        self.acc.load_state(str(last), strict=False)
        state = TrainState.read(last / STATE_FILE)
        self.acc.print(f"resuming from {last} (step {state.step})")
        return state

    def save(self, state: TrainState) -> None:
        """A resumable checkpoint at `state.step`, written atomically; only the newest `keep` stay."""
        name = f"step-{state.step:07d}"
        tmp = self.root / f".{name}.tmp"
        main = self.acc.is_main_process
        if main:
            shutil.rmtree(tmp, ignore_errors=True)
        self.acc.wait_for_everyone()
        hint = kept_note(self.out)  # before this checkpoint exists
        try:
            with explain_write_errors(self.root / name, hint):
                self.acc.save_state(str(tmp))
                if main:
                    state.write(tmp / STATE_FILE)  # last: a folder without it is incomplete
                    _replace_dir(tmp, self.root / name)
        except BaseException:
            if main:
                shutil.rmtree(tmp, ignore_errors=True)
            raise
        if main:
            for old in sorted(self.root.glob("step-*"))[: -self.keep]:
                # Hidden first: a crash halfway through the deletion must not leave a checkpoint
                # that still looks complete but has lost its weights.
                doomed = old.with_name(f".{old.name}.old")
                os.rename(old, doomed)
                shutil.rmtree(doomed, ignore_errors=True)
        self.acc.wait_for_everyone()

    def save_weights(self, model: Any, tokenizer: Any, target: Path) -> None:
        """The adapter (or full model) and tokenizer, written to a temp folder and renamed to `target`."""
        weights = self.acc.get_state_dict(model)  # collective under FSDP/DeepSpeed: every process calls it
        if not self.acc.is_main_process:
            return
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            with explain_write_errors(target, kept_note(self.out)):
                self.acc.unwrap_model(model).save_pretrained(tmp, state_dict=weights, safe_serialization=True)
                tokenizer.save_pretrained(tmp)
                _replace_dir(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)  # give the space back; the old `target` is untouched
            raise


def _keep_trainable_only(models: list[Any], weights: list[dict[str, Any]], output_dir: str) -> None:
    """Accelerate save hook: a checkpoint holds only the trainable weights (the adapter, for LoRA),
    not a copy of the frozen base model; `load_state(..., strict=False)` restores them."""
    for model, state in zip(models, weights, strict=False):
        trainable = {name for name, p in model.named_parameters() if p.requires_grad}
        for key in [k for k in state if k not in trainable]:
            del state[key]


def _replace_dir(tmp: Path, target: Path) -> None:
    """Put `tmp` at `target`; the old `target` is moved aside first, so a crash never leaves neither.

    `tmp` is flushed to disk first: after a power cut the rename must not exist without the files."""
    fsync_tree(tmp)
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.rename(target, old)
    os.rename(tmp, target)
    fsync_dir(target.parent)
    shutil.rmtree(old, ignore_errors=True)
