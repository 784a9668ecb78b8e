"""The Algorithm 1 chapter's training at its fast-tier size: the Figure 1 run ends near the equilibrium.

Fast tier of notebooks/06_algorithm_1.ipynb: build_figure1 (D width 64, Adam, k = 2), 300 iterations of
Algorithm 1. Measured over seeds 0-5 at this size: JSD 0.07-0.10 and mean |D - 1/2| on [3, 5] 0.01-0.06,
so the bounds below (JSD < 0.2 from log 2 ~ 0.693 at the start; |D - 1/2| < 0.15) hold with a margin.
"""
import math

import pytest

from ganlib import experiments
from ganlib.book import figure1

JSD_BOUND, HALF_BOUND = 0.2, 0.15


@pytest.mark.parametrize("seed", [0, 1])
def test_the_figure_1_run_falls_below_the_jsd_bound_and_d_ends_near_one_half(seed, one_thread):
    trainer = experiments.build("figure1", "cpu", seed=seed, iterations=300, log_every=50)
    start = figure1.capture(trainer)
    assert start["jsd"] > 0.6  # the untrained G misses p_data almost entirely
    trainer.run(progress=False)
    end = figure1.capture(trainer)
    assert end["jsd"] < JSD_BOUND, f"JSD only fell from {start['jsd']:.3f} to {end['jsd']:.3f}"
    assert end["d_from_half"] < HALF_BOUND, f"mean |D - 1/2| on [3, 5] is {end['d_from_half']:.3f}"
    assert math.isfinite(end["d_to_optimal"])


def test_the_figure_1_phases_move_the_right_net(one_thread):
    """Panels (b) and (c): D-steps bring D towards D*_G, then G-steps against that D lower the JSD."""
    trainer = experiments.build("figure1", "cpu", seed=0, iterations=300, log_every=10)
    figure1.train_until_jsd(trainer, 0.35, every=10)
    a = figure1.capture(trainer)
    figure1.discriminator_steps(trainer, 100)
    b = figure1.capture(trainer)
    figure1.generator_steps(trainer, 20)
    c = figure1.capture(trainer)
    assert b["d_to_optimal"] < a["d_to_optimal"]
    assert c["jsd"] < b["jsd"]
