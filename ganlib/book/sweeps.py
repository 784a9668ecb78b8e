"""Multi-seed runs of Algorithm 1 on the 1-D toy, and the table of what k, momentum and the update order change.

Each setting is a set of TrainConfig overrides (plus the widths of D and G) for `experiments.build("toy1d")`. A run
records JSD(p_data || p_g) along training and, at the end, D's mean distance from 1/2 on the data's support
(mean +- 2 std), the two quantities Theorem 1 says vanish at the equilibrium.
"""
from __future__ import annotations

import math
from typing import Any, Iterable

import pandas as pd

from ganlib.book.figure1 import EDGES, distance_from_half, distance_to_optimal, jsd, support
from ganlib.book.plotting import snapshot_1d
from ganlib.book.tables import Table
from ganlib.core.estimates import mean_and_error
from ganlib.core.trainer import TrainingDiverged
from ganlib.experiments import FIGURE1_SETTINGS, TOY_1D, build

# Algorithm 1 on the toy1d experiment (momentum SGD, lr 0.05): the paper's k = 1, then the variations.
SETTINGS: dict[str, dict[str, Any]] = {
    "alternating, k=1, momentum 0.5": dict(k=1),
    "alternating, k=2, momentum 0.5": dict(k=2),
    "alternating, k=5, momentum 0.5": dict(k=5),
    "simultaneous, momentum 0.5": dict(update="simultaneous"),
    "alternating, k=1, momentum 0": dict(k=1, momentum_start=0.0, momentum_end=0.0),
    "alternating, k=2, momentum 0": dict(k=2, momentum_start=0.0, momentum_end=0.0),
    "alternating, k=5, momentum 0": dict(k=5, momentum_start=0.0, momentum_end=0.0),
    "simultaneous, momentum 0": dict(update="simultaneous", momentum_start=0.0, momentum_end=0.0),
    "Figure 1 toy: D width 64, Adam, k=2": dict(FIGURE1_SETTINGS),
}


def checkpoints(iterations: int, count: int = 4) -> list[int]:
    """`count` evenly spaced iterations ending at `iterations` (e.g. 1000, 4 -> [250, 500, 750, 1000])."""
    if iterations < 1 or count < 1:
        raise ValueError(f"iterations and count must be >= 1, got {iterations!r}, {count!r}")
    return sorted({max(1, round(iterations * i / count)) for i in range(1, count + 1)})


def run_setting(overrides: dict[str, Any], seed: int, iterations: int, count: int = 4,
                device: str = "cpu") -> list[dict[str, Any]]:
    """One run: rows (iteration, jsd) at `checkpoints(iterations, count)`; the last also holds
    d_from_half (mean |D - 1/2| on the support) and d_to_optimal (E_m |D - D*_G|).

    A run that diverges (TrainingDiverged) keeps its rows so far and records NaN for the rest.
    """
    trainer = build("toy1d", device, seed=seed, iterations=iterations, log_every=iterations, **overrides)
    lo, hi = support()
    nan = math.nan
    rows: list[dict[str, Any]] = [{"seed": seed, "iteration": 0, "jsd": jsd(trainer), "d_from_half": nan,
                                   "d_to_optimal": nan}]
    for stop in checkpoints(iterations, count):
        try:
            trainer.run(until=stop, progress=False)
            value = jsd(trainer)
        except TrainingDiverged:
            value = math.nan
        rows.append({"seed": seed, "iteration": stop, "jsd": value, "d_from_half": nan, "d_to_optimal": nan})
        if math.isnan(value):
            break
    if not math.isnan(rows[-1]["jsd"]):
        rows[-1]["d_from_half"] = distance_from_half(trainer.D, lo, hi)
        snap = snapshot_1d(TOY_1D, trainer.G, trainer.D, EDGES, trainer.config.noise)
        rows[-1]["d_to_optimal"] = distance_to_optimal(snap)
    return rows


