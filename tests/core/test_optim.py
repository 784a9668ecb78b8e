"""The authors' momentum rule and schedules."""
import pytest
import torch

from ganlib.core.optim import ClassicalMomentum, learning_rate_at, momentum_at


def test_classical_momentum_matches_the_pylearn2_recursion():
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
    opt = ClassicalMomentum([w], lr=0.1, momentum=0.5)
    theta, v = w.detach().clone(), torch.zeros(2, dtype=torch.float64)
    for step, lr in enumerate([0.1, 0.05, 0.025]):
        opt.param_groups[0]["lr"] = lr
        w.grad = 2 * w.detach()  # gradient of ||w||^2
        opt.step()
        v = 0.5 * v - lr * 2 * theta
        theta = theta + v
        torch.testing.assert_close(w.detach(), theta)


def test_momentum_schedule_rises_linearly_then_saturates():
    # pylearn2's MomentumAdjustor(start=1, saturate=250, final_momentum=0.7) from 0.5: 0.5 + 0.2 e / 249
    for epoch in (0, 1, 2, 100, 248):
        assert momentum_at(epoch) == pytest.approx(0.5 + 0.2 * epoch / 249, abs=1e-15)
    assert momentum_at(1) != pytest.approx(0.5 + 0.2 / 250, abs=1e-6)  # the e / 250 reading is a different rule
    assert momentum_at(249) == pytest.approx(0.7) and momentum_at(1000) == pytest.approx(0.7)


def test_learning_rate_decays_per_minibatch_with_a_floor():
    assert learning_rate_at(10**6, 0.1, decay=10.0) == 1e-6  # 10**(10**6) overflows a float: the floor
    assert learning_rate_at(0, 0.1) == 0.1
    assert learning_rate_at(100_000, 0.1) == pytest.approx(0.1 / 1.000004**100_000)
    assert learning_rate_at(10**8, 0.1) == 1e-6
