"""A number and its uncertainty: the one body behind every "mean +- error" the book prints.

- Table 1's MNIST column: mean log-likelihood over test images, standard error std (ddof 0) / sqrt(N), as the
  authors' parzen_ll.py computed it (numpy's default ddof);
- Table 1's TFD column: mean over folds, standard error across folds (the same formula over folds);
- Monte Carlo estimates such as V(D, G): standard error with ddof 1;
- spreads over seeds: the sample standard deviation (ddof 1), not an error of the mean.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

import torch


def mean_and_error(values: Iterable[float] | torch.Tensor, ddof: int = 1,
                   error: Literal["stderr", "std"] = "stderr", drop_nan: bool = False) -> tuple[float, float]:
    """(mean, std(ddof) / sqrt(n)) with error="stderr", or (mean, std(ddof)) with error="std".

    A floating-point tensor is reduced in its own dtype, anything else in float64.

    drop_nan: leave NaNs out first (a diverged seed); with nothing left the result is (nan, nan), and with one
    value and ddof 1 the spread is 0. Without drop_nan at least ddof + 1 values are required.
    """
    if error not in ("stderr", "std"):
        raise ValueError(f"error must be 'stderr' or 'std', got {error!r}")
    if ddof not in (0, 1):
        raise ValueError(f"ddof must be 0 or 1, got {ddof!r}")
    if isinstance(values, torch.Tensor) and values.is_floating_point():
        v = values.detach().flatten()  # a tensor keeps its precision (Table 1's float32 log-likelihoods)
    else:
        v = torch.as_tensor(list(values), dtype=torch.float64).flatten()
    if drop_nan:
        v = v[~torch.isnan(v)]
        if len(v) == 0:
            return math.nan, math.nan
        if len(v) <= ddof:
            return float(v.mean()), 0.0
    elif len(v) <= ddof or len(v) == 0:
        raise ValueError(f"need at least {ddof + 1} values, got {len(v)}")
    spread = v.std(correction=ddof)
    return float(v.mean()), float(spread / math.sqrt(len(v)) if error == "stderr" else spread)
