"""LOTUS and push-forwards of non-invertible generators, against scipy and closed forms."""
import math

import numpy as np
import pytest
import torch
from scipy.stats import chi2

from ganlib.theory.pushforward import (
    ReluGenerator,
    integrate_density,
    normal_pdf,
    pushforward_expectation,
    relu_gaussian_expectation,
    split_atoms,
    square_one_branch_pdf,
    square_pushforward_pdf,
    uniform_pdf,
)


def test_square_of_a_normal_is_chi2_with_one_degree_of_freedom():
    x = np.linspace(0.01, 10, 200)
    np.testing.assert_allclose(square_pushforward_pdf(x, normal_pdf), chi2(1).pdf(x), rtol=1e-12)
    np.testing.assert_allclose(square_one_branch_pdf(x, normal_pdf), chi2(1).pdf(x) / 2, rtol=1e-12)


def test_square_of_a_uniform_and_the_one_branch_mass():
    p_z = uniform_pdf(-1.0, 2.0)
    # p_g(x) = 1/(3 sqrt x) on (0, 1), 1/(6 sqrt x) on (1, 4)
    np.testing.assert_allclose(square_pushforward_pdf(np.array([0.25, 2.25]), p_z), [2 / 3, 1 / 9])
    one = lambda t: np.ones_like(t)
    assert integrate_density(one, lambda t: square_pushforward_pdf(t, p_z), 0, 4, (1,)) == pytest.approx(1, abs=1e-9)
    assert integrate_density(one, lambda t: square_one_branch_pdf(t, p_z), 0, 4, (1,)) == pytest.approx(2 / 3, abs=1e-9)
    # E[z^2] = 1 for z ~ U(-1, 2)
    ident = lambda t: t
    assert integrate_density(ident, lambda t: square_pushforward_pdf(t, p_z), 0, 4, (1,)) == pytest.approx(1, abs=1e-9)


def test_integrate_density_with_infinite_bound():
    assert integrate_density(lambda t: t**2, normal_pdf, -math.inf, math.inf) == pytest.approx(1.0, abs=1e-9)
    with pytest.raises(ValueError, match="lower"):
        integrate_density(lambda t: t, normal_pdf, 1.0, 0.0)


def test_relu_gaussian_expectation():
    # E[max(z, 0)] = 1/sqrt(2 pi); E[max(z,0)^2] = 1/2; E[1] = 1 only with the atom's mass
    assert relu_gaussian_expectation(lambda t: t) == pytest.approx(1 / math.sqrt(2 * math.pi), abs=1e-9)
    assert relu_gaussian_expectation(lambda t: t**2) == pytest.approx(0.5, abs=1e-9)
    assert relu_gaussian_expectation(lambda t: np.ones_like(t)) == pytest.approx(1.0, abs=1e-9)


def test_split_atoms():
    samples = np.array([0.0, 0.0, 0.0, 1.5, 0.3, 2.0, 2.0, 0.7])
    atoms, masses, rest = split_atoms(samples, min_share=0.2)
    np.testing.assert_array_equal(atoms, [0.0, 2.0])
    np.testing.assert_allclose(masses, [3 / 8, 2 / 8])
    np.testing.assert_array_equal(np.sort(rest), [0.3, 0.7, 1.5])
    with pytest.raises(ValueError, match="min_share"):
        split_atoms(samples, 0.0)


def test_pushforward_expectation_of_relu_of_a_normal():
    z = np.random.default_rng(0).standard_normal(400_000)
    out = pushforward_expectation(lambda t: np.cos(t), np.maximum(z, 0), np.linspace(0, 6, 601))
    exact = relu_gaussian_expectation(np.cos)
    assert out["atom_mass"] == pytest.approx(0.5, abs=0.005)
    assert out["total"] == pytest.approx(exact, abs=0.005)
    assert out["atoms"] == pytest.approx(out["atom_mass"])
    with pytest.raises(ValueError, match="edges must cover"):
        pushforward_expectation(np.cos, np.maximum(z, 0), np.linspace(0, 1, 11))


def test_relu_generator_has_an_atom_at_zero():
    G = ReluGenerator(seed=0)
    x = G(torch.randn(10_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)).detach().numpy()
    atoms, masses, _ = split_atoms(x)
    assert 0.0 in atoms and masses[list(atoms).index(0.0)] > 0.2
    assert (x >= 0).all()


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
def test_exact_relu_network_pushforward():
    from ganlib.theory.pushforward import relu_network_pushforward
    G = ReluGenerator(hidden=8, seed=0)
    pf = relu_network_pushforward(G)
    assert pf.atom_mass + pf.branch_mass() == pytest.approx(1.0, abs=1e-12)
    assert set(pf.atoms) == {0.0} and pf.atom_mass == pytest.approx(0.38455, abs=1e-5)
    f = lambda t: -np.logaddexp(0.0, 2.0 - np.asarray(t))
    # against the z-side integral E_z[f(G(z))] by quad, split at the units' switching points
    from scipy import integrate
    cuts = sorted((-G.b1 / G.w1).detach().numpy())
    g = lambda t: float(f(G(torch.tensor([t], dtype=torch.float64)).detach().numpy())[0] * normal_pdf(t))
    z_side = sum(integrate.quad(g, a, b, limit=200, epsabs=1e-12)[0]
                 for a, b in zip([-np.inf, *cuts], [*cuts, np.inf]))
    assert pf.expectation(f) == pytest.approx(z_side, abs=1e-9)
    # against samples: the atom's share and the CDF within 4 binomial standard errors
    rng = np.random.default_rng(1)
    with torch.no_grad():
        x = G(torch.from_numpy(rng.standard_normal(400_000))).numpy()
    for t in (0.0, 0.3, 1.0, 2.0):
        F = pf.cdf(t)
        assert abs((x <= t).mean() - F) < 4 * math.sqrt(F * (1 - F) / len(x))
    # the density integrates to the branch mass, and the density part alone is not the answer
    lo, hi = min(a for a, _ in pf.branch_images()), max(b for _, b in pf.branch_images())
    assert integrate_density(lambda t: np.ones_like(t), pf.pdf, lo, hi,
                             tuple(e for ab in pf.branch_images() for e in ab)) == pytest.approx(pf.branch_mass(), abs=1e-8)
    assert abs(pf.expectation(f, include_atoms=False) / pf.branch_mass() - z_side) > 0.1


def test_exact_pushforward_of_relu_z_is_half_atom_half_normal():
    from ganlib.theory.pushforward import relu_network_pushforward
    G = ReluGenerator(hidden=1, seed=0)
    with torch.no_grad():
        G.w1.fill_(1.0); G.b1.fill_(0.0); G.w2.fill_(1.0); G.b2.fill_(0.0)
    pf = relu_network_pushforward(G)
    assert pf.atoms == {0.0: pytest.approx(0.5, abs=1e-15)}
    np.testing.assert_allclose(pf.pdf(np.array([0.5, 1.0, 2.0])), normal_pdf(np.array([0.5, 1.0, 2.0])), rtol=1e-14)
    f = lambda t: -np.logaddexp(0.0, 2.0 - np.asarray(t))
    assert pf.expectation(f) == pytest.approx(relu_gaussian_expectation(f), abs=1e-10)
