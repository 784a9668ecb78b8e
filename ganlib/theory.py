"""Section 4 in numbers: the optimal discriminator, C(G) and the Jensen-Shannon divergence.

All functions work on probability masses (discrete distributions, or densities times bin widths on a
grid) in float64, with natural logarithms, so that JSD lies in [0, log 2] and min C(G) = -log 4.
"""
from __future__ import annotations

import math

import torch

from .toys import GaussianMixture

LOG2 = math.log(2.0)


def _masses(p: torch.Tensor, name: str) -> torch.Tensor:
    p = torch.as_tensor(p, dtype=torch.float64)
    if (p < 0).any() or not torch.isfinite(p).all():
        raise ValueError(f"{name} must be finite and non-negative")
    total = p.sum()
    if total <= 0:
        raise ValueError(f"{name} has no mass")
    return p / total


def _xlogy_ratio(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """sum p log(p / q) with 0 log 0 = 0."""
    return (torch.special.xlogy(p, p) - torch.special.xlogy(p, q)).sum()


def kl_divergence(p: torch.Tensor, q: torch.Tensor) -> float:
    """KL(p || q) of two discrete distributions (normalised here); infinite where q misses p's mass."""
    p, q = _masses(p, "p"), _masses(q, "q")
    if ((q == 0) & (p > 0)).any():
        return math.inf
    return float(_xlogy_ratio(p, q))


def js_divergence(p: torch.Tensor, q: torch.Tensor) -> float:
    """JSD(p || q) = KL(p || m)/2 + KL(q || m)/2 with m = (p + q)/2; always in [0, log 2]."""
    p, q = _masses(p, "p"), _masses(q, "q")
    m = (p + q) / 2
    value = 0.5 * _xlogy_ratio(p, m) + 0.5 * _xlogy_ratio(q, m)
    return float(value.clamp(0.0, LOG2))


def optimal_discriminator(p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    """D*_G(x) = p_data(x) / (p_data(x) + p_g(x)) (Proposition 1).

    Where both densities vanish D* is not determined; 1/2 is returned there.
    """
    p_data, p_g = torch.as_tensor(p_data, dtype=torch.float64), torch.as_tensor(p_g, dtype=torch.float64)
    total = p_data + p_g
    return torch.where(total > 0, p_data / torch.where(total > 0, total, 1.0), torch.full_like(total, 0.5))


def virtual_training_criterion(p_data: torch.Tensor, p_g: torch.Tensor) -> float:
    """C(G) = max_D V(G, D) = E_{p_data}[log D*_G] + E_{p_g}[log(1 - D*_G)] (Eq. 4), on masses."""
    p, q = _masses(p_data, "p_data"), _masses(p_g, "p_g")
    # log D* = log p - log(p + q) and log(1 - D*) = log q - log(p + q): no 1 - D* rounding to 0.
    total = p + q
    return float(_xlogy_ratio(p, total) + _xlogy_ratio(q, total))


def histogram_masses(samples: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
    """Share of 1-D samples in each bin of `edges`, plus a last entry for the share outside them."""
    x = torch.as_tensor(samples, dtype=torch.float64).flatten().cpu()
    edges = torch.as_tensor(edges, dtype=torch.float64)
    counts = torch.histc(x, bins=len(edges) - 1, min=float(edges[0]), max=float(edges[-1]))
    inside = counts.sum()
    return torch.cat([counts, (len(x) - inside).reshape(1)]) / len(x)


def mixture_masses(dist: GaussianMixture, edges: torch.Tensor) -> torch.Tensor:
    """Exact mass of a 1-D Gaussian mixture in each bin of `edges`, plus the mass outside them."""
    if dist.dim != 1:
        raise ValueError("mixture_masses needs a 1-D distribution")
    edges = torch.as_tensor(edges, dtype=torch.float64)
    mu, sd = dist.means[:, 0], dist.stds
    cdf = (dist.weights * 0.5 * (1 + torch.erf((edges[:, None] - mu) / (sd * math.sqrt(2))))).sum(1)
    inside = cdf[1:] - cdf[:-1]
    return torch.cat([inside, (1 - inside.sum()).clamp_min(0).reshape(1)])


def jsd_to_samples(dist: GaussianMixture, samples: torch.Tensor, edges: torch.Tensor) -> float:
    """JSD(p_data || p_g) on a 1-D grid: p_data exact, p_g the histogram of samples from G."""
    return js_divergence(mixture_masses(dist, edges), histogram_masses(samples, edges))


@torch.no_grad()
def generator_jsd_1d(p_data: GaussianMixture, G: torch.nn.Module, edges: torch.Tensor,
                     noise: str = "uniform", n: int = 50_000) -> float:
    """JSD(p_data || p_g) for a 1-D generator with 1-D noise, from n fresh samples of G."""
    from .noise import sample_noise

    device = next(G.parameters()).device
    return jsd_to_samples(p_data, G(sample_noise(n, 1, noise, device)), edges)
