"""The authors' optimiser and schedules (paper-facts.md, mnist.yaml), plus Adam as an option."""
from __future__ import annotations

from collections.abc import Iterable

import torch


class ClassicalMomentum(torch.optim.Optimizer):
    """pylearn2's Momentum rule: v <- mu v - lr g; theta <- theta + v (classical, not Nesterov).

    The one momentum rule of ganlib: the Trainer's eager step and its CUDA graph both call it.

    Unlike torch.optim.SGD, the learning rate enters the velocity, which matters when the rate decays.
    """

    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float, momentum: float = 0.5) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self, closure: None = None) -> None:
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            velocities = []
            for p in params:
                if "velocity" not in self.state[p]:
                    self.state[p]["velocity"] = torch.zeros_like(p)
                velocities.append(self.state[p]["velocity"])
            torch._foreach_mul_(velocities, group["momentum"])
            # lr * g, then subtract (not add with alpha=-lr, which may fuse into one rounding). lr and momentum
            # may be floats or 0-d tensors (the Trainer keeps them in tensors, so a CUDA graph can replay this).
            torch._foreach_sub_(velocities, torch._foreach_mul([p.grad for p in params], group["lr"]))
            torch._foreach_add_(params, velocities)


def momentum_at(epoch: int, start: float = 0.5, end: float = 0.7, saturate_epoch: int = 250) -> float:
    """The momentum during epoch `epoch` (0-based) under pylearn2's MomentumAdjustor(start=1, saturate=250).

    The adjustor is applied once before training and after every epoch; its count c is then epoch + 1 and the
    momentum start + (end - start) * clip((c - 1) / (saturate - 1), 0, 1), i.e. start + (end - start) *
    epoch / 249 with the authors' numbers, reaching `end` during epoch 249 and flat afterwards.
    """
    if saturate_epoch <= 1:
        return end
    return start + (end - start) * min(max(epoch, 0) / (saturate_epoch - 1), 1.0)


def learning_rate_at(step: int, lr0: float, decay: float = 1.000004, floor: float = 1e-6) -> float:
    """lr0 divided by `decay` after every minibatch, never below `floor` (pylearn2's ExponentialDecay); the
    floor also once decay**step is too large for a float."""
    try:
        return max(lr0 / decay**step, min(floor, lr0))
    except OverflowError:
        return min(floor, lr0)
