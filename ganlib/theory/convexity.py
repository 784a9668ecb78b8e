"""Proposition 2 as a computation: gradient descent on a non-parametric p_g, with D kept at D*_G.

p_g is a distribution on the points of a grid, p_g = softmax(logits). C(G) = sup_D V(D, G) and, by the
envelope argument of the paper's proof (the sup of convex functions; the gradient of the sup is the gradient
of V at the maximiser), its gradient is the gradient of V(D, G) in p_g with D frozen at D*_G:
dC/dp_g(x) = log(1 - D*_G(x)). The descent therefore recomputes D*_G at every step and differentiates V only.
"""
from __future__ import annotations

import math

import torch

from ganlib.theory.divergences import _masses, js_divergence, virtual_training_criterion
from ganlib.theory.optimal_d import optimal_discriminator


def value_on_masses(d: torch.Tensor, p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    """V(D, G) = sum_x p_data(x) log D(x) + p_g(x) log(1 - D(x)) on a discrete space (Eq. 1), differentiable."""
    return (torch.special.xlogy(p_data, d) + torch.special.xlogy(p_g, 1 - d)).sum()


def criterion_of_logits(logits: torch.Tensor, p_data: torch.Tensor) -> torch.Tensor:
    """C(G) of p_g = softmax(logits) with D*_G inside the graph (the full derivative, for comparison)."""
    q = torch.softmax(logits, 0)
    total = p_data + q
    return (torch.special.xlogy(p_data, p_data / total) + torch.special.xlogy(q, q / total)).sum()


def envelope_gradient(logits: torch.Tensor, p_data: torch.Tensor) -> torch.Tensor:
    """d C(G) / d logits computed as d V(D, G) / d logits with D = D*_G held fixed (envelope theorem)."""
    logits = logits.detach().clone().requires_grad_(True)
    q = torch.softmax(logits, 0)
    with torch.no_grad():
        d_star = optimal_discriminator(p_data, q)
    value = value_on_masses(d_star, p_data, q)
    (grad,) = torch.autograd.grad(value, logits)
    return grad


def functional_gradient_descent(p_data: torch.Tensor, logits: torch.Tensor, steps: int, lr: float,
                                record_every: int = 1) -> dict[str, object]:
    """Descend C(G) in the logits of p_g by plain gradient steps, D recomputed optimally at every step.

    p_data: masses on the grid (normalised here). Returns the final p_g, and C(G) and JSD(p_data || p_g)
    every `record_every` steps (step 0 included).
    """
    if steps < 1 or not lr > 0 or not math.isfinite(lr):
        raise ValueError(f"steps must be >= 1 and lr a positive finite number, got {steps}, {lr}")
    p = _masses(p_data, "p_data")
    logits = torch.as_tensor(logits, dtype=torch.float64).clone()
    if logits.shape != p.shape:
        raise ValueError(f"logits must have the shape of p_data {tuple(p.shape)}, got {tuple(logits.shape)}")
    history: dict[str, list[float]] = {"step": [], "C": [], "jsd": []}

    def record(t: int) -> None:
        q = torch.softmax(logits, 0)
        history["step"].append(t)
        history["C"].append(virtual_training_criterion(p, q))
        history["jsd"].append(js_divergence(p, q))

    record(0)
    for t in range(1, steps + 1):
        logits -= lr * envelope_gradient(logits, p)
        if t % record_every == 0 or t == steps:
            record(t)
    return {"p_g": torch.softmax(logits, 0), **history}


def midpoint_convexity_gap(p_data: torch.Tensor, q0: torch.Tensor, q1: torch.Tensor, lam: float = 0.5) -> float:
    """(1 - lam) C(q0) + lam C(q1) - C((1 - lam) q0 + lam q1): >= 0 since C is convex in p_g (Proposition 2)."""
    if not 0 <= lam <= 1:
        raise ValueError(f"lam must be in [0, 1], got {lam}")
    p, a, b = _masses(p_data, "p_data"), _masses(q0, "q0"), _masses(q1, "q1")
    mix = (1 - lam) * a + lam * b
    return (1 - lam) * virtual_training_criterion(p, a) + lam * virtual_training_criterion(p, b) \
        - virtual_training_criterion(p, mix)


# --- Mirror descent on the simplex: the algorithm that Proposition 2's proof is about -----------------------
def criterion_gradient(p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    """dC/dp_g(x) = log(1 - D*_G(x)) = log(p_g(x) / (p_data(x) + p_g(x))), the gradient of V at D = D*_G frozen."""
    p, q = torch.as_tensor(p_data, dtype=torch.float64), torch.as_tensor(p_g, dtype=torch.float64)
    return torch.log(q) - torch.log(p + q)


def exponentiated_gradient_descent(p_data: torch.Tensor, p_g0: torch.Tensor, steps: int, eta: float,
                                   record_every: int = 1) -> dict[str, object]:
    """Mirror descent on the simplex with the entropy mirror map (exponentiated gradient) on C(G):
    p_g <- p_g exp(-eta log(1 - D*_G)) / Z = p_g^(1 - eta) (p_data + p_g)^eta / Z, D*_G recomputed each step.

    For 0 < eta <= 1 the proof of Proposition 2 in chapter 05 gives C(p_g^t) + log 4 <= KL(p_data || p_g^0) / (eta t)
    (`mirror_descent_bound`), with C non-increasing. p_g0 must be positive everywhere. Returns the final p_g and
    C(G) and JSD(p_data || p_g) every `record_every` steps (step 0 included).
    """
    if steps < 1 or not eta > 0 or not math.isfinite(eta):
        raise ValueError(f"steps must be >= 1 and eta a positive finite number, got {steps}, {eta}")
    p, q = _masses(p_data, "p_data"), _masses(p_g0, "p_g0")
    if p.shape != q.shape or not bool((q > 0).all()):
        raise ValueError("p_g0 must have the shape of p_data and be positive everywhere")
    history: dict[str, list[float]] = {"step": [], "C": [], "jsd": []}

    def record(t: int) -> None:
        history["step"].append(t)
        history["C"].append(virtual_training_criterion(p, q))
        history["jsd"].append(js_divergence(p, q, clamp=False))

    record(0)
    log_p, log_q = torch.log(p), torch.log(q)  # the update in log space: no 0 * inf where p_g underflows
    for t in range(1, steps + 1):
        grad = log_q - torch.logaddexp(log_p, log_q)  # log(1 - D*_G)
        grad = torch.where(torch.isneginf(log_q), 0.0, grad)  # a cell that underflowed stays at 0
        # floor at -1e4: exp underflows to 0 long before, and an oscillating step (eta > 1) cannot overflow
        log_q = torch.log_softmax(log_q - eta * grad, 0).clamp_min(-1e4)
        q = log_q.exp()
        if t % record_every == 0 or t == steps:
            record(t)
    return {"p_g": q, **history}


def mirror_descent_bound(p_data: torch.Tensor, p_g0: torch.Tensor, eta: float, t: int | torch.Tensor) -> torch.Tensor:
    """The proof's bound on C(p_g^t) + log 4 = 2 JSD(p_data || p_g^t): KL(p_data || p_g^0) / (eta t), for t >= 1."""
    from ganlib.theory.divergences import kl_divergence
    return kl_divergence(p_data, p_g0) / (eta * torch.as_tensor(t, dtype=torch.float64))


def total_variation(p: torch.Tensor, q: torch.Tensor) -> float:
    """TV(p, q) = sup_A |p(A) - q(A)| = (1/2) sum |p - q| of two discrete distributions (normalised here)."""
    return float(0.5 * (_masses(p, "p") - _masses(q, "q")).abs().sum())
