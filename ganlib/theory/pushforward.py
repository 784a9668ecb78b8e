"""The law of the unconscious statistician (LOTUS) behind the proof of Proposition 1.

The proof rewrites E_{z ~ p_z}[f(G(z))] as E_{x ~ p_g}[f(x)], where p_g = G_# p_z is the push-forward of p_z
by G: p_g(A) = p_z(G^{-1}(A)) for every set A. That identity holds for every measurable G; it needs no inverse
and no Jacobian. This module computes p_g for non-invertible generators -- exactly for G(z) = z^2 and
G(z) = max(z, 0), by histogram plus atoms for a ReLU network -- and the one-branch change-of-variables
density that wrongly pretends G is invertible. It also measures p_g on bins for a 1-D generator, by the same
identity P(G(z) in B) = E_z[1{G(z) in B}] taken over the quantiles of p_z, and JSD(p_data || p_g) from it.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
from scipy import integrate
from torch import nn

from ganlib.core.noise import noise_quantiles
from ganlib.data.toys import GaussianMixture
from ganlib.theory.divergences import js_divergence

Density = Callable[[np.ndarray], np.ndarray]


def square_pushforward_pdf(x: np.ndarray, p_z: Density) -> np.ndarray:
    """Density of x = z^2 for z with density p_z: (p_z(sqrt x) + p_z(-sqrt x)) / (2 sqrt x) for x > 0.

    Both preimages +-sqrt(x) of x contribute: this is p_g = G_# p_z for the non-invertible G(z) = z^2.
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    pos = x > 0
    r = np.sqrt(x[pos])
    out[pos] = (p_z(r) + p_z(-r)) / (2 * r)
    return out


def square_one_branch_pdf(x: np.ndarray, p_z: Density) -> np.ndarray:
    """The wrong 'change of variables' p_z(G^{-1}(x)) |d G^{-1}/dx| with the single branch G^{-1}(x) = sqrt x.

    It forgets the preimage -sqrt(x), so it is the push-forward of p_z restricted to z > 0: its mass is
    P(z > 0), not 1.
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    pos = x > 0
    r = np.sqrt(x[pos])
    out[pos] = p_z(r) / (2 * r)
    return out


def integrate_density(f: Callable[[np.ndarray], np.ndarray], pdf: Density, lower: float, upper: float,
                      breakpoints: tuple[float, ...] = ()) -> float:
    """int_lower^upper f(x) pdf(x) dx by adaptive quadrature (scipy.integrate.quad), split at breakpoints.

    quad's QAGS rule copes with the integrable 1/sqrt(x) singularity of square_pushforward_pdf at 0 and
    with infinite bounds; put discontinuities of pdf in `breakpoints`.
    """
    if not lower < upper:
        raise ValueError(f"lower must be < upper, got {lower}, {upper}")
    cuts = [lower, *sorted(b for b in breakpoints if lower < b < upper), upper]
    total = 0.0
    for a, b in zip(cuts[:-1], cuts[1:]):
        value, _ = integrate.quad(lambda t: float(f(np.array([t]))[0] * pdf(np.array([t]))[0]), a, b,
                                  limit=200, epsabs=1e-11, epsrel=1e-11)
        total += value
    return total


def uniform_pdf(low: float, high: float) -> Density:
    """The density of the uniform distribution on [low, high]."""
    if not low < high:
        raise ValueError(f"low must be < high, got {low}, {high}")
    return lambda t: np.where((np.asarray(t) >= low) & (np.asarray(t) <= high), 1.0 / (high - low), 0.0)


def normal_pdf(t: np.ndarray) -> np.ndarray:
    """The standard normal density phi(t)."""
    t = np.asarray(t, dtype=np.float64)
    return np.exp(-0.5 * t**2) / math.sqrt(2 * math.pi)


def relu_gaussian_expectation(f: Callable[[np.ndarray], np.ndarray]) -> float:
    """E[f(max(z, 0))] for z ~ N(0, 1), from p_g = (1/2) delta_0 + phi(x) 1{x > 0} dx (an atom and a density).

    No Lebesgue density of p_g exists: its integral needs the atom's term f(0) / 2.
    """
    return 0.5 * float(f(np.array([0.0]))[0]) + integrate_density(f, normal_pdf, 0.0, math.inf)


class ReluGenerator(nn.Module):
    """A 1-D ReLU network G(z) = relu(w2 . relu(w1 z + b1) + b2): it sends whole intervals of z to one point.

    Every z whose output pre-activation is negative lands on 0, and every z where all hidden units are off
    lands on relu(b2): p_g = G_# p_z has atoms there.
    """

    def __init__(self, hidden: int = 8, seed: int = 0) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        self.w1 = nn.Parameter(torch.randn(hidden, generator=gen, dtype=torch.float64) * 2)
        self.b1 = nn.Parameter(torch.randn(hidden, generator=gen, dtype=torch.float64))
        self.w2 = nn.Parameter(torch.randn(hidden, generator=gen, dtype=torch.float64))
        self.b2 = nn.Parameter(torch.tensor(0.0, dtype=torch.float64))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = torch.as_tensor(z, dtype=torch.float64).reshape(-1, 1)
        return torch.relu(torch.relu(z * self.w1 + self.b1) @ self.w2 + self.b2)


def split_atoms(samples: np.ndarray, min_share: float = 1e-3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split samples of p_g into atoms and the rest: (atom values, atom masses, non-atom samples).

    An atom is a value that at least a share `min_share` of the samples take exactly (a continuous part
    repeats a float value with probability ~0). Masses are shares of all samples.
    """
    if not 0 < min_share < 1:
        raise ValueError(f"min_share must be in (0, 1), got {min_share}")
    samples = np.asarray(samples, dtype=np.float64).ravel()
    values, counts = np.unique(samples, return_counts=True)
    is_atom = counts >= max(2, min_share * len(samples))
    atoms = values[is_atom]
    rest = samples[~np.isin(samples, atoms)]
    return atoms, counts[is_atom] / len(samples), rest


