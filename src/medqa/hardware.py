"""What the machine can do: CUDA, bfloat16, the autocast context that uses it, and the C allocator."""

from __future__ import annotations

import contextlib
import ctypes
import platform
from collections.abc import Iterator
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


def _glibc() -> Any:
    """The C library when it is glibc (whose allocator the settings below are for), else None."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def _mallopt(*settings: tuple[int, int]) -> bool:
    """Apply glibc malloc settings in order; False where the C library is not glibc or refuses one."""
    libc = _glibc()
    return libc is not None and all(libc.mallopt(param, value) == 1 for param, value in settings)


@contextlib.contextmanager
def reuse_freed_memory(enabled: bool = True) -> Iterator[bool]:
    """Within the block, glibc keeps freed memory for reuse instead of giving it back to the kernel;
    yields whether that is in effect. On leaving, the defaults return and the free memory goes back.

    By default every block over 32 MB (a micro-batch's activations, its logits) is a fresh mmap
    that the kernel zero-fills page by page and unmaps on free, so a CPU training step re-faults
    gigabytes each time: measured on a 4 x 1024-token step of the bundled model, 15% of the step
    (zero fills, copies and log-softmax dominated by page faults). Served from the heap, the same
    memory is reused step after step. Handing it back afterwards matters: `medqa run` evaluates in
    the same process after training, which otherwise kept its ~12 GB training peak.
    """
    # Trim threshold first: with it at its maximum the heap's top is never handed back.
    applied = enabled and _mallopt((_M_TRIM_THRESHOLD, 2**31 - 1), (_M_MMAP_MAX, 0))
    try:
        yield applied
    finally:
        if applied:  # glibc's defaults: 128 KiB, 65,536 mappings
            _mallopt((_M_TRIM_THRESHOLD, 128 * 1024), (_M_MMAP_MAX, 65536))
            _glibc().malloc_trim(0)
