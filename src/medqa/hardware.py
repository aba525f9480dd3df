"""What the machine can do: CUDA, bfloat16, the autocast context that uses it, and the C allocator."""

from __future__ import annotations

import contextlib
import ctypes
import platform
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: the llama.cpp server runs without torch
    import torch


def bf16_supported(cuda: bool | None = None) -> bool:
    """True where bfloat16 matmuls are fast: a CUDA GPU with bf16, or a CPU with AVX512_BF16/AMX."""
    import torch

    cuda = torch.cuda.is_available() if cuda is None else cuda
    if cuda:
        return torch.cuda.is_bf16_supported()
    try:  # oneDNN's own check
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def autocast(device: torch.device | str, enabled: bool) -> Any:
    """bfloat16 autocast on `device` when enabled, else a no-op context."""
    import torch

    device_type = torch.device(device).type
    if not enabled or device_type not in ("cpu", "cuda"):
        return contextlib.nullcontext()
    return torch.autocast(device_type, dtype=torch.bfloat16)


# glibc mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_MAX, _M_ARENA_MAX = -1, -4, -8


def _mallopt(*settings: tuple[int, int]) -> bool:
    """Apply glibc malloc settings in order; False where the C library is not glibc or refuses one."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return all(libc.mallopt(param, value) == 1 for param, value in settings)
    except (OSError, AttributeError):
        return False


def reuse_freed_memory() -> bool:
    """Make glibc keep freed memory for reuse instead of giving it back to the kernel; True if set.

    By default every block over 32 MB (a micro-batch's activations, its logits) is a fresh mmap
    that the kernel zero-fills page by page and unmaps on free, so a CPU training step re-faults
    gigabytes each time: measured on a 4 x 1024-token step of the bundled model, 15% of the step
    (zero fills, copies and log-softmax dominated by page faults). Served from the heap, the same
    memory is reused step after step; the cost is that the process keeps its peak size.
    """
    # Trim threshold first: with it at its maximum the heap's top is never handed back.
    return _mallopt((_M_TRIM_THRESHOLD, 2**31 - 1), (_M_MMAP_MAX, 0))