def pushforward_expectation(f: Callable[[np.ndarray], np.ndarray], samples: np.ndarray, edges: np.ndarray,
                            min_share: float = 1e-3) -> dict[str, float]:
    """E_{x ~ p_g}[f(x)] from a push-forward estimated from samples: atoms plus a histogram density.

    p_g ~ sum_a m_a delta_a + h(x) dx, with h the histogram density of the non-atom samples on `edges`
    (scaled by their share); the integral of f against h uses bin midpoints. Returns the total, the atoms'
    term, the continuous term, and the atoms' total mass.
    """
    edges = np.asarray(edges, dtype=np.float64)
    if edges.ndim != 1 or len(edges) < 2 or not np.all(np.diff(edges) > 0):
        raise ValueError("edges must be a 1-D increasing array with at least two entries")
    samples = np.asarray(samples, dtype=np.float64).ravel()
    atoms, masses, rest = split_atoms(samples, min_share)
    counts, _ = np.histogram(rest, bins=edges)
    if counts.sum() < len(rest):
        raise ValueError("edges must cover every non-atom sample")
    mids = (edges[1:] + edges[:-1]) / 2
    continuous = float(np.sum(f(mids) * counts) / len(samples))
    atomic = float(np.sum(f(atoms) * masses)) if len(atoms) else 0.0
    return {"total": atomic + continuous, "atoms": atomic, "continuous": continuous,
            "atom_mass": float(masses.sum())}


# --- p_g on bins, for a 1-D generator ------------------------------------------------------------
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
    """JSD(p_data || p_g) by quadrature, for a 1-D generator with 1-D noise.

    Both distributions are measured on the bins `edges` (plus one bin for the rest of the line): p_data's
    masses exactly, from its CDF; p_g's as the push-forward of p_z, by the midpoint rule over n quantiles of
    p_z (the LOTUS identity P(G(z) in B) = E_z[1{G(z) in B}]), with no sampling noise. The JSD of the bin
    masses is a lower bound of the continuous one, and tightens as the bins shrink.
    """
    device = next(G.parameters()).device
    return jsd_to_samples(p_data, G(noise_quantiles(n, noise).to(device)), edges)


