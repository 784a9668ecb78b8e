"""The value function and the two players' losses, computed from D's logits.

D(x) = sigmoid(l). With softplus(t) = log(1 + e^t) every log of a sigmoid is exact and overflow-free:
log D(x) = -softplus(-l) and log(1 - D(x)) = -softplus(l).
"""
from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F

GeneratorLoss = Literal["saturating", "non_saturating"]
GENERATOR_LOSSES: tuple[str, ...] = ("saturating", "non_saturating")


def log_d(logits: torch.Tensor) -> torch.Tensor:
    """log D(x) from D's logit."""
    return -F.softplus(-logits)


def log_one_minus_d(logits: torch.Tensor) -> torch.Tensor:
    """log(1 - D(x)) from D's logit."""
    return -F.softplus(logits)


def value_function(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Minibatch estimate of V(D, G) = E_{p_data}[log D(x)] + E_{p_z}[log(1 - D(G(z)))] (Eq. 1)."""
    return log_d(real_logits).mean() + log_one_minus_d(fake_logits).mean()


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-V(D, G): D ascends V (Algorithm 1, discriminator update), so it descends this.

    Equals BCE(D(x), 1) + BCE(D(G(z)), 0); the authors' code halves it (TrainConfig.d_loss_scale).
    """
    return -value_function(real_logits, fake_logits)


def generator_loss(fake_logits: torch.Tensor, kind: GeneratorLoss = "non_saturating") -> torch.Tensor:
    """The loss G descends.

    saturating: E[log(1 - D(G(z)))], the minimax objective of Eq. 1 and Algorithm 1.
    non_saturating: -E[log D(G(z))], the heuristic of Section 3 (same fixed point, strong early gradients).
    """
    if kind == "saturating":
        return log_one_minus_d(fake_logits).mean()
    if kind == "non_saturating":
        return -log_d(fake_logits).mean()
    raise ValueError(f"generator_loss must be one of {GENERATOR_LOSSES}, got {kind!r}")
