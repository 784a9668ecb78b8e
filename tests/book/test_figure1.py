"""Figure 1's toys, measurements and drawing: closed forms, the phases' effects, the arrows' geometry."""
import math

import matplotlib
import numpy as np
import pytest
import torch
from matplotlib.animation import FuncAnimation
from scipy.stats import norm

from ganlib import experiments
from ganlib.book import figure1
from ganlib.core.noise import noise_quantiles

matplotlib.use("Agg")


def params(net):
    return [p.detach().clone() for p in net.parameters()]


def same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b))


def test_the_figure_1_run_is_the_toy1d_run_with_figure_1s_settings():
    a = experiments.build("figure1", "cpu", seed=3)
    b = experiments.build("toy1d", "cpu", seed=3, **experiments.FIGURE1_SETTINGS)
    assert same(params(a.G), params(b.G)) and same(params(a.D), params(b.D))
    assert torch.equal(a.data, b.data) and a.config == b.config
    narrow = experiments.build("toy1d", "cpu", seed=3)
    assert narrow.D.net[0].out_features == 16 and same(params(a.G), params(narrow.G))  # only D and the optimiser differ
    wide = experiments.build("figure1", "cpu", seed=3)
    assert wide.D.net[0].out_features == 64 and wide.config.optimizer == "adam" and wide.config.k == 2


def test_support_is_two_standard_deviations():
    assert figure1.support() == pytest.approx((3.0, 5.0))
    with pytest.raises(ValueError, match="width"):
        figure1.support(width=0)


def linear_logit(a, b):
    layer = torch.nn.Linear(1, 1)
    with torch.no_grad():
        layer.weight.fill_(a)
        layer.bias.fill_(b)
    return layer


def test_distance_from_half_matches_a_direct_computation():
    assert figure1.distance_from_half(linear_logit(0.0, 0.0), 3, 5) == pytest.approx(0.0, abs=1e-12)
    x = np.linspace(3, 5, 401)
    expected = np.abs(1 / (1 + np.exp(-(2.0 * x - 8.0))) - 0.5).mean()
    assert figure1.distance_from_half(linear_logit(2.0, -8.0), 3, 5) == pytest.approx(expected, rel=1e-6)
    # a D that is 1 everywhere (huge logit) is 1/2 away
    assert figure1.distance_from_half(linear_logit(0.0, 50.0), 3, 5) == pytest.approx(0.5, abs=1e-12)
    with pytest.raises(ValueError, match="hi"):
        figure1.distance_from_half(linear_logit(0.0, 0.0), 5, 3)


def test_distance_to_optimal_is_the_mixture_weighted_mean_gap():
    snap = {"p_data": torch.tensor([1.0, 1.0, 0.0], dtype=torch.float64),
            "p_g": torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64),
            "D": torch.tensor([0.5, 0.5, 0.5], dtype=torch.float64),
            "D_star": torch.tensor([1.0, 0.5, 0.0], dtype=torch.float64)}
    # m = (0.5, 1, 1) / 2.5; |D - D*| = (0.5, 0, 0.5)
    assert figure1.distance_to_optimal(snap) == pytest.approx((0.5 * 0.5 + 1 * 0.5) / 2.5)
    snap["D"] = snap["D_star"]
    assert figure1.distance_to_optimal(snap) == 0.0


def test_noise_quantiles_are_the_midpoint_quantiles_of_p_z():
    z = noise_quantiles(4, dtype=torch.float64)
    assert z.shape == (4, 1)
    assert torch.allclose(z[:, 0], torch.tensor([-0.75, -0.25, 0.25, 0.75], dtype=torch.float64) * math.sqrt(3))
    g = noise_quantiles(5, "gaussian", torch.float64)[:, 0]
    assert np.allclose(g.numpy(), norm.ppf((np.arange(5) + 0.5) / 5), atol=1e-9)
    with pytest.raises(ValueError, match="noise"):
        noise_quantiles(3, "cauchy")


def test_z_display_maps_the_noise_range_onto_the_drawn_line():
    pos = figure1.z_display(torch.tensor([-math.sqrt(3), 0.0, math.sqrt(3)]), xlim=(1.0, 7.0), margin=0.1)
    assert torch.allclose(pos, torch.tensor([1.6, 4.0, 6.4], dtype=torch.float64))
    with pytest.raises(ValueError, match="xlim"):
        figure1.z_display(torch.zeros(1), xlim=(2.0, 1.0))


def test_arrows_follow_the_generator():
    G = linear_logit(2.0, 4.0)
    z, x = figure1.arrows(G, 7)
    assert torch.allclose(x, 2 * z + 4, atol=1e-6)


def test_discriminator_steps_move_only_d_and_generator_steps_only_g():
    trainer = experiments.build("toy1d", "cpu", seed=0)
    g0, d0 = params(trainer.G), params(trainer.D)
    figure1.discriminator_steps(trainer, 5)
    g1, d1 = params(trainer.G), params(trainer.D)
    assert same(g0, g1) and not same(d0, d1)
    figure1.generator_steps(trainer, 5)
    assert same(d1, params(trainer.D)) and not same(g1, params(trainer.G))
    assert trainer.iteration == 0
    with pytest.raises(ValueError, match="steps"):
        figure1.discriminator_steps(trainer, -1)


def test_discriminator_steps_bring_d_towards_d_star():
    """Panel (b): with G frozen, D-steps shrink E_m |D - D*_G| (Proposition 1 is D's target)."""
    trainer = experiments.build("figure1", "cpu", seed=0)
    trainer.run(until=30, progress=False)
    before = figure1.capture(trainer)["d_to_optimal"]
    figure1.discriminator_steps(trainer, 300)
    after = figure1.capture(trainer)["d_to_optimal"]
    assert after < before


def test_record_run_and_animation():
    trainer = experiments.build("toy1d", "cpu", seed=0, iterations=20, log_every=5)
    frames = figure1.record_run(trainer, 4)
    assert [f["iteration"] for f in frames] == [0, 5, 10, 15, 20]
    assert all(0 <= f["jsd"] <= math.log(2) + 1e-12 for f in frames)
    anim = figure1.animate(frames[:2])
    assert isinstance(anim, FuncAnimation)
    assert "<img" in anim.to_jshtml() or "frames" in anim.to_jshtml()
    with pytest.raises(ValueError, match="frames"):
        figure1.record_run(trainer, 0)


def test_train_until_jsd_stops_below_the_threshold_or_at_the_limit():
    trainer = experiments.build("figure1", "cpu", seed=0, iterations=200)
    value = figure1.train_until_jsd(trainer, 0.5, every=10)
    assert value < 0.5 and trainer.iteration % 10 == 0 and trainer.iteration <= 200
    assert value == pytest.approx(figure1.jsd(trainer), abs=0.02)
    stuck = experiments.build("toy1d", "cpu", seed=0, iterations=200)
    figure1.train_until_jsd(stuck, 1e-6, every=7, limit=20)
    assert stuck.iteration == 20
    with pytest.raises(ValueError, match="threshold"):
        figure1.train_until_jsd(stuck, 2.0)


def test_animation_html_drops_the_font_awesome_cdn_link():
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    from ganlib.book.figure1 import animation_html

    fig, ax = plt.subplots()
    anim = FuncAnimation(fig, lambda i: ax.plot([0, i]), frames=2)
    plt.close(fig)
    html = animation_html(anim)
    assert "<script" in html and "fa-play" in html  # the player and its icons are still there
    assert "font-awesome" not in html
