"""The continuous (quadrature) versions of Section 4's quantities, against closed forms and the discrete ones."""
import math

import pytest
import torch
from scipy.stats import norm

from ganlib.theory.divergences import (
    criterion_quadrature,
    js_divergence,
    jsd_quadrature,
    kl_quadrature,
    value_function_quadrature,
)
from ganlib.theory.optimal_d import optimal_discriminator, pointwise_maximiser, pointwise_objective

X = torch.linspace(-15, 15, 6001, dtype=torch.float64)


def gauss(mu, sd):
    return torch.as_tensor(norm.pdf(X.numpy(), mu, sd))


@pytest.mark.parametrize("a,b", [(1.0, 1.0), (0.3, 2.0), (5.0, 0.1), (0.0, 1.0), (1.0, 0.0)])
def test_pointwise_objective_peaks_at_a_over_a_plus_b(a, b):
    y = torch.linspace(0, 1, 100_001, dtype=torch.float64)
    values = pointwise_objective(y, a, b)
    assert float(y[values.argmax()]) == pytest.approx(pointwise_maximiser(a, b), abs=1e-5)
    assert float(pointwise_objective(torch.tensor(0.3), a, b)) == pytest.approx(
        a * math.log(0.3) + b * math.log(0.7))


def test_pointwise_rejects_bad_input():
    with pytest.raises(ValueError, match="a and b"):
        pointwise_maximiser(0.0, 0.0)
    with pytest.raises(ValueError, match="a and b"):
        pointwise_objective(torch.tensor(0.5), -1.0, 1.0)


def test_kl_quadrature_matches_gaussian_closed_form():
    # KL(N(m1, s1^2) || N(m2, s2^2)) = log(s2/s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2
    exact = math.log(2 / 1) + (1 + 1.5**2) / (2 * 4) - 0.5
    assert kl_quadrature(gauss(0, 1), gauss(1.5, 2), X) == pytest.approx(exact, rel=1e-6)


def test_jsd_quadrature_matches_discrete_jsd_and_is_bounded():
    p, q = gauss(0, 1), gauss(2, 0.7)
    width = float(X[1] - X[0])
    assert jsd_quadrature(p, q, X) == pytest.approx(js_divergence(p * width, q * width), rel=1e-6)
    assert 0 <= jsd_quadrature(p, q, X) <= math.log(2)
    assert jsd_quadrature(p, p, X) == pytest.approx(0.0, abs=1e-12)


def test_disjoint_uniforms_have_jsd_log_2():
    x = torch.linspace(0, 10, 100_001, dtype=torch.float64)
    p = ((x >= 1) & (x <= 2)).double()
    q = ((x >= 5) & (x <= 6)).double()
    assert jsd_quadrature(p, q, x) == pytest.approx(math.log(2), rel=1e-3)


def test_criterion_is_the_value_at_d_star_and_minus_log_4_plus_twice_jsd():
    p, q = gauss(0, 1), gauss(1, 1.3)
    c = criterion_quadrature(p, q, X)
    assert c == pytest.approx(value_function_quadrature(optimal_discriminator(p, q), p, q, X), abs=1e-10)
    assert c == pytest.approx(-math.log(4) + 2 * jsd_quadrature(p, q, X), abs=1e-10)
    assert criterion_quadrature(p, p, X) == pytest.approx(-math.log(4), abs=1e-8)


def test_value_function_quadrature_of_a_constant_discriminator():
    p, q = gauss(0, 1), gauss(3, 1)
    assert value_function_quadrature(torch.full_like(X, 0.25), p, q, X) == pytest.approx(
        math.log(0.25) + math.log(0.75), rel=1e-8)


def test_quadrature_rejects_bad_grids_and_values():
    with pytest.raises(ValueError, match="x must be"):
        jsd_quadrature(torch.ones(3), torch.ones(3), torch.tensor([0.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match="p_g must"):
        criterion_quadrature(torch.ones(3), -torch.ones(3), torch.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="d must"):
        value_function_quadrature(torch.full((3,), 1.5), torch.ones(3), torch.ones(3), torch.tensor([0.0, 1.0, 2.0]))
