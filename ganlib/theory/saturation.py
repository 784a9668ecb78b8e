"""Why the minimax generator loss saturates (paper, Section 3), and what happens when supports are disjoint.

- The two generator losses as functions of D's logit l, D = sigmoid(l): log(1 - D) (saturating, Eq. 1) and
  -log D (non-saturating, Section 3), and their derivatives in closed form.
- Generator gradient norms measured on real networks: during training, and while D alone is trained towards
  optimality with G fixed (Arjovsky & Bottou, 2017, Section 2), optionally with instance noise.
- With D = D*_G, which divergence each generator loss descends (Arjovsky & Bottou, 2017, Theorem 2.5):
  saturating -> 2 JSD(p_g || p_data), non-saturating -> KL(p_g || p_data) - 2 JSD(p_g || p_data),
  computed by quadrature on a one-dimensional Gaussian family.
Disjoint supports (D trained alone until G's gradient vanishes) are in theory.supports.
"""
from __future__ import annotations

import contextlib
import math
from typing import Callable

import torch
from torch import nn

from ganlib.core.losses import GENERATOR_LOSSES, generator_loss
from ganlib.core.sampling import eval_mode
from ganlib.data.toys import GaussianMixture
from ganlib.theory.divergences import log_density_divergences


# --- Section 3 in closed form ---------------------------------------------------------------------
def saturating_logit_grad(logits: torch.Tensor) -> torch.Tensor:
    """d/dl log(1 - sigmoid(l)) = -sigmoid(l): vanishes when D(G(z)) -> 0, i.e. when D rejects G's samples."""
    return -torch.sigmoid(torch.as_tensor(logits))


def non_saturating_logit_grad(logits: torch.Tensor) -> torch.Tensor:
    """d/dl [-log sigmoid(l)] = -(1 - sigmoid(l)): largest (-1) when D(G(z)) -> 0, vanishes only when D -> 1."""
    return -torch.sigmoid(-torch.as_tensor(logits))


def logit_grad(logits: torch.Tensor, kind: str) -> torch.Tensor:
    """The derivative of the generator loss `kind` (losses.generator_loss) with respect to D's logit."""
    if kind == "saturating":
        return saturating_logit_grad(logits)
    if kind == "non_saturating":
        return non_saturating_logit_grad(logits)
    raise ValueError(f"kind must be one of {GENERATOR_LOSSES}, got {kind!r}")


# --- gradient norms on networks -------------------------------------------------------------------
def _norm(grads: tuple[torch.Tensor, ...]) -> float:
    return float(torch.sqrt(sum((g.detach().double() ** 2).sum() for g in grads)))


def generator_grad_norm(G: nn.Module, D: nn.Module, z: torch.Tensor, kind: str = "saturating",
                        instance_noise: float = 0.0, eval_d: bool = True) -> float:
    """||grad_theta_G loss_G|| on the noise batch z: the size of the signal G receives (Section 3).

    loss_G is the mean over z of log(1 - D(G(z))) (saturating) or -log D(G(z)) (non-saturating). With
    eval_d, D's dropout is switched off while measuring, so the number is deterministic given z. No .grad
    field is touched.
    """
    if kind not in GENERATOR_LOSSES:
        raise ValueError(f"kind must be one of {GENERATOR_LOSSES}, got {kind!r}")
    if instance_noise < 0:
        raise ValueError(f"instance_noise must be >= 0, got {instance_noise!r}")
    with eval_mode(D) if eval_d else contextlib.nullcontext():
        x = G(z)
        if instance_noise > 0:
            x = x + instance_noise * torch.randn_like(x)
        loss = generator_loss(D(x), kind)
        params = [p for p in G.parameters() if p.requires_grad]
        return _norm(torch.autograd.grad(loss, params))


def training_grad_norms(trainer, steps: int, z: torch.Tensor) -> list[float]:
    """Run `steps` iterations of a ganlib Trainer, measuring G's gradient norm of its own loss
    (trainer.config.generator_loss) on the fixed noise batch z before each iteration and after the last.

    Returns steps + 1 numbers; the trainer's history is flushed at the end (so divergence still raises).
    """
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps!r}")
    kind = trainer.config.generator_loss
    norms = [generator_grad_norm(trainer.G, trainer.D, z, kind)]
    for _ in range(steps):
        trainer.step()
        norms.append(generator_grad_norm(trainer.G, trainer.D, z, kind))
    trainer.flush()
    return norms


