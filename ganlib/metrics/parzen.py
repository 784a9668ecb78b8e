"""The Gaussian Parzen-window log-likelihood estimate of Table 1, with the authors' protocol (parzen_ll.py).

For a test point x and samples mu_1..mu_n of G:
    log p(x) = log mean_j exp(-||x - mu_j||^2 / (2 sigma^2)) - d log(sigma sqrt(2 pi)).
sigma is chosen from numpy.logspace(-1, 0, 10) by the mean log-likelihood of the validation images; the score
is the mean over the test images, with standard error std (ddof 0) / sqrt(N).

The squared distances of a chunk of test points to all samples come from one matrix product,
||x||^2 + ||mu||^2 - 2 x.mu, and every sigma of the grid is evaluated on that same matrix.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ganlib.core.estimates import mean_and_error

SIGMAS = tuple(float(s) for s in torch.logspace(-1, 0, 10, dtype=torch.float64))


def _check(samples: torch.Tensor, points: torch.Tensor, sigmas: tuple[float, ...]) -> None:
    if samples.ndim != 2 or points.ndim != 2 or samples.shape[1] != points.shape[1]:
        raise ValueError(f"samples and points must be (n, d) and (m, d), got {tuple(samples.shape)} "
                         f"and {tuple(points.shape)}")
    if len(samples) == 0 or len(points) == 0:
        raise ValueError("samples and points must not be empty")
    if not sigmas or any(not s > 0 for s in sigmas):
        raise ValueError(f"sigmas must be positive, got {sigmas}")


@torch.no_grad()
def parzen_log_likelihoods(samples: torch.Tensor, points: torch.Tensor, sigmas: tuple[float, ...] = SIGMAS,
                           chunk: int = 1000) -> torch.Tensor:
    """log p(x) for every point and every sigma: a (len(sigmas), m) tensor, in the samples' dtype."""
    _check(samples, points, sigmas)
    points = points.to(samples)
    n, d = samples.shape
    sample_sq = (samples * samples).sum(1)
    sig = torch.tensor(sigmas, dtype=samples.dtype, device=samples.device)
    log_norm = math.log(n) + d * torch.log(sig * math.sqrt(2 * math.pi))
    out = []
    for start in range(0, len(points), chunk):
        x = points[start:start + chunk]
        sq = ((x * x).sum(1, keepdim=True) + sample_sq - 2 * x @ samples.T).clamp_min_(0)  # (c, n)
        scaled = sq[None] / (-2 * sig**2)[:, None, None]  # (S, c, n)
        out.append(torch.logsumexp(scaled, dim=2) - log_norm[:, None])
    return torch.cat(out, dim=1)


@dataclass
class ParzenResult:
    """The estimate as Table 1 reports it, plus the sigma search that produced it."""

    sigma: float
    mean: float
    stderr: float
    validation: dict[float, float]  # sigma -> mean validation log-likelihood

    def as_dict(self) -> dict:
        return {"sigma": self.sigma, "log_likelihood": self.mean, "stderr": self.stderr,
                "validation": {f"{s:.6g}": v for s, v in self.validation.items()}}


def choose_sigma(samples: torch.Tensor, valid: torch.Tensor, sigmas: tuple[float, ...] = SIGMAS,
                 chunk: int = 1000) -> tuple[float, dict[float, float]]:
    """The sigma of the grid with the highest mean validation log-likelihood."""
    means = parzen_log_likelihoods(samples, valid, sigmas, chunk).mean(1)
    table = {s: float(m) for s, m in zip(sigmas, means)}
    return max(table, key=table.get), table


def parzen_estimate(samples: torch.Tensor, valid: torch.Tensor, test: torch.Tensor,
                    sigmas: tuple[float, ...] = SIGMAS, chunk: int = 1000) -> ParzenResult:
    """Choose sigma on `valid`, then score `test`: mean log-likelihood and std (ddof 0) / sqrt(N)."""
    sigma, table = choose_sigma(samples, valid, sigmas, chunk)
    ll = parzen_log_likelihoods(samples, test, (sigma,), chunk)[0].double()
    return ParzenResult(sigma, *mean_and_error(ll, ddof=0), table)
