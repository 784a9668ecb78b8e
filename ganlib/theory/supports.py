"""Disjoint supports (Arjovsky & Bottou, 2017, Section 2): data on a low-dimensional set, a discriminator
trained alone until it separates p_data from p_g, and what is left of G's gradient; and how low-dimensional
real data is (principal components).
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ganlib.core.losses import GENERATOR_LOSSES
from ganlib.theory.optimal_d import train_discriminator
from ganlib.theory.saturation import generator_grad_norm


def segment_2d(n: int, start: tuple[float, float], end: tuple[float, float],
               generator: torch.Generator | None = None) -> torch.Tensor:
    """n points uniform on the segment [start, end] of the plane: a 1-D support in 2-D, shape (n, 2)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n!r}")
    t = torch.rand(n, 1, generator=generator)
    a, b = torch.tensor(start, dtype=torch.float32), torch.tensor(end, dtype=torch.float32)
    return a + t * (b - a)


class SegmentGenerator(nn.Module):
    """G(z) = a + z (b - a) for 1-D z: a generator whose samples lie on a segment (a learnable a, b)."""

    def __init__(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        super().__init__()
        self.start = nn.Parameter(torch.tensor(start, dtype=torch.float32))
        self.end = nn.Parameter(torch.tensor(end, dtype=torch.float32))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.start + z * (self.end - self.start)


def discriminator_alone(G: nn.Module, D: nn.Module, sample_data: Callable[[int], torch.Tensor],
                        sample_z: Callable[[int], torch.Tensor], steps: int, record_at: list[int],
                        lr: float = 1e-3, batch_size: int = 256, instance_noise: float = 0.0,
                        eval_batch: int = 2048) -> dict[str, list[float]]:
    """Train D alone (G fixed) with Adam on -V(D, G) for `steps` steps, towards D*_G (Arjovsky & Bottou, 2017).

    At each step count in `record_at` (0 = untrained D) it records G's gradient norm for both losses on a
    fixed batch of eval_batch noise draws, D's mean output on real and fake samples, and D's accuracy.
    With instance_noise > 0, Gaussian noise of that std is added to real and fake samples before D, both in
    D's training and in G's measured gradient (Sønderby et al., 2017).
    """
    if steps < 0 or any(not 0 <= s <= steps for s in record_at):
        raise ValueError(f"record_at must lie in [0, steps={steps}], got {record_at!r}")
    opt = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    z_eval, x_eval = sample_z(eval_batch), sample_data(eval_batch)
    out: dict[str, list[float]] = {k: [] for k in ("step", "saturating", "non_saturating", "d_real", "d_fake",
                                                   "accuracy")}
    noisy = (lambda x: x + instance_noise * torch.randn_like(x)) if instance_noise > 0 else (lambda x: x)
    record = set(record_at)

    def measure(step: int) -> None:
        with torch.random.fork_rng(devices=[]):  # the same instance noise at every record
            torch.manual_seed(1)
            for kind in GENERATOR_LOSSES:
                out[kind].append(generator_grad_norm(G, D, z_eval, kind, instance_noise))
        with torch.no_grad():
            real = torch.sigmoid(D(noisy(x_eval)))
            fake = torch.sigmoid(D(noisy(G(z_eval))))
        out["step"].append(step)
        out["d_real"].append(float(real.mean()))
        out["d_fake"].append(float(fake.mean()))
        out["accuracy"].append(float(((real > 0.5).float().mean() + (fake < 0.5).float().mean()) / 2))

    def batches() -> tuple[torch.Tensor, torch.Tensor]:
        with torch.no_grad():
            fake = G(sample_z(batch_size))
        real = noisy(sample_data(batch_size))
        return real, noisy(fake)

    if 0 in record:
        measure(0)
    train_discriminator(D, batches, steps, opt, after_step=lambda step, _: measure(step) if step in record else None)
    return out


def components_for_variance(data: torch.Tensor, fractions: tuple[float, ...] = (0.9, 0.95, 0.99)) -> dict[float, int]:
    """The smallest number of principal components that hold each fraction of the total variance of `data` (N, d)."""
    if data.ndim != 2:
        raise ValueError(f"data must have shape (N, d), got {tuple(data.shape)}")
    if any(not 0 < f <= 1 for f in fractions):
        raise ValueError(f"fractions must lie in (0, 1], got {fractions!r}")
    x = torch.as_tensor(data, dtype=torch.float64)
    x = x - x.mean(0)
    eig = torch.linalg.eigvalsh(x.T @ x / (len(x) - 1)).flip(0).clamp_min(0)
    share = eig.cumsum(0) / eig.sum()
    return {f: int(torch.searchsorted(share, torch.tensor(f, dtype=torch.float64) - 1e-12)) + 1 for f in fractions}
