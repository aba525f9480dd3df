"""What the machine can do: CUDA, bfloat16, and the autocast context that uses it."""

from __future__ import annotations

import contextlib
from typing import Any

import torch


def bf16_supported(cuda: bool | None = None) -> bool:
    """True where bfloat16 matmuls are fast: a CUDA GPU with bf16, or a CPU with AVX512_BF16/AMX."""
    cuda = torch.cuda.is_available() if cuda is None else cuda
    if cuda:
        return torch.cuda.is_bf16_supported()
    try:  # oneDNN's own check
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def autocast(device: torch.device | str, enabled: bool) -> Any:
    """bfloat16 autocast on `device` when enabled, else a no-op context."""
    device_type = torch.device(device).type
    if not enabled or device_type not in ("cpu", "cuda"):
        return contextlib.nullcontext()
    return torch.autocast(device_type, dtype=torch.bfloat16)
