"""Proposition 2 on a grid: the envelope gradient, convexity of C(G), and descent to p_data."""
import math

import pytest
import torch

from ganlib.theory.convexity import (
    criterion_of_logits,
    envelope_gradient,
    functional_gradient_descent,
    midpoint_convexity_gap,
    value_on_masses,
)
from ganlib.theory.divergences import virtual_training_criterion
from ganlib.theory.optimal_d import optimal_discriminator

GEN = torch.Generator().manual_seed(0)
P = torch.rand(30, generator=GEN, dtype=torch.float64) + 0.05
P = P / P.sum()


def test_envelope_gradient_equals_the_full_gradient_of_c():
    logits = torch.randn(30, generator=GEN, dtype=torch.float64).requires_grad_(True)
    (full,) = torch.autograd.grad(criterion_of_logits(logits, P), logits)
    torch.testing.assert_close(envelope_gradient(logits, P), full, atol=1e-12, rtol=1e-10)
    q = torch.softmax(logits.detach(), 0)
    assert float(criterion_of_logits(logits.detach(), P)) == pytest.approx(virtual_training_criterion(P, q), abs=1e-12)


def test_value_on_masses_at_d_star_is_c():
    q = torch.softmax(torch.randn(30, generator=GEN, dtype=torch.float64), 0)
    assert float(value_on_masses(optimal_discriminator(P, q), P, q)) == pytest.approx(
        virtual_training_criterion(P, q), abs=1e-12)


def test_c_is_convex_in_p_g():
    for _ in range(20):
        q0 = torch.rand(30, generator=GEN, dtype=torch.float64)
        q1 = torch.rand(30, generator=GEN, dtype=torch.float64)
        assert midpoint_convexity_gap(P, q0, q1, 0.3) >= -1e-14
    with pytest.raises(ValueError, match="lam"):
        midpoint_convexity_gap(P, P, P, 2.0)


def test_descent_converges_to_p_data():
    out = functional_gradient_descent(P, torch.zeros(30, dtype=torch.float64), steps=500, lr=20.0)
    assert out["C"][-1] < out["C"][0]
    assert out["C"][-1] == pytest.approx(-math.log(4), abs=1e-6)
    assert torch.allclose(out["p_g"], P, atol=1e-4)
    assert all(a >= b - 1e-15 for a, b in zip(out["C"], out["C"][1:]))  # monotone for a small enough step
    with pytest.raises(ValueError, match="logits"):
        functional_gradient_descent(P, torch.zeros(3), steps=1, lr=1.0)


def test_exponentiated_gradient_meets_the_mirror_descent_bound_and_eta_1_halves_the_gap():
    from ganlib.theory.convexity import exponentiated_gradient_descent, mirror_descent_bound, total_variation
    from ganlib.theory.divergences import js_divergence
    q0 = torch.rand(30, generator=GEN, dtype=torch.float64) ** 3 + 1e-3
    q0 = q0 / q0.sum()
    for eta in (0.05, 0.5, 1.0):
        run = exponentiated_gradient_descent(P, q0, steps=300, eta=eta)
        gap = torch.tensor(run["C"][1:]) + math.log(4)
        assert (gap <= mirror_descent_bound(P, q0, eta, torch.arange(1, 301)) + 1e-15).all()
        assert all(b <= a + 1e-15 for a, b in zip(run["C"], run["C"][1:]))
        # Pinsker: TV <= sqrt(2 JSD)
        assert total_variation(P, run["p_g"]) <= math.sqrt(2 * max(run["jsd"][-1], 0.0)) + 1e-12
    # eta = 1: p_g <- (p_data + p_g) / 2 exactly, so p_g^t - p_data = 2^-t (p_g^0 - p_data)
    run = exponentiated_gradient_descent(P, q0, steps=5, eta=1.0)
    torch.testing.assert_close(run["p_g"], P + (q0 - P) / 32, rtol=1e-12, atol=1e-15)
    # a step beyond the condition eta <= 1 breaks the descent
    bad = exponentiated_gradient_descent(P, q0, steps=50, eta=6.0)
    assert any(b > a for a, b in zip(bad["C"], bad["C"][1:]))
    with pytest.raises(ValueError):
        exponentiated_gradient_descent(P, torch.zeros(30, dtype=torch.float64).index_fill(0, torch.tensor([0]), 1.0), 5, 0.5)
    assert js_divergence(P, run["p_g"]) >= 0