def sweep(settings: dict[str, dict[str, Any]], seeds: Iterable[int], iterations: int, count: int = 4,
          device: str = "cpu") -> pd.DataFrame:
    """Long table: one row per (setting, seed, checkpoint) with the JSD, and d_from_half at the end."""
    seeds = list(seeds)
    if not settings or not seeds:
        raise ValueError("settings and seeds must not be empty")
    rows = []
    for name, overrides in settings.items():
        for seed in seeds:
            for row in run_setting(overrides, seed, iterations, count, device):
                rows.append({"setting": name, **row})
    return pd.DataFrame(rows)


def _mean_and_std(values: Iterable[float]) -> tuple[float, float]:
    """Mean and sample standard deviation over seeds (ddof 1; 0 for one seed), diverged seeds (NaN) left out."""
    return mean_and_error(list(values), ddof=1, error="std", drop_nan=True)


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per setting: mean and std over seeds of the JSD at each checkpoint and of |D - 1/2| at the end."""
    if runs.empty:
        raise ValueError("runs must not be empty")
    last = runs["iteration"].max()
    out = []
    for name, group in runs.groupby("setting", sort=False):
        row: dict[str, Any] = {"setting": name, "seeds": group["seed"].nunique()}
        for it, at in group[group["iteration"] > 0].groupby("iteration"):
            row[f"JSD mean @{it}"], row[f"JSD std @{it}"] = _mean_and_std(at["jsd"])
        end = group[group["iteration"] == last]
        row["|D-1/2| mean"], row["|D-1/2| std"] = _mean_and_std(end["d_from_half"])
        if "d_to_optimal" in end:
            row["|D-D*| mean"], row["|D-D*| std"] = _mean_and_std(end["d_to_optimal"])
        row["diverged"] = int(group["seed"].nunique() - end["jsd"].notna().sum())
        out.append(row)
    return pd.DataFrame(out).set_index("setting")


def summary_table(summary: pd.DataFrame, digits: int = 3) -> Table:
    """The summary as a table, each statistic written 'mean ± std' over seeds."""
    iterations = sorted({int(c.split("@")[1]) for c in summary.columns if c.startswith("JSD mean @")})
    extra = "|D-D*| mean" in summary.columns
    head = ["setting", *[f"JSD @ {it}" for it in iterations], "mean abs(D - 1/2) on [3, 5], end",
            *(["mean abs(D - D*) under m, end"] if extra else [])]
    fmt = f"{{:.{digits}f}} ± {{:.{digits}f}}"
    rows = []
    for name, row in summary.iterrows():
        cells = [fmt.format(row[f"JSD mean @{it}"], row[f"JSD std @{it}"]) for it in iterations]
        cells.append(fmt.format(row["|D-1/2| mean"], row["|D-1/2| std"]))
        if extra:
            cells.append(fmt.format(row["|D-D*| mean"], row["|D-D*| std"]))
        rows.append([str(name), *cells])
    return Table(rows, head)


def plot_sweep(ax, runs: pd.DataFrame, settings: Iterable[str] | None = None):
    """Mean JSD over seeds against iterations for each setting, with a band of +- one std (log axis)."""
    names = list(settings) if settings is not None else list(dict.fromkeys(runs["setting"]))
    for name in names:
        g = runs[runs["setting"] == name].groupby("iteration")["jsd"]
        mean, std = g.mean(), g.std(ddof=1).fillna(0.0)
        line, = ax.plot(mean.index, mean.values, marker="o", ms=3, label=name)
        ax.fill_between(mean.index, (mean - std).clip(lower=1e-3), mean + std, color=line.get_color(), alpha=0.15)
    ax.set_yscale("log")
    ax.set_xlabel("iteration (generator updates)")
    ax.set_ylabel(r"JSD$(p_{data}\|p_g)$")
    ax.legend(fontsize=7, frameon=False)
    return ax
