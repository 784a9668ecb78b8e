"""Toy distributions: exact densities integrate to one and match their samples."""
import math

import pytest
import torch

from ganlib.data.toys import GaussianMixture, gaussian_1d, grid_2d, mixture_1d, ring_2d


def test_1d_density_integrates_to_one_and_matches_normal_pdf():
    p = mixture_1d([-2.0, 3.0], std=0.7, weights=[0.3, 0.7])
    x = torch.linspace(-10, 12, 20001, dtype=torch.float64)
    assert torch.trapezoid(p.pdf(x), x).item() == pytest.approx(1.0, abs=1e-9)
    g = gaussian_1d(1.0, 2.0)
    assert g.pdf(torch.tensor([1.0])).item() == pytest.approx(1 / (2 * math.sqrt(2 * math.pi)), rel=1e-12)


@pytest.mark.parametrize("dist", [ring_2d(8, 2.0, 0.2), grid_2d(3, 2.0, 0.3)])
def test_2d_density_integrates_to_one(dist):
    t = torch.linspace(-5, 5, 801, dtype=torch.float64)
    xx, yy = torch.meshgrid(t, t, indexing="ij")
    dens = dist.pdf(torch.stack([xx.flatten(), yy.flatten()], 1)).reshape(801, 801)
    assert torch.trapezoid(torch.trapezoid(dens, t), t).item() == pytest.approx(1.0, abs=1e-6)


def test_samples_have_the_mixture_moments():
    p = mixture_1d([-2.0, 3.0], std=0.5, weights=[0.25, 0.75])
    x = p.sample(200_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    mean = 0.25 * -2 + 0.75 * 3
    var = 0.25 + 0.25 * 4 + 0.75 * 9 - mean**2
    assert x.mean().item() == pytest.approx(mean, abs=0.01)
    assert x.var().item() == pytest.approx(var, rel=0.01)


def test_ring_modes_lie_on_the_circle():
    ring = ring_2d(8, radius=2.0)
    assert torch.allclose(ring.means.norm(dim=1), torch.full((8,), 2.0, dtype=torch.float64))
    assert grid_2d(5).means.shape == (25, 2)


def test_invalid_mixtures_are_refused():
    with pytest.raises(ValueError, match="sum to 1"):
        GaussianMixture(torch.zeros(2, 1), torch.ones(2), torch.tensor([0.5, 0.6]))
    with pytest.raises(ValueError, match="positive"):
        GaussianMixture(torch.zeros(1, 1), torch.zeros(1), torch.ones(1))
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        ring_2d().pdf(torch.zeros(3, 3))
