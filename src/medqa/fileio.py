"""Writing outputs so that a crash never leaves a half-written file or folder behind."""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from medqa.errors import MedqaError

# Write failures a user can fix, by errno, and what each means in words.
WRITE_ERRORS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOTDIR: "part of the path is a file, not a folder",
}
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
# Written into every folder `atomic_output_dir` makes: `--overwrite` replaces only folders that carry it.
OUTPUT_MARKER = ".medqa"
# Files that together mark a folder medqa wrote before the marker existed (data, index, eval, report, export).
_EARLIER_OUTPUTS = (
    ("data_report.json", "train.jsonl"),
    ("index.json", "vectors.npy"),
    ("metrics.json", "predictions.jsonl"),
    ("summary.json", "report.md"),
    ("prompt.yaml", "config.json"),
    ("prompt.yaml", "config.yaml"),  # a training run folder
)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_output_dir(out: Path, overwrite: bool) -> None:
    """Refuse early (before any work) when `out` exists and may not be replaced: without `overwrite`,
    or when it is not a folder medqa wrote (see `check_replaceable`)."""
    if out.exists() and not overwrite:
        raise MedqaError(f"output folder {out} already exists; pass --overwrite to replace it")
    if out.exists() and not out.is_dir():
        raise MedqaError(f"output path {out} exists and is not a folder")
    if out.exists():
        check_replaceable(out)
    ensure_writable_dir(out.resolve().parent, target=out)


def check_replaceable(out: Path) -> None:
    """Refuse to replace (delete) the folder `out` unless medqa wrote it, and never the folder the
    user works in or one above it: `--overwrite` once deleted a thesis this way."""
    real = out.resolve()
    try:
        here = Path.cwd().resolve()
    except OSError:  # the current folder was deleted: nothing left to protect there
        here = None
    if here is not None and (here == real or here.is_relative_to(real)):
        where = "the current folder" if here == real else f"a folder that holds the current folder ({here})"
        raise MedqaError(
            f"output folder {out} is {where}; --overwrite replaces the whole folder, which would delete what you "
            "are working in: name a new folder for the output, e.g. --out runs/data"
        )
    if not written_by_medqa(out):
        try:
            names = sorted(p.name for p in out.iterdir())
        except OSError:
            names = []
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        raise MedqaError(
            f"output folder {out} was not written by medqa (it has no {OUTPUT_MARKER} marker"
            + (f"; it holds {shown}" if shown else "")
            + "), so --overwrite will not delete it: choose another output folder, or move or delete this one "
            "yourself"
        )


def mark_as_medqa_output(folder: Path) -> None:
    """Mark `folder` as medqa's own output, so that a later `--overwrite` may replace it."""
    (folder / OUTPUT_MARKER).write_text("written by medqa: `--overwrite` may replace this folder\n")


def written_by_medqa(folder: Path) -> bool:
    """True for a folder medqa wrote (it has the marker, or the files of an output made before the
    marker existed) and for an empty folder (replacing it loses nothing)."""
    if (folder / OUTPUT_MARKER).is_file():
        return True
    try:
        names = {p.name for p in folder.iterdir()}
    except OSError:
        return False
    return not names or any(all(name in names for name in files) for files in _EARLIER_OUTPUTS)


