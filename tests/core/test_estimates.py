"""mean_and_error: the one body behind every 'mean +- error' (Table 1's columns, Monte Carlo, seed spreads)."""
import math

import pytest
import torch

from ganlib.core.estimates import mean_and_error


def test_standard_error_across_folds_uses_ddof_0_as_the_authors_numpy():
    mean, se = mean_and_error([1.0, 2.0, 3.0, 6.0], ddof=0)
    assert mean == 3.0
    assert se == pytest.approx(math.sqrt(((1 - 3) ** 2 + 1 + 0 + 9) / 4) / 2, rel=1e-15)  # std(ddof 0) / sqrt(4)


def test_monte_carlo_standard_error_uses_ddof_1():
    mean, se = mean_and_error(torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64))
    assert mean == 2.5 and se == pytest.approx(math.sqrt(5 / 3) / 2, rel=1e-15)
    assert se != pytest.approx(mean_and_error([1.0, 2.0, 3.0, 4.0], ddof=0)[1])  # the two ddofs differ


def test_spread_over_seeds_is_the_std_and_leaves_diverged_seeds_out():
    mean, std = mean_and_error([0.1, math.nan, 0.3], error="std", drop_nan=True)
    assert mean == pytest.approx(0.2) and std == pytest.approx(math.sqrt(0.02))
    assert mean_and_error([0.5, math.nan], error="std", drop_nan=True) == (0.5, 0.0)
    assert all(math.isnan(v) for v in mean_and_error([math.nan], drop_nan=True))


def test_a_float32_tensor_is_reduced_in_float32():
    x = torch.rand(1000)
    assert mean_and_error(x, ddof=0) == (x.mean().item(), (x.std(unbiased=False) / math.sqrt(1000)).item())


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="at least 2 values"):
        mean_and_error([1.0])
    with pytest.raises(ValueError, match="error must be"):
        mean_and_error([1.0, 2.0], error="sem")
    with pytest.raises(ValueError, match="ddof must be"):
        mean_and_error([1.0, 2.0], ddof=2)