# --- The exact push-forward of a 1-D ReLU network with Gaussian noise ------------------------------------
class PiecewiseLinearPushforward:
    """p_g = G_# N(0, 1) for a piecewise-linear G: atoms plus a density that is a sum of affine images of phi.

    On each interval (lo, hi) of z where G(z) = a z + c with a != 0, the branch carries the density
    phi((x - c) / a) / |a| on the image of (lo, hi); where G is constant on an interval, its normal mass goes to
    an atom. `atoms` maps values to masses; `branches` lists (a, c, lo, hi).
    """

    def __init__(self, atoms: dict[float, float], branches: list[tuple[float, float, float, float]]) -> None:
        self.atoms = dict(atoms)
        self.branches = list(branches)

    @property
    def atom_mass(self) -> float:
        return float(sum(self.atoms.values()))

    def branch_mass(self) -> float:
        """Total mass of the density part, from the normal CDF of each branch's z-interval."""
        from scipy.stats import norm
        return float(sum(norm.cdf(hi) - norm.cdf(lo) for _, _, lo, hi in self.branches))

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """The density of the continuous part at x (the atoms are not in it)."""
        x = np.asarray(x, dtype=np.float64)
        out = np.zeros_like(x)
        for a, c, lo, hi in self.branches:
            z = (x - c) / a
            out += np.where((z > lo) & (z < hi), normal_pdf(z) / abs(a), 0.0)
        return out

    def cdf(self, x: float) -> float:
        """p_g((-inf, x]): atoms at values <= x plus, per branch, the normal mass of {z in (lo, hi): a z + c <= x}."""
        from scipy.stats import norm
        total = sum(m for v, m in self.atoms.items() if v <= x)
        for a, c, lo, hi in self.branches:
            r = (x - c) / a
            if a > 0:
                total += max(0.0, norm.cdf(min(hi, r)) - norm.cdf(lo))
            else:
                total += max(0.0, norm.cdf(hi) - norm.cdf(max(lo, r)))
        return float(total)

    def branch_images(self) -> list[tuple[float, float]]:
        """The x-interval (sorted) that each branch covers."""
        out = []
        for a, c, lo, hi in self.branches:
            ends = sorted([a * lo + c, a * hi + c])
            out.append((ends[0], ends[1]))
        return out

    def expectation(self, f: Callable[[np.ndarray], np.ndarray], include_atoms: bool = True) -> float:
        """E_{x ~ p_g}[f(x)] = sum_atoms m f(v) + sum_branches int f(x) phi((x - c)/a)/|a| dx (quad in x)."""
        total = sum(m * float(f(np.array([v]))[0]) for v, m in self.atoms.items()) if include_atoms else 0.0
        for (a, c, lo, hi), (x0, x1) in zip(self.branches, self.branch_images()):
            branch_pdf = lambda t, a=a, c=c: normal_pdf((np.asarray(t) - c) / a) / abs(a)
            total += integrate_density(f, branch_pdf, x0, x1)
        return float(total)


def relu_network_pushforward(G: ReluGenerator) -> PiecewiseLinearPushforward:
    """The exact push-forward of N(0, 1) by G(z) = relu(w2 . relu(w1 z + b1) + b2) (a ReluGenerator).

    The hidden units switch at z = -b1_j / w1_j; between switches the pre-activation h(z) = a z + c is affine,
    with a and c read off from the units that are on. Where h <= 0 (and where a = 0) the normal mass of z goes
    to an atom at relu(c); where h > 0 with a != 0 it is a branch of the density.
    """
    from scipy.stats import norm
    w1, b1, w2 = (t.detach().double().numpy() for t in (G.w1, G.b1, G.w2))
    b2 = float(G.b2.detach())
    on = w1 != 0
    cuts = np.unique(-b1[on] / w1[on])
    bounds = np.concatenate([[-np.inf], cuts, [np.inf]])
    atoms: dict[float, float] = {}
    branches: list[tuple[float, float, float, float]] = []

    def add_atom(value: float, lo: float, hi: float) -> None:
        mass = float(norm.cdf(hi) - norm.cdf(lo))
        if mass > 0:
            atoms[value] = atoms.get(value, 0.0) + mass

    for lo, hi in zip(bounds[:-1], bounds[1:]):
        mid = (lo + hi) / 2 if np.isfinite(lo) and np.isfinite(hi) else (hi - 1.0 if np.isfinite(hi) else lo + 1.0)
        active = (w1 * mid + b1) > 0
        a = float(np.sum(w2 * w1 * active))
        c = float(np.sum(w2 * b1 * active) + b2)
        if a == 0.0:
            add_atom(max(c, 0.0), lo, hi)
            continue
        r = -c / a  # h(z) > 0 for z > r if a > 0, for z < r if a < 0
        pos_lo, pos_hi = (max(lo, r), hi) if a > 0 else (lo, min(hi, r))
        neg_lo, neg_hi = (lo, min(hi, r)) if a > 0 else (max(lo, r), hi)
        if neg_lo < neg_hi:
            add_atom(0.0, neg_lo, neg_hi)
        if pos_lo < pos_hi:
            branches.append((a, c, float(pos_lo), float(pos_hi)))
    return PiecewiseLinearPushforward(atoms, branches)
