"""Mode-coverage metrics on hand-made samples, exact cell masses, and the 2-D toy trainer."""
import math

import numpy as np
import pytest
import torch

from ganlib import experiments
from ganlib.core.trainer import TrainingDiverged, train_generator_alone
from ganlib.data.toys import GaussianMixture, grid_2d, mixture_1d, ring_2d
from ganlib.metrics.modes import cell_masses_2d, grid_edges, grid_kl, histogram_2d, mode_coverage, nearest_mode
from ganlib.theory.pushforward import mixture_masses

RING = ring_2d()  # 8 modes, radius 2, std 0.02


def on_mode(i, n, gen, dist=RING):
    return dist.means[i] + dist.stds[i] * torch.randn(n, 2, generator=gen, dtype=torch.float64).clamp(-2.0, 2.0)  # within 2.83 std


def test_samples_on_three_of_eight_modes_cover_three():
    gen = torch.Generator().manual_seed(0)
    x = torch.cat([on_mode(i, 100, gen) for i in (1, 4, 6)])
    m = mode_coverage(x, RING)
    assert m["covered"] == 3 and m["modes"] == 8 and m["high_quality"] == 1.0
    assert m["counts"].tolist() == [0, 100, 0, 0, 100, 0, 100, 0]


def test_off_mode_samples_are_not_high_quality_and_min_count_applies():
    gen = torch.Generator().manual_seed(1)
    centre_of_ring = torch.zeros(50, 2, dtype=torch.float64)  # 2 from every centre: 100 std away
    x = torch.cat([on_mode(0, 30, gen), on_mode(2, 5, gen), centre_of_ring])
    m = mode_coverage(x, RING, min_count=20)
    assert m["covered"] == 1  # mode 2 has only 5 samples
    assert m["high_quality"] == pytest.approx(35 / 85, abs=1e-15)
    assert nearest_mode(centre_of_ring, RING).eq(-1).all()
    assert mode_coverage(x, RING, min_count=5)["covered"] == 2


def test_three_standard_deviations_is_the_boundary():
    centre, sd = RING.means[0], float(RING.stds[0])
    inside = centre + torch.tensor([[2.99 * sd, 0.0]], dtype=torch.float64)
    outside = centre + torch.tensor([[0.0, 3.01 * sd]], dtype=torch.float64)
    assert nearest_mode(inside, RING).item() == 0
    assert nearest_mode(outside, RING).item() == -1
    assert nearest_mode(outside, RING, threshold=4.0).item() == 0


def test_cell_masses_factorise_into_one_dimensional_masses():
    dist = GaussianMixture(torch.tensor([[0.3, -0.2]], dtype=torch.float64), torch.tensor([0.5], dtype=torch.float64),
                           torch.tensor([1.0], dtype=torch.float64))
    edges = torch.linspace(-3, 3, 31, dtype=torch.float64)
    mx = mixture_masses(mixture_1d([0.3], 0.5), edges)[:-1]
    my = mixture_masses(mixture_1d([-0.2], 0.5), edges)[:-1]
    torch.testing.assert_close(cell_masses_2d(dist, edges), torch.outer(mx, my))


def test_cell_masses_of_the_grid_sum_to_one_and_match_sampling():
    dist = grid_2d()
    edges = grid_edges(dist, bins=40)
    masses = cell_masses_2d(dist, edges)
    assert float(masses.sum()) == pytest.approx(1.0, abs=1e-12)
    x = dist.sample(200_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    empirical = histogram_2d(x, edges) / len(x)
    assert float((empirical - masses).abs().max()) < 3e-3


def test_histogram_2d_matches_numpy():
    x = torch.randn(5000, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    edges = torch.linspace(-2, 2, 17, dtype=torch.float64)
    expected, _, _ = np.histogram2d(x[:, 0].numpy(), x[:, 1].numpy(), bins=[edges.numpy(), edges.numpy()])
    np.testing.assert_array_equal(histogram_2d(x, edges).numpy(), expected)


def test_grid_kl_is_small_for_exact_samples_and_large_for_missing_modes():
    gen = torch.Generator().manual_seed(0)
    exact = RING.sample(10_000, generator=gen, dtype=torch.float64)
    one_mode = on_mode(0, 10_000, gen)
    kl_exact, kl_one = grid_kl(exact, RING), grid_kl(one_mode, RING)
    assert kl_exact < 0.6  # the floor of 10,000 samples on a 100 x 100 grid
    assert kl_one > kl_exact + math.log(8) - 0.5  # at least log(8) to miss 7 of 8 equal modes, less smoothing
    with pytest.raises(ValueError, match="pseudo_count"):
        grid_kl(exact, RING, pseudo_count=0.0)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="min_count"):
        mode_coverage(torch.zeros(3, 2), RING, min_count=0)
    with pytest.raises(ValueError, match="samples"):
        mode_coverage(torch.zeros(3, 3), RING)
    with pytest.raises(ValueError, match="threshold"):
        nearest_mode(torch.zeros(3, 2), RING, threshold=-1.0)
    with pytest.raises(ValueError, match="2-D"):
        experiments.build("toy2d", "cpu", p_data=mixture_1d([0.0], 1.0))


def test_toy2d_trainer_runs_and_generates():
    trainer = experiments.build("toy2d", "cpu", p_data=RING, hidden=16, seed=0, iterations=5, log_every=5, batch_size=64)
    trainer.run(progress=False)
    assert trainer.iteration == 5
    x = trainer.sample(100)
    assert x.shape == (100, 2) and torch.isfinite(x).all()


class PointCritic(torch.nn.Module):
    """A discriminator whose logit is highest at one point c: -|x - c|^2."""

    def __init__(self, c):
        super().__init__()
        self.c = torch.nn.Parameter(torch.tensor(c))

    def forward(self, x):
        return -((x - self.c) ** 2).sum(1)


def test_generator_alone_moves_only_g_and_collapses_its_samples():
    trainer = experiments.build("toy2d", "cpu", p_data=RING, hidden=32, seed=0, iterations=300, log_every=300)
    trainer.run(progress=False)
    trainer.D = PointCritic([2.0, 0.0])  # frozen D rating one point most real
    g_before = [p.detach().clone() for p in trainer.G.parameters()]
    spread_before = trainer.sample(2000).std(0).sum().item()
    losses = train_generator_alone(trainer, 300)
    assert len(losses) == 300 and trainer.iteration == 300
    assert torch.equal(trainer.D.c, torch.tensor([2.0, 0.0]))
    assert not all(torch.equal(a, b) for a, b in zip(g_before, trainer.G.parameters()))
    # G runs to the point D rates most real: "too many values of z to the same value of x"
    x = trainer.sample(2000)
    assert x.std(0).sum().item() < spread_before / 10
    assert (x - torch.tensor([2.0, 0.0])).norm(dim=1).mean() < 0.1
    assert mode_coverage(x, RING)["counts"][0] > 1000 and losses[-1] < losses[0]


def test_generator_alone_names_a_non_finite_loss_and_bad_steps():
    trainer = experiments.build("toy2d", "cpu", p_data=RING, hidden=16, seed=0, iterations=1, log_every=1)
    with pytest.raises(ValueError, match="steps"):
        train_generator_alone(trainer, 0)
    with torch.no_grad():
        next(trainer.G.parameters()).fill_(float("nan"))
    with pytest.raises(TrainingDiverged, match="update 1 of 2 with D frozen"):
        train_generator_alone(trainer, 2)
