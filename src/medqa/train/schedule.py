"""The learning-rate schedule: linear warmup, then cosine, linear or no decay, down to a floor.

A short CPU run is usually stopped by its time limit before its last step; a schedule that decays
to zero spends its final minutes learning almost nothing. `min_lr_ratio` keeps a floor.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from medqa.train.config import TrainConfig


def lr_schedule(optimizer: Any, config: TrainConfig, total_steps: int) -> Any:
    """A `LambdaLR` over `optimizer` for a run of `total_steps` optimizer steps (stepped once per step)."""
    from torch.optim.lr_scheduler import LambdaLR

    factor = functools.partial(
        lr_factor,
        warmup=int(config.warmup_ratio * total_steps),
        total=total_steps,
        schedule=config.schedule,
        floor=config.min_lr_ratio,
    )
    return LambdaLR(optimizer, factor)


def lr_factor(step: int, warmup: int, total: int, schedule: str, floor: float) -> float:
    """The multiple of the peak learning rate used at optimizer step `step` (0-based)."""
    if step < warmup:  # (step + 1): the first step already learns, unlike a warmup from exactly 0
        return (step + 1) / (warmup + 1)
    if schedule == "constant":
        return 1.0
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    decay = 0.5 * (1.0 + math.cos(math.pi * progress)) if schedule == "cosine" else 1.0 - progress
    return floor + (1.0 - floor) * decay
