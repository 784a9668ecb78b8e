"""Drawing from G: samples in eval mode (the sigmoid means, as the authors' parzen_ll.py used them), linear
paths in z (Figure 3), and the one context manager that switches networks to eval mode and back."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn

from ganlib.core.noise import sample_noise


@contextlib.contextmanager
def eval_mode(*nets: nn.Module) -> Iterator[None]:
    """Switch `nets` to eval mode (no dropout) for the block, then restore each one's own mode."""
    modes = [net.training for net in nets]
    for net in nets:
        net.eval()
    try:
        yield
    finally:
        for net, mode in zip(nets, modes):
            net.train(mode)


@torch.no_grad()
def generate(G: nn.Module, n: int, noise_dim: int, noise: str = "uniform",
             batch_size: int | None = 5000) -> torch.Tensor:
    """n samples of G in eval mode from fresh noise, drawn `batch_size` at a time (None: in one draw)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    device = next(G.parameters()).device
    step = n if batch_size is None else batch_size
    with eval_mode(G):
        return torch.cat([G(sample_noise(min(step, n - i), noise_dim, noise, device)) for i in range(0, n, step)])


def interpolate(z0: torch.Tensor, z1: torch.Tensor, steps: int) -> torch.Tensor:
    """`steps` points on the straight line from z0 to z1 in noise space, endpoints included (Figure 3)."""
    if steps < 2:
        raise ValueError(f"steps must be >= 2, got {steps}")
    t = torch.linspace(0, 1, steps, device=z0.device, dtype=z0.dtype)[:, None]
    return (1 - t) * z0[None] + t * z1[None]