def track(trainer, stops: list[int], z: torch.Tensor,
          measure: Callable[[nn.Module], dict[str, float]] | None = None) -> list[dict[str, float]]:
    """Train to each iteration in `stops`; at the trainer's current iteration and at each stop record G's gradient norm of its own
    loss on the noise batch z (generator_grad_norm), D's mean output on G(z) with dropout off, and the
    entries of measure(G) (for example a sample-quality score). One row per record, "iteration" first.
    """
    if list(stops) != sorted(set(stops)) or not stops or stops[0] < 1:
        raise ValueError(f"stops must be increasing iterations >= 1, got {stops!r}")
    kind = trainer.config.generator_loss
    rows = []
    for stop in [0, *stops]:
        if stop > 0:
            trainer.run(until=stop, progress=False)
        G, D = trainer.G, trainer.D
        with torch.no_grad(), eval_mode(G, D):
            d_fake = float(torch.sigmoid(D(G(z))).mean())
        row = {"iteration": trainer.iteration, "G gradient norm": generator_grad_norm(G, D, z, kind), "D(G(z))": d_fake}
        rows.append(row | (measure(G) if measure is not None else {}))
    return rows


# --- what each generator loss minimises when D = D*_G (Arjovsky & Bottou, 2017, Thm 2.5) -----------
def _gaussian_log_pdf(x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    return -0.5 * ((x - mean) / std) ** 2 - torch.log(std) - 0.5 * math.log(2 * math.pi)


def _family_setup(p_data: GaussianMixture, std: float, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, float]:
    if std <= 0:
        raise ValueError(f"std must be positive, got {std!r}")
    if p_data.dim != 1:
        raise ValueError("p_data must be one-dimensional")
    x = torch.as_tensor(x, dtype=torch.float64)
    if x.ndim != 1 or len(x) < 3:
        raise ValueError("x must be a uniform 1-D grid of at least 3 points")
    return x, p_data.log_prob(x), float(x[1] - x[0])


def gaussian_family_divergences(p_data: GaussianMixture, mean: float, std: float,
                                x: torch.Tensor) -> dict[str, float]:
    """JSD(p_data || p_g), KL(p_g || p_data) and the non-saturating criterion KL(p_g || p_data) - 2 JSD
    for p_g = N(mean, std^2), by the rectangle rule on the uniform grid x (float64)."""
    x, log_p, dx = _family_setup(p_data, std, x)
    log_q = _gaussian_log_pdf(x, torch.tensor(mean, dtype=torch.float64), torch.tensor(std, dtype=torch.float64))
    kl, jsd = (float(v) for v in log_density_divergences(log_p, log_q, dx))
    return {"jsd": jsd, "kl_g_data": kl, "non_saturating": kl - 2 * jsd}


def gaussian_family_surfaces(p_data: GaussianMixture, means: torch.Tensor, stds: torch.Tensor,
                             x: torch.Tensor) -> dict[str, torch.Tensor]:
    """gaussian_family_divergences on every (mean, std) of a grid, vectorised over stds: tensors (M, S)."""
    stds = torch.as_tensor(stds, dtype=torch.float64)
    if (stds <= 0).any():
        raise ValueError("stds must be positive")
    x, log_p, dx = _family_setup(p_data, 1.0, x)
    out = {k: torch.empty(len(means), len(stds), dtype=torch.float64) for k in ("jsd", "kl_g_data", "non_saturating")}
    for i, mean in enumerate(torch.as_tensor(means, dtype=torch.float64)):
        log_q = _gaussian_log_pdf(x, mean, stds[:, None])  # (S, n)
        kl, jsd = log_density_divergences(log_p, log_q, dx)
        out["jsd"][i], out["kl_g_data"][i], out["non_saturating"][i] = jsd, kl, kl - 2 * jsd
    return out


def fixed_discriminator_gradients(p_data: GaussianMixture, mean: float, std: float,
                                  x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Gradients with respect to theta = (mean, std) of p_g = N(mean, std^2), by quadrature on the grid x.

    - "saturating": grad E_{p_g_theta}[log(1 - D*(x))] with D* = D*_G frozen at the current theta;
    - "two_jsd": grad 2 JSD(p_data || p_g_theta) (what the minimax loss descends, Theorem 1);
    - "non_saturating": grad E_{p_g_theta}[-log D*(x)] with D* frozen;
    - "kl_minus_two_jsd": grad [KL(p_g_theta || p_data) - 2 JSD(p_data || p_g_theta)].
    Arjovsky & Bottou (2017, Thm 2.5) show the first two agree, and so do the last two.
    """
    x, log_p, dx = _family_setup(p_data, std, x)
    grads = {}
    for name in ("saturating", "two_jsd", "non_saturating", "kl_minus_two_jsd"):
        theta = torch.tensor([mean, std], dtype=torch.float64, requires_grad=True)
        log_q = _gaussian_log_pdf(x, theta[0], theta[1])
        q = log_q.exp()
        with torch.no_grad():  # D*_G at the current theta, then held fixed
            log_d_star = log_p - torch.logaddexp(log_p, log_q)
            log_one_minus_d_star = log_q - torch.logaddexp(log_p, log_q)
        if name == "saturating":
            objective = (q * log_one_minus_d_star).sum() * dx
        elif name == "non_saturating":
            objective = -(q * log_d_star).sum() * dx
        else:
            kl, jsd = log_density_divergences(log_p, log_q, dx)
            objective = 2 * jsd if name == "two_jsd" else kl - 2 * jsd
        grads[name] = torch.autograd.grad(objective, theta)[0]
    return grads
