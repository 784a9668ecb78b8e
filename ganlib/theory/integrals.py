"""Independent checks of Theorem 1: adaptive quadrature on analytic densities, closed forms, seeded draws,
and the singular case of a generator whose latent has fewer dimensions than the data.

`divergences.criterion_quadrature` and `divergences.jsd_quadrature` share one grid, on which
C - (-log 4 + 2 JSD) = -log 2 (mass_p + mass_q - 2) is algebra; the functions here integrate each side on its own,
by scipy.integrate.quad (QUADPACK's adaptive Gauss-Kronrod rule) on the density functions themselves, or give
them in closed form.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
from scipy import integrate, special, stats

Density = Callable[[float], float]
LOG2 = math.log(2.0)


def _quad(integrand: Callable[[float], float], lower: float, upper: float, breakpoints: tuple[float, ...]) -> float:
    cuts = [lower, *sorted(b for b in breakpoints if lower < b < upper), upper]
    total = 0.0
    for a, b in zip(cuts[:-1], cuts[1:]):
        value, _ = integrate.quad(integrand, a, b, limit=400, epsabs=1e-13, epsrel=1e-13)
        total += value
    return total


def criterion_integral(pdf_data: Density, pdf_g: Density, lower: float = -math.inf, upper: float = math.inf,
                       breakpoints: tuple[float, ...] = ()) -> float:
    """C(G) = int p_data log(p_data / (p_data + p_g)) + p_g log(p_g / (p_data + p_g)) dx by scipy's quad (Eq. 4),
    evaluating the two density functions pointwise (no grid). Put discontinuities in `breakpoints`."""
    def integrand(t: float) -> float:
        p, q = float(pdf_data(t)), float(pdf_g(t))
        s = p + q
        return float(special.xlogy(p, p) - special.xlogy(p, s) + special.xlogy(q, q) - special.xlogy(q, s))
    return _quad(integrand, lower, upper, breakpoints)


def jsd_integral(pdf_p: Density, pdf_q: Density, lower: float = -math.inf, upper: float = math.inf,
                 breakpoints: tuple[float, ...] = ()) -> float:
    """JSD(p || q) = KL(p || m)/2 + KL(q || m)/2, m = (p + q)/2, each KL by its own call of scipy's quad."""
    def kl_to_mixture(a: Density, b: Density) -> float:
        def integrand(t: float) -> float:
            x, y = float(a(t)), float(b(t))
            return float(special.xlogy(x, x) - special.xlogy(x, (x + y) / 2))
        return _quad(integrand, lower, upper, breakpoints)
    return 0.5 * kl_to_mixture(pdf_p, pdf_q) + 0.5 * kl_to_mixture(pdf_q, pdf_p)


def uniform_shift_jsd(d: float) -> float:
    """Closed form: JSD(U[0, 1] || U[d, d + 1]) = min(|d|, 1) log 2 (equal densities on the overlap)."""
    return min(abs(d), 1.0) * LOG2


def uniform_shift_criterion(d: float) -> float:
    """Closed form of C(G) for p_data = U[0, 1], p_g = U[d, d + 1], computed from D*_G and not from the JSD:
    D*_G = 1/2 on the overlap (length 1 - |d|) and 1 or 0 on the rest, so C = (1 - min(|d|, 1)) log(1/4)."""
    return (1.0 - min(abs(d), 1.0)) * math.log(0.25)


def gaussian_pdf(mu: float, sd: float) -> Density:
    """The N(mu, sd^2) density as a scalar function (scipy.stats.norm)."""
    return lambda t: float(stats.norm.pdf(t, mu, sd))


def mixture_pdf(means: list[float], sd: float, weights: list[float] | None = None) -> Density:
    """The density of sum_k w_k N(means_k, sd^2) as a scalar function (equal weights by default)."""
    w = np.full(len(means), 1 / len(means)) if weights is None else np.asarray(weights, dtype=np.float64)
    mu = np.asarray(means, dtype=np.float64)
    return lambda t: float(np.sum(w * stats.norm.pdf(t, mu, sd)))


# --- Seeded random pairs of discrete distributions ------------------------------------------------------


def random_pairs(n_pairs: int, seed: int, k_range: tuple[int, int] = (2, 50), zero_share: float = 0.2
                 ) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """n_pairs pairs (p, q) of float64 masses on k points, k uniform in k_range, drawn from Dirichlet(alpha)
    with alpha = 10^u, u ~ U[-1, 1] (spiky to flat), with a share zero_share of entries set to zero and 1e-3
    added to p[0] and q[-1] so that neither is all zero. Reproducible: one numpy Generator seeded with `seed`
    draws everything (torch's Dirichlet sampler would use the global RNG)."""
    if n_pairs < 1 or not 0 <= zero_share < 1:
        raise ValueError(f"n_pairs must be >= 1 and zero_share in [0, 1), got {n_pairs}, {zero_share}")
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_pairs):
        k = int(rng.integers(k_range[0], k_range[1] + 1))
        alpha = 10 ** (rng.random() * 2 - 1)
        pair = []
        for _ in range(2):
            v = rng.dirichlet(np.full(k, alpha)) * (rng.random(k) > zero_share)
            pair.append(torch.from_numpy(v))
        p, q = pair
        p[0] += 1e-3
        q[-1] += 1e-3
        out.append((p, q))
    return out


# --- A 1-D latent mapped into the plane: p_g singular with respect to p_data ----------------------------


def _cell_index(points: np.ndarray, edges: np.ndarray) -> np.ndarray:
    n = len(edges) - 1
    i = np.searchsorted(edges, points[:, 0], side="right") - 1
    j = np.searchsorted(edges, points[:, 1], side="right") - 1
    inside = (i >= 0) & (i < n) & (j >= 0) & (j < n)
    return np.where(inside, i * n + j, n * n)  # the last index: everything outside the square


def gaussian_cell_masses(edges: np.ndarray, mean: tuple[float, float] = (0.0, 0.0), sd: float = 1.0) -> np.ndarray:
    """Exact masses of N(mean, sd^2 I_2) in the square cells edges x edges (row-major), plus the mass outside."""
    edges = np.asarray(edges, dtype=np.float64)
    rows, cols = (np.diff(stats.norm.cdf(edges, m, sd)) for m in mean)
    inside = np.outer(rows, cols).ravel()
    return np.append(inside, max(0.0, 1.0 - inside.sum()))


def pushforward_cell_masses(G: Callable[[np.ndarray], np.ndarray], edges: np.ndarray, latent_dim: int,
                            n_per_dim: int) -> np.ndarray:
    """Masses of p_g = G_# N(0, I_latent_dim) in the square cells edges x edges, plus the mass outside, by the
    LOTUS identity P(G(z) in B) = E_z[1{G(z) in B}] on a product grid of n_per_dim midpoint quantiles per
    latent dimension (deterministic, each point of mass n_per_dim^-latent_dim). G maps (N, latent_dim) to (N, 2)."""
    if latent_dim not in (1, 2):
        raise ValueError(f"latent_dim must be 1 or 2, got {latent_dim}")
    u = stats.norm.ppf((np.arange(n_per_dim) + 0.5) / n_per_dim)
    z = u[:, None] if latent_dim == 1 else np.stack(np.meshgrid(u, u, indexing="ij"), -1).reshape(-1, 2)
    x = np.asarray(G(z), dtype=np.float64)
    n = len(edges) - 1
    counts = np.bincount(_cell_index(x, np.asarray(edges, dtype=np.float64)), minlength=n * n + 1)
    return counts / len(x)
