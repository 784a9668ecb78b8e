"""Tables and a figure from `results/benchmarks.json`, as `python -m benchmarks` writes it.

The file holds one run per device kind ("cpu", "gpu"); each run has a header (device, sizes, versions, date,
commit) and the measurements "training", "parzen" and "seeds" (see benchmarks/suite.py).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

COLUMNS = ("measurement", "ganlib", "baseline", "ratio", "GPU target")


def load_runs(path: str | os.PathLike) -> dict[str, dict]:
    """The runs stored in a benchmarks file, by device kind; a clear error when there is none."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run `python -m benchmarks` from the repository root")
    runs = json.loads(path.read_text())
    if not runs:
        raise ValueError(f"{path} holds no benchmark run")
    return runs


def summary_table(run: dict) -> pd.DataFrame:
    """One row per measurement: ganlib's figure, the baseline's, their ratio and the GPU target."""
    rows = []
    if "training" in run:
        t = run["training"]
        ref = t["reference"]["minibatches_per_s"]
        rows += [
            ("MNIST training, Trainer, default step: CUDA graph on a GPU (minibatches/s)", t["fast"]["minibatches_per_s"], ref,
             t["speedup_fast_vs_reference"], ">= 20x the reference"),
            ("MNIST training, readable Trainer (minibatches/s)", t["trainer"]["minibatches_per_s"], ref,
             t["speedup_trainer_vs_reference"], ""),
            ("one epoch of 500 minibatches (s)", t["epoch_seconds_fast"], 500 / ref,
             500 / ref / t["epoch_seconds_fast"], "<= 0.5 s"),
        ]
    if "parzen" in run:
        p = run["parzen"]
        rows.append((f"Parzen estimate with sigma search, {p['samples']} x {p['test']} (s)", p["ganlib_seconds"],
                     p["authors_style_seconds"], p["speedup"], "<= 2 s at 10,000 x 10,000"))
    for name, s in run.get("seeds", {}).items():
        rows.append((f"{s['seeds']} seeds of {name} at once (time per iteration / one run's)",
                     s["ratio_to_one_run"], float(s["seeds"]), s["speedup_vs_one_after_another"],
                     "<= 2 for 8 MNIST seeds" if name == "mnist" else ""))
    return pd.DataFrame(rows, columns=COLUMNS).set_index("measurement")


def hardware_line(run: dict) -> str:
    return (f"{run['device']}; torch {run['torch']}, Python {run['python']}; {run['scale']} sizes; "
            f"measured {run['date']} at commit {str(run.get('commit'))[:10]}")


def plot_training_rates(runs: dict[str, dict], ax) -> None:
    """Minibatches per second of the three MNIST loops, one group of bars per device kind."""
    names = ("reference", "trainer", "fast")
    labels = ("reference loop", "Trainer, eager step", "Trainer, default step (CUDA graph on a GPU)")
    kinds = [k for k in ("cpu", "gpu") if "training" in runs.get(k, {})]
    width = 0.8 / len(names)
    top = 1.0
    for i, (name, label) in enumerate(zip(names, labels)):
        values = [runs[k]["training"][name]["minibatches_per_s"] for k in kinds]
        bars = ax.bar([j + i * width for j in range(len(kinds))], values, width, label=label)
        ax.bar_label(bars, fmt="%.0f", fontsize=8)
        top = max(top, *values)
    ax.set_xticks([j + width for j in range(len(kinds))], [runs[k]["device"] for k in kinds])
    # A log axis whose bars start at 1 minibatch/s (not at the smallest value), with room for the legend.
    ax.set(yscale="log", ylim=(1, 30 * top), ylabel="minibatches per second",
           title="MNIST, the paper's configuration, batch 100")
    ax.legend(frameon=False, loc="upper left", ncols=3, fontsize=8)
