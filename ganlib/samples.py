"""Drawing from G, and the paper's Figures 2 and 3: nearest training images and linear paths in z."""
from __future__ import annotations

import torch
from torch import nn

from .noise import sample_noise


@torch.no_grad()
def generate(G: nn.Module, n: int, noise_dim: int, noise: str = "uniform", batch_size: int = 5000) -> torch.Tensor:
    """n samples of G in eval mode (the sigmoid means, as parzen_ll.py used them), fresh noise."""
    device = next(G.parameters()).device
    was_training = G.training
    G.eval()
    out = torch.cat([G(sample_noise(min(batch_size, n - i), noise_dim, noise, device))
                     for i in range(0, n, batch_size)])
    G.train(was_training)
    return out


@torch.no_grad()
def nearest_neighbours(queries: torch.Tensor, pool: torch.Tensor, chunk: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """For each query, the index in `pool` of its nearest image by squared Euclidean distance in pixels
    (Figure 2's rightmost column), and that squared distance."""
    if queries.ndim != 2 or pool.ndim != 2 or queries.shape[1] != pool.shape[1]:
        raise ValueError(f"queries and pool must be (m, d) and (n, d), got {tuple(queries.shape)}, {tuple(pool.shape)}")
    pool_sq = (pool * pool).sum(1)
    best_d, best_i = [], []
    for start in range(0, len(queries), chunk):
        q = queries[start:start + chunk].to(pool)
        sq = ((q * q).sum(1, keepdim=True) + pool_sq - 2 * q @ pool.T).clamp_min_(0)
        d, i = sq.min(1)
        best_d.append(d)
        best_i.append(i)
    return torch.cat(best_i), torch.cat(best_d)


def interpolate(z0: torch.Tensor, z1: torch.Tensor, steps: int) -> torch.Tensor:
    """`steps` points on the straight line from z0 to z1 in noise space, endpoints included (Figure 3)."""
    if steps < 2:
        raise ValueError(f"steps must be >= 2, got {steps}")
    t = torch.linspace(0, 1, steps, device=z0.device, dtype=z0.dtype)[:, None]
    return (1 - t) * z0[None] + t * z1[None]
