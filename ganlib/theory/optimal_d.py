"""Proposition 1: the optimal discriminator D*_G = p_data / (p_data + p_g), in closed form and as the limit of
training D alone (Algorithm 1's inner loop with G fixed); V(D, G) by Monte Carlo (Eq. 1).

The 1-D generator of the minimax chapter is affine, G(z) = mu + sigma z with z ~ N(0, 1), so p_g is the
Gaussian N(mu, sigma^2) and D*_G is known in closed form. `train_discriminator` is the one loop that trains a
discriminator alone; `fit_discriminator` (here) and `theory.supports.discriminator_alone` (disjoint supports) use it.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ganlib.core.estimates import mean_and_error
from ganlib.core.losses import discriminator_loss, log_d, log_one_minus_d
from ganlib.core.nets import MLP
from ganlib.data.toys import GaussianMixture


class AffineGenerator(nn.Module):
    """G(z) = mu + sigma z: with z ~ N(0, 1), p_g = N(mu, sigma^2)."""

    def __init__(self, mu: float, sigma: float) -> None:
        super().__init__()
        if not sigma > 0:
            raise ValueError(f"sigma must be > 0, got {sigma}")
        self.mu, self.sigma = float(mu), float(sigma)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.mu + self.sigma * z


def optimal_discriminator(p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    """D*_G(x) = p_data(x) / (p_data(x) + p_g(x)) (Proposition 1).

    Where both densities vanish D* is not determined; 1/2 is returned there.
    """
    p_data, p_g = torch.as_tensor(p_data, dtype=torch.float64), torch.as_tensor(p_g, dtype=torch.float64)
    total = p_data + p_g
    return torch.where(total > 0, p_data / torch.where(total > 0, total, 1.0), torch.full_like(total, 0.5))


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


def value_function_mc(D: Callable[[torch.Tensor], torch.Tensor], x_real: torch.Tensor,
                      x_fake: torch.Tensor) -> tuple[float, float]:
    """Monte Carlo V(D, G) = E_{p_data}[log D(x)] + E_{p_z}[log(1 - D(G(z)))] (Eq. 1) and its standard error.

    D maps points to logits; x_real ~ p_data and x_fake = G(z), z ~ p_z, are independent samples.
    """
    with torch.no_grad():
        real = log_d(D(x_real)).double().flatten()
        fake = log_one_minus_d(D(x_fake)).double().flatten()
    m1, s1 = mean_and_error(real, ddof=1)
    m2, s2 = mean_and_error(fake, ddof=1)
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


def train_discriminator(D: nn.Module, batches: Callable[[], tuple[torch.Tensor, torch.Tensor]], steps: int,
                        opt: torch.optim.Optimizer, scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
                        after_step: Callable[[int, torch.Tensor], None] | None = None) -> None:
    """Algorithm 1's inner loop on its own: `steps` updates of D ascending V(D, G) with G fixed.

    `batches()` returns a fresh (real, fake) pair of minibatches for each step (fake = G(z), no gradient to
    G needed); after each update `after_step(step, loss)` is called with step = 1, 2, ... and D's loss -V.
    """
    for step in range(1, steps + 1):
        real, fake = batches()
        loss = discriminator_loss(D(real), D(fake))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if scheduler is not None:
            scheduler.step()
        if after_step is not None:
            after_step(step, loss)


def _fit(p_data: GaussianMixture, G: Callable[[torch.Tensor], torch.Tensor], steps: int, batch_size: int,
         lr: float, hidden: int, seed: int, log_every: int) -> tuple[nn.Module, dict[str, list[float]]]:
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    D = MLP(p_data.dim, 1, hidden=hidden, layers=2, squeeze=True)
    opt = torch.optim.Adam(D.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1 - t / steps)
    history: dict[str, list[float]] = {"step": [], "V": []}

    def batches() -> tuple[torch.Tensor, torch.Tensor]:
        x = p_data.sample(batch_size, generator=gen)
        return x, G(torch.randn(batch_size, p_data.dim, generator=gen))

    def log(step: int, loss: torch.Tensor) -> None:
        if (step - 1) % log_every == 0 or step == steps:
            history["step"].append(step)
            history["V"].append(-float(loss.detach()))

    train_discriminator(D, batches, steps, opt, sched, log)
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


def perturbed_discriminators(d: torch.Tensor, x: torch.Tensor, n: int, scale: float, seed: int,
                             bumps: int = 4, centres_in: tuple[float, float] | None = None) -> torch.Tensor:
    """n random perturbations of a discriminator given on a 1-D grid x: rows sigmoid(logit d(x) + s_k(x)).

    Each s_k is a sum of `bumps` Gaussian bumps, with centres uniform on centres_in (default: the grid), widths 10^U[-1, 0.5]
    and heights N(0, scale^2); everything is drawn from one torch Generator seeded with `seed`. Where d is 0
    or 1 the row stays 0 or 1. Returns an (n, len(x)) float64 tensor with values in [0, 1].
    """
    if n < 1 or bumps < 1 or not scale > 0:
        raise ValueError(f"n and bumps must be >= 1 and scale > 0, got {n}, {bumps}, {scale}")
    x = torch.as_tensor(x, dtype=torch.float64)
    d = torch.as_tensor(d, dtype=torch.float64)
    if d.shape != x.shape or (d < 0).any() or (d > 1).any():
        raise ValueError("d must hold values in [0, 1] on the grid x")
    gen = torch.Generator().manual_seed(seed)
    lo, hi = (float(x[0]), float(x[-1])) if centres_in is None else centres_in
    if not lo < hi:
        raise ValueError(f"centres_in must be an interval, got {centres_in}")
    centres = lo + (hi - lo) * torch.rand(n, bumps, 1, generator=gen, dtype=torch.float64)
    widths = 10 ** (1.5 * torch.rand(n, bumps, 1, generator=gen, dtype=torch.float64) - 1)
    heights = scale * torch.randn(n, bumps, 1, generator=gen, dtype=torch.float64)
    shift = (heights * torch.exp(-0.5 * ((x - centres) / widths) ** 2)).sum(1)
    logit = torch.log(d) - torch.log1p(-d)
    return torch.sigmoid(logit + shift)


def perturbed_logits(logit: torch.Tensor, x: torch.Tensor, n: int, scale: float, seed: int, bumps: int = 4,
                     box: tuple[float, float] | None = None) -> torch.Tensor:
    """n random perturbations of a discriminator's logit at points x of shape (N, k): rows logit(x) + s_j(x).

    The logit-space analogue of `perturbed_discriminators` for any dimension k. Each s_j is a sum of `bumps`
    isotropic Gaussian bumps, centres uniform on the cube box^k (default: the range of x), widths 10^U[-1, 0.5]
    and heights N(0, scale^2), all drawn from one torch Generator seeded with `seed`. Returns (n, N) float64.
    """
    if n < 1 or bumps < 1 or not scale > 0:
        raise ValueError(f"n and bumps must be >= 1 and scale > 0, got {n}, {bumps}, {scale}")
    x = torch.as_tensor(x, dtype=torch.float64)
    logit = torch.as_tensor(logit, dtype=torch.float64)
    if x.ndim != 2 or logit.shape != x.shape[:1] or not torch.isfinite(logit).all():
        raise ValueError("x must have shape (N, k) and logit shape (N,), finite")
    lo, hi = (float(x.min()), float(x.max())) if box is None else box
    if not lo < hi:
        raise ValueError(f"box must be an interval, got {box}")
    gen = torch.Generator().manual_seed(seed)
    centres = lo + (hi - lo) * torch.rand(n, bumps, x.shape[1], generator=gen, dtype=torch.float64)
    widths = 10 ** (1.5 * torch.rand(n, bumps, generator=gen, dtype=torch.float64) - 1)
    heights = scale * torch.randn(n, bumps, generator=gen, dtype=torch.float64)
    out = logit.repeat(n, 1)
    for b in range(bumps):  # one bump at a time keeps memory at O(n N)
        sq = torch.cdist(centres[:, b], x) ** 2
        out += heights[:, b, None] * torch.exp(-0.5 * sq / widths[:, b, None] ** 2)
    return out


def value_of_logits(logit: torch.Tensor, p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    """V(D, G) = sum p_data log D + p_g log(1 - D) with D = sigmoid(logit), on masses; last axis summed.

    Works in log space (log sigmoid), so it stays finite where D rounds to 0 or 1 in float64.
    """
    logit = torch.as_tensor(logit, dtype=torch.float64)
    return (p_data * F.logsigmoid(logit) + p_g * F.logsigmoid(-logit)).sum(-1)


def value_rounding_bound(p_data: torch.Tensor, p_g: torch.Tensor, logit: torch.Tensor) -> float:
    """A rounding bound on value_of_logits: N eps times the sum of the absolute terms (a float64 summation bound)."""
    logit = torch.as_tensor(logit, dtype=torch.float64)
    terms = (p_data * F.logsigmoid(logit)).abs() + (p_g * F.logsigmoid(-logit)).abs()
    return float(len(logit) * torch.finfo(torch.float64).eps * terms.sum())
