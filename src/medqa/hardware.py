"""What the machine can do: CUDA, bfloat16, the autocast context that uses it, and the C allocator."""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: the llama.cpp server runs without torch
    import torch


# A child process's pid that `medqa serve` waits for (`medqa.server.app.reap_child`): the main job's background
# evaluation, handed over when the main job becomes the server (`medqa.pipeline.serve_in_place`).
REAP_CHILD_ENV = "MEDQA_REAP_CHILD"


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


def llama_cpp_available() -> bool:
    """Whether llama-cpp-python is installed (importing it is cheap: the library loads lazily)."""
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None


def cpu_threads() -> int:
    """Cores this process may use (llama-cpp-python's own default is half the CPU count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# OMP_WAIT_POLICY as medqa found it, before `configure_threads` changed it (None: not set).
_OMP_POLICY_BEFORE: dict[str, str | None] = {}


def configure_threads(engine: str) -> None:
    """Set up this process for the engine that does its heavy work; call once, before torch loads.

    "torch" (data, train, eval, index, export, run): OpenMP threads sleep instead of spinning while
    they wait (OMP_WAIT_POLICY=PASSIVE). Spinning threads crawl whenever another process shares the
    cores: training measured 22 vs 130 tokens/s, retrieval p95 112 vs 19 ms on 2 cores. OpenMP reads
    the variable once, when torch loads. "llamacpp" (serve, chat, ask): OpenMP's default policy, because
    llama.cpp shares torch's OpenMP runtime (same soname) and sleeping threads wake ~600 times per
    token: decoding took 26 instead of 9.4 ms. A value the user set in the environment always wins.
    """
    if engine not in ("torch", "llamacpp"):
        raise ValueError(f"unknown engine {engine!r}")
    _OMP_POLICY_BEFORE.setdefault("OMP_WAIT_POLICY", os.environ.get("OMP_WAIT_POLICY"))
    if engine == "torch" and _OMP_POLICY_BEFORE["OMP_WAIT_POLICY"] is None:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"


def environment_for(engine: str) -> dict[str, str]:
    """The environment a child process of `engine` should start with: this one's, with medqa's own
    thread settings for the other engine taken back (the user's settings are kept)."""
    env = dict(os.environ)
    before = _OMP_POLICY_BEFORE.get("OMP_WAIT_POLICY", os.environ.get("OMP_WAIT_POLICY"))
    if before is None:
        env.pop("OMP_WAIT_POLICY", None)
        if engine == "torch":
            env["OMP_WAIT_POLICY"] = "PASSIVE"
    return env
