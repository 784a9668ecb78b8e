"""Toy data distributions with exact densities: the p_data of the theory chapters.

Every toy is a mixture of isotropic Gaussians, so one class covers the 1-D Gaussian of Figure 1,
1-D mixtures, and the 2-D ring and grid used to study mode collapse.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class GaussianMixture:
    """p(x) = sum_k w_k N(x; mu_k, sigma_k^2 I) in d dimensions.

    means: (K, d); stds: (K,); weights: (K,), summing to one.
    """

    means: torch.Tensor
    stds: torch.Tensor
    weights: torch.Tensor

    def __post_init__(self) -> None:
        if self.means.ndim != 2:
            raise ValueError(f"means must have shape (K, d), got {tuple(self.means.shape)}")
        k = self.means.shape[0]
        if self.stds.shape != (k,) or self.weights.shape != (k,):
            raise ValueError(f"stds and weights must have shape ({k},)")
        if (self.stds <= 0).any():
            raise ValueError("stds must be positive")
        if (self.weights < 0).any() or not math.isclose(float(self.weights.sum()), 1.0, rel_tol=1e-6):
            raise ValueError("weights must be non-negative and sum to 1")

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def sample(self, n: int, generator: torch.Generator | None = None,
               device: torch.device | str | None = None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """n samples of shape (n, d), drawn with a CPU generator, then cast and moved to `device`."""
        comp = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        eps = torch.randn(n, self.dim, generator=generator, dtype=self.means.dtype)
        x = self.means[comp] + self.stds[comp, None] * eps
        return x.to(device=device, dtype=dtype)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) for x of shape (n, d) (or (n,) in one dimension)."""
        x = _as_points(x, self.dim).to(self.means)
        sq = ((x[:, None, :] - self.means[None]) ** 2).sum(-1)  # (n, K)
        var = self.stds**2
        log_comp = -0.5 * sq / var - 0.5 * self.dim * torch.log(2 * math.pi * var)
        return torch.logsumexp(log_comp + torch.log(self.weights), dim=1)

    def pdf(self, x: torch.Tensor) -> torch.Tensor:
        """The exact density p(x)."""
        return self.log_prob(x).exp()


def _as_points(x: torch.Tensor, dim: int) -> torch.Tensor:
    if x.ndim == 1 and dim == 1:
        return x[:, None]
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(f"expected points of shape (n, {dim}), got {tuple(x.shape)}")
    return x


def _mixture(means: list[list[float]], std: float, weights: list[float] | None = None) -> GaussianMixture:
    m = torch.tensor(means, dtype=torch.float64)
    k = m.shape[0]
    w = torch.full((k,), 1.0 / k, dtype=torch.float64) if weights is None else torch.tensor(weights, dtype=torch.float64)
    return GaussianMixture(m, torch.full((k,), float(std), dtype=torch.float64), w / w.sum())


def gaussian_1d(mean: float = 0.0, std: float = 1.0) -> GaussianMixture:
    """A single 1-D Gaussian, the p_data of the paper's Figure 1."""
    return _mixture([[mean]], std)


def mixture_1d(means: list[float], std: float, weights: list[float] | None = None) -> GaussianMixture:
    """A 1-D mixture of equal-width Gaussians."""
    return _mixture([[m] for m in means], std, weights)


def ring_2d(modes: int = 8, radius: float = 2.0, std: float = 0.02) -> GaussianMixture:
    """`modes` Gaussians evenly spaced on a circle (the usual mode-collapse benchmark)."""
    angles = [2 * math.pi * i / modes for i in range(modes)]
    return _mixture([[radius * math.cos(a), radius * math.sin(a)] for a in angles], std)


def grid_2d(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> GaussianMixture:
    """side x side Gaussians on a centred square grid."""
    offset = (side - 1) / 2
    return _mixture([[(i - offset) * spacing, (j - offset) * spacing] for i in range(side) for j in range(side)], std)
