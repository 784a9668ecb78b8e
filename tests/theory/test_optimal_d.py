"""V(D, G) by Monte Carlo and a discriminator trained towards D*_G (Proposition 1)."""
import math

import pytest
import torch
from scipy.stats import norm

from ganlib.core.estimates import mean_and_error
from ganlib.data.toys import gaussian_1d
from ganlib.theory.divergences import value_function_quadrature
from ganlib.theory.optimal_d import (
    AffineGenerator,
    discriminator_on_grid,
    fit_discriminator,
    optimal_discriminator,
    sup_error,
    value_function_mc,
)


def test_mean_and_error():
    m, s = mean_and_error(torch.tensor([1.0, 2.0, 3.0, 4.0]))
    assert m == 2.5 and s == pytest.approx(math.sqrt(5 / 3) / 2)
    with pytest.raises(ValueError, match="values"):
        mean_and_error(torch.tensor([1.0]))


def test_affine_generator_pushes_n01_to_n_mu_sigma():
    G = AffineGenerator(2.0, 0.5)
    x = G(torch.randn(200_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64))
    assert float(x.mean()) == pytest.approx(2.0, abs=0.01) and float(x.std()) == pytest.approx(0.5, abs=0.01)
    with pytest.raises(ValueError, match="sigma"):
        AffineGenerator(0.0, 0.0)


def test_value_function_mc_agrees_with_quadrature():
    D = lambda x: 0.7 * x.squeeze(-1) - 0.2  # a fixed logistic discriminator
    gen = torch.Generator().manual_seed(3)
    n = 100_000
    real = torch.randn(n, 1, generator=gen, dtype=torch.float64)
    fake = AffineGenerator(1.0, 2.0)(torch.randn(n, 1, generator=gen, dtype=torch.float64))
    v, se = value_function_mc(D, real, fake)
    x = torch.linspace(-20, 20, 40_001, dtype=torch.float64)
    d = torch.sigmoid(0.7 * x - 0.2)
    exact = value_function_quadrature(d, torch.as_tensor(norm.pdf(x, 0, 1)), torch.as_tensor(norm.pdf(x, 1, 2)), x)
    assert abs(v - exact) < 4 * se and se < 0.01


def test_fit_discriminator_approaches_d_star():
    p_data, G = gaussian_1d(0.0, 1.0), AffineGenerator(1.0, 1.0)
    D, history = fit_discriminator(p_data, G, steps=400, batch_size=512, lr=1e-2, seed=0)
    x = torch.linspace(-3, 4, 141, dtype=torch.float64)
    d_star = optimal_discriminator(p_data.pdf(x), gaussian_1d(1.0, 1.0).pdf(x))
    assert sup_error(discriminator_on_grid(D, x), d_star, torch.ones_like(x, dtype=torch.bool)) < 0.1
    assert history["V"][-1] > history["V"][0]


def test_sup_error_needs_a_region():
    with pytest.raises(ValueError, match="mask"):
        sup_error(torch.zeros(3), torch.ones(3), torch.zeros(3, dtype=torch.bool))
    assert sup_error(torch.zeros(3), torch.tensor([0.1, 0.5, 0.2]), torch.tensor([True, False, True])) == pytest.approx(0.2)


def test_perturbed_discriminators_never_beat_d_star_and_beat_a_wrong_one():
    from ganlib.data.toys import mixture_1d
    from ganlib.theory.divergences import criterion_quadrature
    from ganlib.theory.optimal_d import optimal_discriminator, perturbed_discriminators
    x = torch.linspace(-10, 10, 2001, dtype=torch.float64)
    p, q = mixture_1d([-1.5, 1.5], std=0.6).pdf(x), gaussian_1d(0.5, 1.2).pdf(x)
    d_star = optimal_discriminator(p, q)
    ds = perturbed_discriminators(d_star, x, n=50, scale=1.0, seed=0, centres_in=(-4.0, 4.0))
    assert ds.shape == (50, len(x)) and bool(((ds >= 0) & (ds <= 1)).all())
    assert torch.equal(ds, perturbed_discriminators(d_star, x, n=50, scale=1.0, seed=0, centres_in=(-4.0, 4.0)))
    c = criterion_quadrature(p, q, x)
    values = torch.tensor([value_function_quadrature(d, p, q, x) for d in ds])
    assert bool((values < c).all())
    # a D* built from a wrong p_g is beaten by some perturbations
    d_wrong = optimal_discriminator(p, gaussian_1d(0.7, 1.2).pdf(x))
    v_wrong = value_function_quadrature(d_wrong, p, q, x)
    wrong = torch.tensor([value_function_quadrature(d, p, q, x)
                          for d in perturbed_discriminators(d_wrong, x, n=50, scale=0.2, seed=0)])
    assert bool((wrong > v_wrong).any())
    # exact zeros and ones stay put
    edge = perturbed_discriminators(torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64),
                                    torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64), n=3, scale=1.0, seed=1)
    assert bool((edge[:, 0] == 0).all()) and bool((edge[:, 2] == 1).all())
    with pytest.raises(ValueError, match="scale"):
        perturbed_discriminators(d_star, x, n=2, scale=0.0, seed=0)
    with pytest.raises(ValueError, match="centres_in"):
        perturbed_discriminators(d_star, x, n=2, scale=1.0, seed=0, centres_in=(1.0, 1.0))


def test_perturbed_logits_never_beat_d_star_in_2d_and_beat_a_wrong_one():
    import torch

    from ganlib.theory.classifiers import GaussianClassConditional, mesh_2d, true_two_gaussians_2d
    from ganlib.theory.optimal_d import perturbed_logits, value_of_logits, value_rounding_bound

    truth = true_two_gaussians_2d()
    xx, yy, grid = mesh_2d((-8, -8), (8, 8), steps=80)
    cell = ((xx[0, 1] - xx[0, 0]) * (yy[1, 0] - yy[0, 0])).item()
    half = GaussianClassConditional(torch.tensor([0.5, 0.5], dtype=torch.float64), truth.means, truth.covariances)
    logp = half.class_log_likelihood(grid)
    p_data, p_g = logp[:, 1].exp() * cell, logp[:, 0].exp() * cell
    logit_star = logp[:, 1] - logp[:, 0]
    v_star, tol = value_of_logits(logit_star, p_data, p_g).item(), value_rounding_bound(p_data, p_g, logit_star)
    assert 0 < tol < 1e-10
    ds = perturbed_logits(logit_star, grid, n=40, scale=1.0, seed=0, box=(-4.0, 4.0))
    assert ds.shape == (40, len(grid))
    assert torch.equal(ds, perturbed_logits(logit_star, grid, n=40, scale=1.0, seed=0, box=(-4.0, 4.0)))
    assert (value_of_logits(ds, p_data, p_g) < v_star + tol).all()
    wrong = logit_star + torch.log(torch.tensor(0.4 / 0.6))  # control: Bayes' rule with the wrong prior
    v_wrong = value_of_logits(wrong, p_data, p_g).item()
    around = value_of_logits(perturbed_logits(wrong, grid, n=40, scale=1.0, seed=0, box=(-4.0, 4.0)), p_data, p_g)
    assert (around > v_wrong + tol).any()
    with pytest.raises(ValueError):
        perturbed_logits(logit_star, grid, n=2, scale=0.0, seed=0)
    with pytest.raises(ValueError):
        perturbed_logits(logit_star[:5], grid, n=2, scale=1.0, seed=0)
