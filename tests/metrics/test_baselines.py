"""The mixture of Bernoullis fitted by EM: its likelihood against the formula, EM's ascent, recovery of a known
mixture, and its samples."""
import math

import pytest
import torch

from ganlib.metrics.baselines import BernoulliMixture, fit_bernoulli_mixture


def brute_force_log_prob(model: BernoulliMixture, x: torch.Tensor) -> list[float]:
    out = []
    for row in x.tolist():
        total = 0.0
        for pi, mu in zip(model.weights.tolist(), model.means.tolist()):
            total += pi * math.prod(m ** v * (1 - m) ** (1 - v) for m, v in zip(mu, row))
        out.append(math.log(total))
    return out


def known_mixture(n=4000, seed=0):
    """Two patterns of 20 pixels (on with probability 0.9 where the pattern is on, 0.1 elsewhere), 70 / 30."""
    gen = torch.Generator().manual_seed(seed)
    a = torch.tensor([0.9] * 10 + [0.1] * 10, dtype=torch.float64)
    truth = BernoulliMixture(torch.tensor([0.7, 0.3], dtype=torch.float64), torch.stack([a, a.flip(0)]))
    return truth, truth.sample(n, generator=gen)


def test_log_prob_is_the_mixture_formula():
    gen = torch.Generator().manual_seed(1)
    model = BernoulliMixture(torch.tensor([0.2, 0.5, 0.3], dtype=torch.float64),
                             torch.rand(3, 6, generator=gen, dtype=torch.float64) * 0.8 + 0.1)
    x = torch.rand(5, 6, generator=gen, dtype=torch.float64).round()
    x[0] = torch.rand(6, generator=gen, dtype=torch.float64)  # a grey image too
    assert model.log_prob(x).tolist() == pytest.approx(brute_force_log_prob(model, x), abs=1e-12)


def test_em_recovers_a_known_mixture_and_never_lowers_the_likelihood():
    truth, data = known_mixture()
    model, history = fit_bernoulli_mixture(data, 2, iterations=25, seed=0)
    assert all(b >= a - 1e-9 for a, b in zip(history, history[1:])), history
    order = torch.argsort(model.weights, descending=True)
    assert torch.allclose(model.weights[order], truth.weights, atol=0.03)
    assert torch.allclose(model.means[order], truth.means, atol=0.03)
    # the fitted model explains the data as well as the truth, within sampling noise
    assert history[-1] == pytest.approx(float(truth.log_prob(data).mean()), abs=0.02)
    # negative control: one component cannot, by far
    _, one = fit_bernoulli_mixture(data, 1, iterations=5)
    assert one[-1] < history[-1] - 1.0


def test_samples_are_binary_with_the_mixtures_pixel_means():
    truth, data = known_mixture(n=20_000, seed=3)
    assert set(data.unique().tolist()) == {0.0, 1.0}
    expected = truth.weights @ truth.means
    se = torch.sqrt(expected * (1 - expected) / len(data))
    assert ((data.mean(0) - expected).abs() < 4 * se).all()


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        fit_bernoulli_mixture(torch.full((4, 3), 2.0), 2)
    with pytest.raises(ValueError, match="components must be"):
        fit_bernoulli_mixture(torch.rand(4, 3), 5)
    with pytest.raises(ValueError, match="iterations must be"):
        fit_bernoulli_mixture(torch.rand(4, 3), 2, iterations=0)
    with pytest.raises(ValueError, match="non-empty"):
        fit_bernoulli_mixture(torch.rand(0, 3), 1)
