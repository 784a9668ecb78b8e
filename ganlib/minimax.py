"""Proposition 1 in practice: V(D, G) by Monte Carlo, and a discriminator trained towards D*_G.

The 1-D generator of the minimax chapter is affine, G(z) = mu + sigma z with z ~ N(0, 1), so p_g is the
Gaussian N(mu, sigma^2) and D*_G = p_data / (p_data + p_g) is known in closed form.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

from .losses import discriminator_loss, log_d, log_one_minus_d
from .models import MLP
from .toys import GaussianMixture


class AffineGenerator(nn.Module):
    """G(z) = mu + sigma z: with z ~ N(0, 1), p_g = N(mu, sigma^2)."""

    def __init__(self, mu: float, sigma: float) -> None:
        super().__init__()
        if not sigma > 0:
            raise ValueError(f"sigma must be > 0, got {sigma}")
        self.mu, self.sigma = float(mu), float(sigma)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.mu + self.sigma * z


def mean_and_se(values: torch.Tensor) -> tuple[float, float]:
    """Sample mean and its standard error std / sqrt(n) (ddof = 1)."""
    values = torch.as_tensor(values, dtype=torch.float64).flatten()
    if len(values) < 2:
        raise ValueError("values must hold at least two samples")
    return float(values.mean()), float(values.std() / math.sqrt(len(values)))


def value_function_mc(D: Callable[[torch.Tensor], torch.Tensor], x_real: torch.Tensor,
                      x_fake: torch.Tensor) -> tuple[float, float]:
    """Monte Carlo V(D, G) = E_{p_data}[log D(x)] + E_{p_z}[log(1 - D(G(z)))] (Eq. 1) and its standard error.

    D maps points to logits; x_real ~ p_data and x_fake = G(z), z ~ p_z, are independent samples.
    """
    with torch.no_grad():
        real = log_d(D(x_real)).double().flatten()
        fake = log_one_minus_d(D(x_fake)).double().flatten()
    m1, s1 = mean_and_se(real)
    m2, s2 = mean_and_se(fake)
    return m1 + m2, math.hypot(s1, s2)


def fit_discriminator(p_data: GaussianMixture, G: Callable[[torch.Tensor], torch.Tensor], steps: int,
                      batch_size: int = 512, lr: float = 3e-3, hidden: int = 32, seed: int = 0,
                      log_every: int = 50) -> tuple[nn.Module, dict[str, list[float]]]:
    """Train D (an MLP on logits) for fixed G by ascending V(D, G) (Algorithm 1's inner loop, with Adam).

    Every step draws fresh samples x ~ p_data and z ~ N(0, 1), so D ascends the population V rather than
    a fixed sample's; the learning rate decays linearly to zero over `steps`. Returns D and the minibatch
    estimates of V every `log_every` steps.
    """
    if steps < 1 or batch_size < 2:
        raise ValueError(f"steps must be >= 1 and batch_size >= 2, got {steps}, {batch_size}")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a net this small only loses time to thread synchronisation
    try:
        return _fit(p_data, G, steps, batch_size, lr, hidden, seed, log_every)
    finally:
        torch.set_num_threads(threads)


def _fit(p_data: GaussianMixture, G: Callable[[torch.Tensor], torch.Tensor], steps: int, batch_size: int,
         lr: float, hidden: int, seed: int, log_every: int) -> tuple[nn.Module, dict[str, list[float]]]:
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    D = MLP(p_data.dim, 1, hidden=hidden, layers=2, squeeze=True)
    opt = torch.optim.Adam(D.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1 - t / steps)
    history: dict[str, list[float]] = {"step": [], "V": []}
    for step in range(steps):
        x = p_data.sample(batch_size, generator=gen)
        z = torch.randn(batch_size, p_data.dim, generator=gen)
        loss = discriminator_loss(D(x), D(G(z)))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % log_every == 0 or step == steps - 1:
            history["step"].append(step + 1)
            history["V"].append(-float(loss.detach()))
    return D, history


@torch.no_grad()
def discriminator_on_grid(D: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """D(x) = sigmoid(logit) on a 1-D grid, in float64."""
    return torch.sigmoid(D(torch.as_tensor(x, dtype=torch.float32)[:, None])).double()


def sup_error(d: torch.Tensor, d_star: torch.Tensor, mask: torch.Tensor) -> float:
    """max |D(x) - D*_G(x)| over the grid points where mask holds (the high-density region)."""
    if not bool(mask.any()):
        raise ValueError("mask selects no point")
    return float((torch.as_tensor(d) - torch.as_tensor(d_star)).abs()[mask].max())
