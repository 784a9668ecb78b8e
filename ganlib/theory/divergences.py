"""Section 4 in numbers: KL and Jensen-Shannon divergences, C(G) (Eq. 4) and V(D, G) (Eq. 1, 3).

On probability masses (discrete distributions, or densities times bin widths on a grid) in float64 with natural
logarithms, so that JSD lies in [0, log 2] and min C(G) = -log 4; and on densities given on a grid, by the
trapezoid rule (the quadrature checks of the theory chapters) or, from their logs, by the rectangle rule.
"""
from __future__ import annotations

import math

import torch

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


def js_divergence(p: torch.Tensor, q: torch.Tensor, clamp: bool = True) -> float:
    """JSD(p || q) = KL(p || m)/2 + KL(q || m)/2 with m = (p + q)/2, in [0, log 2] in exact arithmetic.

    clamp=True clips the float64 result to [0, log 2]; clamp=False returns the raw sum, which rounding can put
    a few ulps outside that interval (use it to *check* the bounds: see `jsd_rounding_bound`).
    """
    p, q = _masses(p, "p"), _masses(q, "q")
    m = (p + q) / 2
    value = 0.5 * _xlogy_ratio(p, m) + 0.5 * _xlogy_ratio(q, m)
    return float(value.clamp(0.0, LOG2)) if clamp else float(value)


def jsd_rounding_bound(k: int) -> float:
    """A bound on the float64 rounding error of js_divergence(..., clamp=False) on k points.

    Each of the 2k terms p log(p / m) is computed with a relative error of a few units of roundoff and has
    magnitude at most p log 2; the naive summation of n terms adds at most n * eps times the sum of their
    magnitudes. With the normalisations this gives (2k + 8) * eps * log 2 (eps = 2^-52), for which the raw
    value of any pair lies in [-bound, log 2 + bound].
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    return (2 * k + 8) * torch.finfo(torch.float64).eps * LOG2


def virtual_training_criterion(p_data: torch.Tensor, p_g: torch.Tensor) -> float:
    """C(G) = max_D V(G, D) = E_{p_data}[log D*_G] + E_{p_g}[log(1 - D*_G)] (Eq. 4), on masses."""
    p, q = _masses(p_data, "p_data"), _masses(p_g, "p_g")
    # log D* = log p - log(p + q) and log(1 - D*) = log q - log(p + q): no 1 - D* rounding to 0.
    total = p + q
    return float(_xlogy_ratio(p, total) + _xlogy_ratio(q, total))


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


def log_density_divergences(log_p: torch.Tensor, log_q: torch.Tensor, dx: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(KL(q || p), JSD(p || q)) of densities given by their logs on a uniform grid of step dx (rectangle rule),
    over the last dimension, so a batch of q's (rows of log_q) is done at once."""
    p, q = log_p.exp(), log_q.exp()
    log_m = torch.logaddexp(log_p, log_q) - math.log(2)
    kl_qp = (q * (log_q - log_p)).sum(-1) * dx
    jsd = 0.5 * ((p * (log_p - log_m)).sum(-1) + (q * (log_q - log_m)).sum(-1)) * dx
    return kl_qp, jsd


def js_divergence_terms(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """The pointwise terms (p log(p/m) + q log(q/m)) / 2 of JSD(p || q), m = (p + q)/2, each >= 0 up to rounding:
    their sum is js_divergence(p, q, clamp=False), and a sum over a set of points is that set's share."""
    p, q = _masses(p, "p"), _masses(q, "q")
    m = (p + q) / 2
    return 0.5 * (torch.special.xlogy(p, p) - torch.special.xlogy(p, m) + torch.special.xlogy(q, q)
                  - torch.special.xlogy(q, m))
