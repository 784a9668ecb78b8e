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


def noise_quantiles(n: int, kind: str = "uniform") -> torch.Tensor:
    """The midpoints (i + 1/2)/n, i < n, of p_z's probability scale mapped to z: a deterministic (n, 1) grid
    whose every point carries mass 1/n, so averages over it are midpoint-rule integrals against p_z."""
    u = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    if kind == "uniform":
        z = (2 * u - 1) * math.sqrt(3.0)
    elif kind == "gaussian":
        z = math.sqrt(2.0) * torch.erfinv(2 * u - 1)
    else:
        raise ValueError(f"noise must be one of ('uniform', 'gaussian'), got {kind!r}")
    return z.float().reshape(n, 1)


@torch.no_grad()
def generator_jsd_1d(p_data: GaussianMixture, G: torch.nn.Module, edges: torch.Tensor,
                     noise: str = "uniform", n: int = 50_000) -> float:
    """JSD(p_data || p_g) by quadrature, for a 1-D generator with 1-D noise.

    Both distributions are measured on the bins `edges` (plus one bin for the rest of the line): p_data's
    masses exactly, from its CDF; p_g's as the push-forward of p_z, by the midpoint rule over n quantiles of
    p_z (the LOTUS identity P(G(z) in B) = E_z[1{G(z) in B}]), with no sampling noise. The JSD of the bin
    masses is a lower bound of the continuous one, and tightens as the bins shrink.
    """
    device = next(G.parameters()).device
    return jsd_to_samples(p_data, G(noise_quantiles(n, noise).to(device)), edges)


# --- Continuous versions on a grid (the quadrature checks of the theory chapters) -------------------------


def _grid_densities(x: torch.Tensor, **densities: torch.Tensor) -> tuple[torch.Tensor, ...]:
    x = torch.as_tensor(x, dtype=torch.float64)
    if x.ndim != 1 or len(x) < 2 or not bool((x[1:] > x[:-1]).all()):
        raise ValueError("x must be a 1-D increasing grid with at least two points")
    out = []
    for name, p in densities.items():
        p = torch.as_tensor(p, dtype=torch.float64)
        if p.shape != x.shape:
            raise ValueError(f"{name} must have the shape of x {tuple(x.shape)}, got {tuple(p.shape)}")
        if (p < 0).any() or not torch.isfinite(p).all():
            raise ValueError(f"{name} must be finite and non-negative")
        out.append(p)
    return (x, *out)


def pointwise_objective(y: torch.Tensor, a: float, b: float) -> torch.Tensor:
    """a log y + b log(1 - y), the integrand of V(D, G) at one x with a = p_data(x), b = p_g(x).

    Proposition 1's proof: for (a, b) != (0, 0) it peaks on [0, 1] at y = a / (a + b).
    """
    if a < 0 or b < 0 or a + b == 0:
        raise ValueError(f"a and b must be non-negative and not both zero, got a={a}, b={b}")
    y = torch.as_tensor(y, dtype=torch.float64)
    return torch.special.xlogy(torch.as_tensor(a, dtype=torch.float64), y) + \
        torch.special.xlogy(torch.as_tensor(b, dtype=torch.float64), 1 - y)


def pointwise_maximiser(a: float, b: float) -> float:
    """argmax_{y in [0, 1]} a log y + b log(1 - y) = a / (a + b) (proof of Proposition 1)."""
    if a < 0 or b < 0 or a + b == 0:
        raise ValueError(f"a and b must be non-negative and not both zero, got a={a}, b={b}")
    return a / (a + b)


def value_function_quadrature(d: torch.Tensor, p_data: torch.Tensor, p_g: torch.Tensor, x: torch.Tensor) -> float:
    """V(D, G) = int p_data(x) log D(x) + p_g(x) log(1 - D(x)) dx (Eq. 1 after the LOTUS step, Eq. 3).

    Trapezoid rule on the grid x; d = D(x), p_data and p_g the densities on the grid. 0 log 0 = 0.
    """
    x, p, q = _grid_densities(x, p_data=p_data, p_g=p_g)
    d = torch.as_tensor(d, dtype=torch.float64)
    if d.shape != x.shape or (d < 0).any() or (d > 1).any():
        raise ValueError("d must hold values of D in [0, 1] on the grid x")
    integrand = torch.special.xlogy(p, d) + torch.special.xlogy(q, 1 - d)
    return float(torch.trapezoid(integrand, x))


def criterion_quadrature(p_data: torch.Tensor, p_g: torch.Tensor, x: torch.Tensor) -> float:
    """C(G) = V(D*_G, G) by the trapezoid rule (Eq. 4), with log D* = log p_data - log(p_data + p_g)."""
    x, p, q = _grid_densities(x, p_data=p_data, p_g=p_g)
    total = p + q
    integrand = torch.special.xlogy(p, p) - torch.special.xlogy(p, total) + \
        torch.special.xlogy(q, q) - torch.special.xlogy(q, total)
    return float(torch.trapezoid(integrand, x))


def kl_quadrature(p: torch.Tensor, q: torch.Tensor, x: torch.Tensor) -> float:
    """KL(p || q) = int p log(p / q) dx of two densities on a grid (trapezoid); inf where q misses p."""
    x, p, q = _grid_densities(x, p=p, q=q)
    if ((q == 0) & (p > 0)).any():
        return math.inf
    return float(torch.trapezoid(torch.special.xlogy(p, p) - torch.special.xlogy(p, q), x))


def jsd_quadrature(p: torch.Tensor, q: torch.Tensor, x: torch.Tensor) -> float:
    """JSD(p || q) = KL(p || m)/2 + KL(q || m)/2, m = (p + q)/2, of two densities on a grid (Theorem 1)."""
    x, p, q = _grid_densities(x, p=p, q=q)
    m = (p + q) / 2
    return 0.5 * kl_quadrature(p, m, x) + 0.5 * kl_quadrature(q, m, x)
