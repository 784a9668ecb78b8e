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
