"""Checkpoints are data, not code: written atomically, read back with weights_only=True."""
from __future__ import annotations

import glob
import os
import pickle
import re
import tempfile
import zipfile
from pathlib import Path
from typing import IO, Any, Callable

import torch


class CheckpointError(ValueError):
    """A checkpoint file is damaged, unsafe or not a checkpoint; the message says how to start over."""


def _replace_atomic(path: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> Path:
    """Write a temporary file beside `path` with `write`, then rename it over `path`.

    A crash during the write leaves the previous file intact: os.replace is atomic on POSIX, and it replaces
    a symbolic link at `path` itself, never the file the link points to. Temporary files that a killed
    process left behind (`<name>.*.tmp`) are removed after a successful write.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    for orphan in path.parent.glob(glob.escape(path.name) + ".*.tmp"):
        orphan.unlink(missing_ok=True)
    return path


def save_atomic(obj: dict[str, Any], path: str | os.PathLike) -> Path:
    """torch.save `obj` to `path` atomically (see _replace_atomic)."""
    return _replace_atomic(path, lambda f: torch.save(obj, f))


def write_text_atomic(text: str, path: str | os.PathLike) -> Path:
    """Write `text` (UTF-8) to `path` atomically (see _replace_atomic)."""
    return _replace_atomic(path, lambda f: f.write(text.encode()))


START_OVER = "delete it (or pass another --out / path) to start over from iteration 0"


def load_checkpoint(path: str | os.PathLike, map_location: torch.device | str | None = "cpu") -> dict[str, Any]:
    """Load a checkpoint with weights_only=True: tensors and plain containers only, never pickled code.

    A file that is empty, truncated or not a checkpoint raises CheckpointError saying it is damaged; one
    that holds other objects (pickled code) is refused, naming the object, and nothing in it runs.
    """
    path = Path(path)
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        found = re.search(r"GLOBAL [\w.]+", str(exc))
        if found or "Weights only load failed" in str(exc):
            what = found.group(0) if found else "an object that is not a tensor or a plain container"
            raise CheckpointError(f"{path} is refused, not loaded: it holds {what}, which no ganlib checkpoint "
                                  f"holds, and nothing in it was run; {START_OVER}") from None
        raise CheckpointError(f"{path} is damaged ({exc}); {START_OVER}") from None
    except (EOFError, RuntimeError, zipfile.BadZipFile, ValueError, KeyError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CheckpointError(f"{path} is damaged or is not a checkpoint ({reason}); {START_OVER}") from None
