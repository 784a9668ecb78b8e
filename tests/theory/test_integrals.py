"""Independent checks of Theorem 1: scipy quad on analytic densities, closed forms, seeded draws, singular p_g."""
import math

import numpy as np
import pytest
import torch

from ganlib.theory.divergences import LOG2, criterion_quadrature, js_divergence, jsd_rounding_bound
from ganlib.theory.integrals import (
    criterion_integral,
    gaussian_cell_masses,
    gaussian_pdf,
    jsd_integral,
    mixture_pdf,
    pushforward_cell_masses,
    random_pairs,
    uniform_shift_criterion,
    uniform_shift_jsd,
)
from ganlib.theory.pushforward import uniform_pdf


def box(d):
    f = uniform_pdf(d, d + 1)
    return lambda t: float(f(np.array([t]))[0])


@pytest.mark.parametrize("d", [0.0, 0.1, 0.37, 0.9, 1.0, 2.5])
def test_uniform_shift_quad_matches_the_closed_forms(d):
    bps = (0.0, 1.0, d, d + 1)
    c = criterion_integral(box(0.0), box(d), -1.0, 5.0, bps)
    j = jsd_integral(box(0.0), box(d), -1.0, 5.0, bps)
    assert c == pytest.approx(uniform_shift_criterion(d), abs=1e-12)
    assert j == pytest.approx(uniform_shift_jsd(d), abs=1e-12)
    assert uniform_shift_criterion(d) == pytest.approx(-math.log(4) + 2 * uniform_shift_jsd(d), abs=1e-15)


def test_theorem_1_by_quad_and_a_wrong_density_fails():
    p, q = mixture_pdf([-1.5, 1.5], 0.6), gaussian_pdf(0.5, 1.2)
    c, j = criterion_integral(p, q), jsd_integral(p, q)
    assert c == pytest.approx(-math.log(4) + 2 * j, abs=1e-10)
    scaled = lambda t: 1.001 * q(t)  # mass 1.001: Theorem 1's algebra needs both to be probabilities
    c_bad = criterion_integral(p, scaled)
    assert abs(c_bad - (-math.log(4) + 2 * j)) > 1e-4


def test_grid_quadrature_agrees_with_quad_and_a_lossy_grid_does_not():
    p, q = mixture_pdf([-1.5, 1.5], 0.6), gaussian_pdf(0.5, 1.2)
    j = jsd_integral(p, q)
    for lo, hi, ok in [(-10, 10, True), (-3, 3, False)]:
        x = torch.linspace(lo, hi, 4001, dtype=torch.float64)
        dp = torch.tensor([p(float(t)) for t in x]); dq = torch.tensor([q(float(t)) for t in x])
        assert (abs(criterion_quadrature(dp, dq, x) - (-math.log(4) + 2 * j)) < 1e-9) == ok


def test_random_pairs_are_reproducible_and_valid():
    a, b, c = random_pairs(20, seed=3), random_pairs(20, seed=3), random_pairs(20, seed=4)
    assert all(torch.equal(x, y) for (x, _), (y, _) in zip(a, b))
    assert all(torch.equal(x, y) for (_, x), (_, y) in zip(a, b))
    assert not all(x.shape == y.shape and torch.equal(x, y) for (x, _), (y, _) in zip(a, c))
    for p, q in a:
        assert 2 <= len(p) <= 50 and len(p) == len(q) and p.sum() > 0 and q.sum() > 0 and (p >= 0).all()


def test_raw_jsd_of_random_pairs_within_the_rounding_bound():
    for p, q in random_pairs(300, seed=0):
        raw, tol = js_divergence(p, q, clamp=False), jsd_rounding_bound(len(p))
        assert -tol <= raw <= LOG2 + tol


def test_gaussian_cell_masses_sum_to_one_and_match_the_marginals():
    edges = np.linspace(-3, 3, 31)
    m = gaussian_cell_masses(edges, mean=(0.5, -0.2), sd=1.3)
    assert m.sum() == pytest.approx(1.0, abs=1e-14)
    from scipy.stats import norm
    rows = m[:-1].reshape(30, 30).sum(1)
    np.testing.assert_allclose(rows, np.diff(norm.cdf(edges, 0.5, 1.3)) * (norm.cdf(3, -0.2, 1.3) - norm.cdf(-3, -0.2, 1.3)),
                               rtol=1e-12)


def test_a_line_in_the_plane_is_singular_jsd_on_cells_tends_to_log_2():
    line = lambda z: np.concatenate([z, 0.5 * z + 0.3], 1)
    deficits = []
    for h in (0.5, 0.1, 0.02):
        edges = np.arange(-6, 6 + 1e-9, h)
        pd, pg = gaussian_cell_masses(edges), pushforward_cell_masses(line, edges, 1, 200_000)
        assert pg.sum() == pytest.approx(1.0, abs=1e-12)
        deficits.append(LOG2 - js_divergence(torch.from_numpy(pd), torch.from_numpy(pg), clamp=False))
    assert deficits[0] > deficits[1] > deficits[2] > 0 and deficits[2] < 0.03
    # a full-dimensional p_g (2-D latent) does not: its JSD on cells stays far below log 2
    edges = np.arange(-6, 6 + 1e-9, 0.02)
    full = js_divergence(torch.from_numpy(gaussian_cell_masses(edges)),
                         torch.from_numpy(gaussian_cell_masses(edges, (0.3, 0.0), 1.2)), clamp=False)
    assert full < 0.05
