"""Checkpoints are data, not code: written atomically, read back with weights_only=True."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch


def save_atomic(obj: dict[str, Any], path: str | os.PathLike) -> Path:
    """torch.save to a temporary file beside `path`, then rename it over `path`.

    A crash during the write leaves the previous checkpoint intact: os.replace is atomic on POSIX.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(path: str | os.PathLike, map_location: torch.device | str | None = "cpu") -> dict[str, Any]:
    """Load a checkpoint with weights_only=True: tensors and plain containers only, never pickled code."""
    return torch.load(Path(path), map_location=map_location, weights_only=True)
