"""The prior p_z. The authors' MNIST run used 100-d noise uniform on [-sqrt 3, sqrt 3] (unit variance)."""
from __future__ import annotations

import math
from typing import Literal

import torch

NoiseKind = Literal["uniform", "gaussian"]
NOISE_KINDS: tuple[str, ...] = ("uniform", "gaussian")


def sample_noise(n: int, dim: int, kind: NoiseKind = "uniform",
                 device: torch.device | str | None = None) -> torch.Tensor:
    """n draws from p_z: uniform on [-sqrt 3, sqrt 3]^dim, or standard normal; both have unit variance."""
    if kind == "uniform":
        return (torch.rand(n, dim, device=device) * 2 - 1) * math.sqrt(3.0)
    if kind == "gaussian":
        return torch.randn(n, dim, device=device)
    raise ValueError(f"noise must be one of {NOISE_KINDS}, got {kind!r}")


def noise_quantiles(n: int, kind: NoiseKind = "uniform", dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The midpoints (i + 1/2)/n, i < n, of p_z's probability scale mapped to z in 1-D: a deterministic (n, 1)
    grid whose every point carries mass 1/n, so averages over it are midpoint-rule integrals against p_z.

    Computed in float64 and returned in `dtype`."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    u = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    if kind == "uniform":
        z = (2 * u - 1) * math.sqrt(3.0)
    elif kind == "gaussian":
        z = math.sqrt(2.0) * torch.erfinv(2 * u - 1)
    else:
        raise ValueError(f"noise must be one of {NOISE_KINDS}, got {kind!r}")
    return z.to(dtype).reshape(n, 1)