def ensure_writable_dir(folder: Path, target: Path | None = None) -> None:
    """Create `folder` (and its parents) and prove that a file can be written there, or raise a
    MedqaError naming it (and `target`, the output to be created in it). A real write, not
    `os.access`: root passes that check on /sys and on read-only mounts."""
    what = f"cannot create {target}" if target is not None else f"cannot write to {folder}"
    existing = next(p for p in (folder, *folder.parents, Path.cwd()) if p.exists())
    if not existing.is_dir():
        raise MedqaError(f"{what}: {existing} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"medqa")
            probe.flush()
    except OSError as exc:
        reason = WRITE_ERRORS.get(exc.errno, (exc.strerror or str(exc)).lower())
        raise MedqaError(f"{what}: {folder} is not writable ({reason}); choose a folder you can write to") from exc


def write_error(path: Path, exc: BaseException) -> MedqaError | None:
    """A clear MedqaError for `exc`, raised while writing `path`, or None when it is no storage problem.

    torch and safetensors report a full disk in their own words ("unexpected pos 26880 vs 26772",
    "I/O error: No space left on device (os error 28)"), so the message and the free space count too.
    """
    code = exc.errno if isinstance(exc, OSError) else None
    if code not in WRITE_ERRORS:
        text = str(exc)
        code = next((c for c in WRITE_ERRORS if f"(os error {c})" in text), None)
    free = free_bytes(path)
    if code is None and isinstance(exc, (OSError, RuntimeError)) and free is not None and free < 2**20:
        code = errno.ENOSPC
    if code is None:
        return None
    where = exc.filename if isinstance(exc, OSError) and exc.filename else path
    if code in _NO_SPACE:
        room = f" ({free / 2**20:.1f} MiB free)" if free is not None else ""
        return MedqaError(f"cannot write {where}: {WRITE_ERRORS[code]}{room}; free some space or write elsewhere")
    return MedqaError(f"cannot write {where}: {WRITE_ERRORS[code]}; choose a folder you can write to")


@contextmanager
def explain_write_errors(path: Path, hint: str | Callable[[], str] = "") -> Iterator[None]:
    """Turn a storage failure while writing `path` (full disk, read-only, no permission) into a
    MedqaError naming it, `hint` (or what it returns, when a function) appended; any other exception
    passes through unchanged."""
    try:
        yield
    except MedqaError:
        raise
    except Exception as exc:
        error = write_error(path, exc)
        if error is None:
            raise
        raise MedqaError(f"{error}{hint() if callable(hint) else hint}") from exc


def free_bytes(path: Path) -> int | None:
    """Free bytes on the file system holding `path` (or its nearest existing parent)."""
    try:
        existing = next(p for p in (path.absolute(), *path.absolute().parents) if p.exists())
        return shutil.disk_usage(existing).free
    except (OSError, StopIteration):
        return None


def fsync_tree(folder: Path) -> None:
    """Flush every file below `folder`, and the folder itself, to disk: a rename that makes the
    folder visible must not reach the disk before its contents (a power cut would leave it empty)."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fsync_dir(folder)


def fsync_dir(folder: Path) -> None:
    """Make a rename or deletion in `folder` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on folders; the rename is then as durable as it gets
    finally:
        os.close(fd)


@contextmanager
def atomic_output_dir(out: Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside `out`; rename it to `out` only if the block succeeds.

    Readers never see a partial folder: either the old `out` (or nothing) or the complete new one.
    The folder carries `OUTPUT_MARKER`, so that a later `overwrite` may replace it; an existing
    `out` is replaced only if it is such a folder (`check_replaceable`).
    """
    out = Path(os.path.abspath(out))  # "." and ".." have no name to put beside them
    check_output_dir(out, overwrite)
    parent = out.parent
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; the result should not be
    try:
        mark_as_medqa_output(tmp)
        yield tmp
        check_output_dir(out, overwrite)  # again: the work took a while, and `out` may have appeared since
        if out.exists():
            _replace_dir(out, tmp)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _replace_dir(out: Path, new: Path) -> None:
    """Put the folder `new` in the place of the folder `out`; on a failure `out` stays as it was.

    The old folder is moved aside first, so a crash between the two renames loses nothing.
    """
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    try:
        os.rename(out, old / out.name)
    except BaseException:
        old.rmdir()
        raise
    try:
        os.rename(new, out)
    except BaseException:
        os.rename(old / out.name, out)
        old.rmdir()
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; when the block succeeds the file is flushed to disk and
    renamed to `path`, otherwise removed. Readers never see half a file, and two writers at once each
    write their own temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; the result should not be
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and a rename (fsync'd first)."""
    with atomic_file(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def atomic_write_json(path: Path, data: Any) -> None:
    """Write `data` as indented UTF-8 JSON, atomically."""
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\u0085": "\\u0085"})


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write one JSON object per line, atomically; return the number of rows written. Characters that
    `str.splitlines` treats as line ends (U+2028, U+2029, U+0085) are escaped, so any reader sees one
    row per line."""
    lines = [json.dumps(row, ensure_ascii=False).translate(_LINE_BREAKS) for row in rows]
    atomic_write_text(path, "".join(line + "\n" for line in lines))
    return len(lines)
