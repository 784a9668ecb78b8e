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
