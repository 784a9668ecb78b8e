"""The Parzen-window estimator against a direct double loop, and the authors' protocol."""
import math

import numpy as np
import pytest
import torch

from ganlib.metrics.parzen import SIGMAS, choose_sigma, parzen_estimate, parzen_log_likelihoods


def direct(samples, x, sigma):
    """The formula of parzen_ll.py, one test point and one sample at a time."""
    d = samples.shape[1]
    terms = [-float(((x - mu) ** 2).sum()) / (2 * sigma**2) for mu in samples]
    top = max(terms)
    lme = top + math.log(sum(math.exp(t - top) for t in terms) / len(terms))
    return lme - d * math.log(sigma * math.sqrt(2 * math.pi))


def test_sigma_grid_is_numpy_logspace():
    assert np.allclose(SIGMAS, np.logspace(-1, 0, 10), rtol=0, atol=1e-15)


def test_matches_the_direct_double_loop():
    gen = torch.Generator().manual_seed(0)
    samples = torch.rand(37, 9, generator=gen, dtype=torch.float64)
    points = torch.rand(23, 9, generator=gen, dtype=torch.float64)
    got = parzen_log_likelihoods(samples, points, SIGMAS, chunk=5)
    for i, sigma in enumerate(SIGMAS):
        for j in range(len(points)):
            assert got[i, j].item() == pytest.approx(direct(samples, points[j], sigma), rel=1e-10, abs=1e-9)


def test_float32_on_image_sized_data_stays_close_to_float64():
    gen = torch.Generator().manual_seed(1)
    samples, points = torch.rand(200, 784, generator=gen), torch.rand(50, 784, generator=gen)
    ll32 = parzen_log_likelihoods(samples, points)
    ll64 = parzen_log_likelihoods(samples.double(), points.double())
    assert (ll32.double() - ll64).abs().max() < 1e-2


def test_estimate_is_invariant_to_the_order_of_samples_and_chunking():
    gen = torch.Generator().manual_seed(2)
    samples, valid, test = (torch.rand(n, 5, generator=gen, dtype=torch.float64) for n in (40, 15, 25))
    a = parzen_estimate(samples, valid, test, chunk=7)
    b = parzen_estimate(samples[torch.randperm(40, generator=gen)], valid, test, chunk=1000)
    assert a.sigma == b.sigma and a.mean == pytest.approx(b.mean, rel=1e-12)


def test_protocol_chooses_sigma_on_validation_and_reports_standard_error():
    gen = torch.Generator().manual_seed(3)
    samples, valid, test = (torch.rand(n, 4, generator=gen, dtype=torch.float64) for n in (50, 20, 30))
    result = parzen_estimate(samples, valid, test)
    sigma, table = choose_sigma(samples, valid)
    assert result.sigma == sigma == max(table, key=table.get)
    ll = torch.tensor([direct(samples, x, sigma) for x in test], dtype=torch.float64)
    assert result.mean == pytest.approx(ll.mean().item(), rel=1e-10)
    assert result.stderr == pytest.approx(ll.std(unbiased=False).item() / math.sqrt(30), rel=1e-8)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="samples and points must be"):
        parzen_log_likelihoods(torch.rand(3, 4), torch.rand(3, 5))
    with pytest.raises(ValueError, match="sigmas must be positive"):
        parzen_log_likelihoods(torch.rand(3, 4), torch.rand(3, 4), (0.0,))
