"""Mode collapse, measured: coverage of a 2-D Gaussian mixture's modes, sample quality and a KL on a grid.

The metrics of the mode-collapse literature (Metz et al., 2017; Srivastava et al., 2017), defined here:
- a sample is *high quality* if it lies within `threshold` standard deviations of some mode's centre;
- a mode is *covered* if at least `min_count` samples are high quality and nearest to it;
- KL(p_data || p_g) on a grid of cells: the exact mass of p_data in each cell against the histogram of G's
  samples, smoothed by adding `pseudo_count` to every cell (so a missing mode costs a finite amount).
The 2-D runs themselves are `experiments.build("toy2d", p_data=...)`; the paper's "Helvetica scenario"
(Section 6) is `core.trainer.train_generator_alone`.
"""
from __future__ import annotations

import math
from typing import Any

import torch

from ganlib.data.toys import GaussianMixture


def _points(samples: torch.Tensor, dist: GaussianMixture) -> torch.Tensor:
    x = torch.as_tensor(samples).detach().cpu().double()
    if x.ndim != 2 or x.shape[1] != dist.dim:
        raise ValueError(f"samples must have shape (n, {dist.dim}), got {tuple(x.shape)}")
    return x


def nearest_mode(samples: torch.Tensor, dist: GaussianMixture, threshold: float = 3.0) -> torch.Tensor:
    """Index of the nearest mode centre for each sample, or -1 where that centre is farther than
    threshold * (that mode's std): -1 marks a low-quality sample."""
    if threshold <= 0:
        raise ValueError(f"threshold must be positive, got {threshold!r}")
    x = _points(samples, dist)
    dist_to = torch.cdist(x, dist.means)  # (n, K)
    d, idx = dist_to.min(1)
    return torch.where(d <= threshold * dist.stds[idx], idx, torch.full_like(idx, -1))


def mode_coverage(samples: torch.Tensor, dist: GaussianMixture, threshold: float = 3.0,
                  min_count: int = 20) -> dict[str, Any]:
    """Modes covered, share of high-quality samples, and the samples per mode.

    Returns {"modes": K, "covered": number of modes with >= min_count high-quality samples,
    "high_quality": share of samples within threshold std of a centre, "counts": tensor (K,) of samples
    assigned to each mode}.
    """
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"min_count must be an integer >= 1, got {min_count!r}")
    assign = nearest_mode(samples, dist, threshold)
    k = dist.means.shape[0]
    counts = torch.bincount(assign[assign >= 0], minlength=k)
    return {"modes": k, "covered": int((counts >= min_count).sum()),
            "high_quality": float((assign >= 0).double().mean()), "counts": counts}


def grid_edges(dist: GaussianMixture, bins: int = 100, margin: float = 1.0) -> torch.Tensor:
    """Equal edges for both axes of a 2-D mixture: its centres' range widened by `margin` on each side."""
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins!r}")
    lo = float(dist.means.min()) - margin
    hi = float(dist.means.max()) + margin
    return torch.linspace(lo, hi, bins + 1, dtype=torch.float64)


def cell_masses_2d(dist: GaussianMixture, edges: torch.Tensor) -> torch.Tensor:
    """Exact mass of a 2-D isotropic Gaussian mixture in each cell of the grid edges x edges, shape (B, B).

    Each component factorises over the two axes, so a cell's mass is a product of two differences of the
    normal CDF. Mass outside the grid is not included.
    """
    if dist.dim != 2:
        raise ValueError("cell_masses_2d needs a 2-D distribution")
    e = torch.as_tensor(edges, dtype=torch.float64)
    sd = dist.stds * math.sqrt(2)
    cdf_x = 0.5 * (1 + torch.erf((e[:, None] - dist.means[:, 0]) / sd))  # (B + 1, K)
    cdf_y = 0.5 * (1 + torch.erf((e[:, None] - dist.means[:, 1]) / sd))
    mx, my = cdf_x[1:] - cdf_x[:-1], cdf_y[1:] - cdf_y[:-1]  # (B, K)
    return torch.einsum("ik,jk,k->ij", mx, my, dist.weights)


def histogram_2d(samples: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
    """Counts of 2-D samples in each cell of edges x edges, shape (B, B); samples outside are dropped."""
    x = torch.as_tensor(samples).detach().cpu().double()
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"samples must have shape (n, 2), got {tuple(x.shape)}")
    e = torch.as_tensor(edges, dtype=torch.float64)
    b = len(e) - 1
    i = torch.bucketize(x[:, 0].contiguous(), e, right=True) - 1
    j = torch.bucketize(x[:, 1].contiguous(), e, right=True) - 1
    # the last edge belongs to the last cell
    i = torch.where(x[:, 0] == e[-1], b - 1, i)
    j = torch.where(x[:, 1] == e[-1], b - 1, j)
    inside = (i >= 0) & (i < b) & (j >= 0) & (j < b)
    flat = (i[inside] * b + j[inside])
    return torch.bincount(flat, minlength=b * b).reshape(b, b).double()


def grid_kl(samples: torch.Tensor, dist: GaussianMixture, bins: int = 100, margin: float = 1.0,
            pseudo_count: float = 0.5) -> float:
    """KL(p_data || p_g) between the exact cell masses of p_data and the smoothed histogram of samples.

    p_g(cell) = (count + pseudo_count) / (n + pseudo_count * bins^2); p_data's cell masses are normalised
    over the grid. 0 for a perfect fit (up to sampling noise); large when modes are missing.
    """
    if pseudo_count <= 0:
        raise ValueError(f"pseudo_count must be positive, got {pseudo_count!r}")
    edges = grid_edges(dist, bins, margin)
    p = cell_masses_2d(dist, edges).flatten()
    p = p / p.sum()
    counts = histogram_2d(_points(samples, dist), edges).flatten() + pseudo_count
    q = counts / counts.sum()
    return float((torch.special.xlogy(p, p) - torch.special.xlogy(p, q)).sum())
