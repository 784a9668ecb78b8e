"""Multi-seed sweeps: checkpoints, mean and spread, the summary and its markdown table."""
import math

import numpy as np
import pandas as pd
import pytest

from ganlib.book import sweeps


def test_checkpoints():
    assert sweeps.checkpoints(1000, 4) == [250, 500, 750, 1000]
    assert sweeps.checkpoints(3, 4) == [1, 2, 3]
    with pytest.raises(ValueError, match="iterations"):
        sweeps.checkpoints(0)


def test_summarise_and_its_table():
    runs = pd.DataFrame([
        {"setting": "a", "seed": s, "iteration": it, "jsd": j, "d_from_half": d}
        for s, (j1, j2, d) in enumerate([(0.3, 0.1, 0.02), (0.5, 0.3, 0.04)])
        for it, j, d in [(0, 0.69, math.nan), (5, j1, math.nan), (10, j2, d)]
    ])
    table = sweeps.summarise(runs)
    row = table.loc["a"]
    assert row["JSD mean @5"] == pytest.approx(0.4) and row["JSD std @10"] == pytest.approx(np.std([0.1, 0.3], ddof=1))
    assert row["|D-1/2| mean"] == pytest.approx(0.03) and row["seeds"] == 2 and row["diverged"] == 0
    shown = sweeps.summary_table(table)
    assert "| a | 0.400 ± 0.141 | 0.200 ± 0.141 | 0.030 ± 0.014 |" in shown._repr_markdown_()
    assert "<td>0.400 ± 0.141</td>" in shown._repr_html_()


def test_a_small_sweep_runs():
    runs = sweeps.sweep({"paper": dict(k=1), "sim": dict(update="simultaneous")}, [0], 20, count=2)
    assert list(runs["iteration"]) == [0, 10, 20, 0, 10, 20]
    assert runs["jsd"].between(0, math.log(2) + 1e-12).all()
    assert runs.groupby("setting")["d_from_half"].count().tolist() == [1, 1]
    assert runs["d_to_optimal"].dropna().between(0, 1).all()
    with pytest.raises(ValueError, match="settings"):
        sweeps.sweep({}, [0], 10)
