"""What every notebook of the book shares: the execution tier, glued numbers, and the provenance line.

Tiers:
- "fast": seconds on a CPU; what the tests run (nbval, papermill);
- "reduced": minutes on a CPU; what the book shows until a GPU run replaces it;
- "full": the faithful run, for a GPU.
A notebook's `parameters` cell sets `tier = "auto"`: the environment variable GANBOOK_TIER decides if set,
else "full" on a GPU and "reduced" on a CPU.
"""
from __future__ import annotations

import datetime as _dt
import os
import platform
import time
from typing import Any, TypeVar

import torch

from ganlib.core.device import default_device, device_name

TIERS = ("fast", "reduced", "full")
TIER_ENV = "GANBOOK_TIER"
T = TypeVar("T")


def resolve_tier(tier: str = "auto") -> str:
    """The tier to run: an explicit one wins, then $GANBOOK_TIER, then the device's default."""
    if tier == "auto":
        tier = os.environ.get(TIER_ENV) or ("full" if torch.cuda.is_available() else "reduced")
    if tier not in TIERS:
        raise ValueError(f"tier must be 'auto' or one of {TIERS}, got {tier!r}")
    return tier


def by_tier(tier: str, *, fast: T, reduced: T, full: T) -> T:
    """Pick a size by tier, e.g. iterations = by_tier(tier, fast=200, reduced=5_000, full=50_000)."""
    return {"fast": fast, "reduced": reduced, "full": full}[resolve_tier(tier)]


def glue(name: str, value: Any, display: bool = False) -> None:
    """Store `value` under `name` in the cell's output, for MyST-NB's {glue} roles in the prose.

    Writes the same output as myst_nb.glue, without needing myst_nb in the kernel (Colab lacks it). A numpy
    scalar (what pandas reductions return) is stored as the Python number it holds: its repr,
    'np.float64(...)', is not a number MyST-NB can format.
    """
    import numpy as np
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipy_display

    if isinstance(value, np.generic):
        value = value.item()
    bundle, metadata = format_display_data(value)
    prefix = "" if display else "application/papermill.record/"
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    ipy_display({prefix + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)


class Clock:
    """Started at the top of a notebook; `report()` at its end prints what ran where and for how long."""

    def __init__(self, tier: str) -> None:
        self.tier = resolve_tier(tier)
        self.start = time.perf_counter()
        self.started = _dt.datetime.now(_dt.timezone.utc)

    def provenance(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "device": device_name(default_device()),
            "wall_seconds": round(time.perf_counter() - self.start, 1),
            "date": self.started.strftime("%Y-%m-%d"),
            "python": platform.python_version(),
            "torch": torch.__version__,
        }

    def report(self) -> dict[str, Any]:
        info = self.provenance()
        print(f"Executed in the {info['tier']} tier on {info['device']} in {info['wall_seconds']} s "
              f"on {info['date']} (Python {info['python']}, torch {info['torch']}).")
        return info
