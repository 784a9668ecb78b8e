"""Many seeds of one configuration trained together on one device, as one set of batched networks.

S runs of the same architecture become one network whose every `nn.Linear` holds S weight matrices and
applies them with one batched product (`torch.baddbmm`): samples have shape (S, batch, ...), and seed s only
ever meets its own weights, data, noise and dropout masks. Each seed's networks are first built on their own
(same seed, same initialisation as a single run), then stacked. The training step is FastTrainer's, so on a
GPU the whole ensemble is one CUDA graph; at batch 100 one run leaves most of the GPU idle, and S runs fill it.
The seeds draw from one random stream, so seed s of an ensemble is an independent run but not the same
trajectory as `experiments.build(..., seed=s)`.
"""
from __future__ import annotations

import copy
import os
from typing import Any

import torch
from torch import nn

from .device import default_device, seed_everything
from .fasttrain import FastTrainer
from .noise import sample_noise
from .training import TrainConfig


class StackedLinear(nn.Module):
    """S independent `nn.Linear` layers applied at once: (S, B, in) -> (S, B, out)."""

    def __init__(self, layers: list[nn.Linear]) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.stack([layer.weight.detach().T for layer in layers]).contiguous())
        self.bias = nn.Parameter(torch.stack([layer.bias.detach() for layer in layers]).unsqueeze(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)


def stack_modules(modules: list[nn.Module]) -> nn.Module:
    """One network running `modules` (same architecture, own weights) side by side on (S, B, ...) inputs.

    Only `nn.Linear` may hold parameters: layers that mix the batch or need image shapes (convolutions,
    batch norm) would need their own batched form, so they are refused.
    """
    if not modules:
        raise ValueError("stack_modules needs at least one module")
    if isinstance(modules[0], nn.Linear):
        return StackedLinear(modules)
    stacked = copy.deepcopy(modules[0])
    for name, layer in modules[0].named_modules():
        if isinstance(layer, nn.Linear):
            parent, _, attr = name.rpartition(".")
            owner = stacked.get_submodule(parent) if parent else stacked
            setattr(owner, attr, StackedLinear([m.get_submodule(name) for m in modules]))
        elif any(True for _ in layer.parameters(recurse=False)):
            raise ValueError(f"stack_modules supports parameters in nn.Linear only; {name!r} is a "
                             f"{type(layer).__name__}")
    return stacked


def unstack_module(stacked: nn.Module, template: nn.Module, seed_index: int) -> nn.Module:
    """Seed `seed_index`'s network out of `stacked`, as a copy of `template` (the single-run architecture)."""
    single = copy.deepcopy(template)
    with torch.no_grad():
        for name, layer in single.named_modules():
            if isinstance(layer, nn.Linear):
                part = stacked.get_submodule(name)
                layer.weight.copy_(part.weight[seed_index].T)
                layer.bias.copy_(part.bias[seed_index, 0])
    return single


class EnsembleTrainer(FastTrainer):
    """FastTrainer over S stacked runs: per-seed minibatches, noise and dropout; one step for all."""

    def __init__(self, Gs: list[nn.Module], Ds: list[nn.Module], data: torch.Tensor, config: TrainConfig,
                 device: torch.device | str | None = None, graph: bool | None = None, warmup: int = 3) -> None:
        if len(Gs) != len(Ds) or len(Gs) < 1:
            raise ValueError(f"need as many generators as discriminators (>= 1), got {len(Gs)} and {len(Ds)}")
        self.seeds = len(Gs)
        self.templates = (copy.deepcopy(Gs[0]).cpu(), copy.deepcopy(Ds[0]).cpu())
        super().__init__(stack_modules(Gs), stack_modules(Ds), data, config, device, graph, warmup)

    @torch.no_grad()
    def _check_shapes(self) -> None:
        S, c = self.seeds, self.config
        fake = self.G(sample_noise(S * 2, c.noise_dim, c.noise, self.device).unflatten(0, (S, 2)))
        logits = self.D(self.data[:2].expand(S, *self.data[:2].shape))
        if fake.shape[2:] != self.data.shape[1:] or logits.shape != (S, 2):
            raise ValueError(f"stacked G or D gives shapes {tuple(fake.shape)}, {tuple(logits.shape)}; expected "
                             f"(S, 2, {', '.join(map(str, self.data.shape[1:]))}) and (S, 2)")

    def _noise(self) -> torch.Tensor:
        c = self.config
        return sample_noise(self.seeds * c.batch_size, c.noise_dim, c.noise, self.device).unflatten(
            0, (self.seeds, c.batch_size))

    def _next_indices(self) -> torch.Tensor:
        """Each seed its own permutation of the data, redrawn every epoch: (S * batch,) row indices."""
        position = self.batches_seen % self.steps_per_epoch
        if position == 0 or self.perm is None:
            self.perm = torch.argsort(torch.rand(self.seeds, len(self.data), device=self.device), dim=1)
        bs = self.config.batch_size
        self.batches_seen += 1
        return self.perm[:, position * bs:(position + 1) * bs].flatten()

    def unstack(self) -> list[tuple[nn.Module, nn.Module]]:
        """(G, D) of every seed as single-run networks on the CPU, e.g. for sampling or a Parzen estimate."""
        # Copied out slice by slice: moving the stacked networks would re-allocate the parameters that a
        # captured CUDA graph reads.
        return [(unstack_module(self.G, self.templates[0], s), unstack_module(self.D, self.templates[1], s))
                for s in range(self.seeds)]


def build_ensemble(name: str, seeds: list[int], device: torch.device | str | None = None,
                   data_dir: str | os.PathLike | None = None, graph: bool | None = None,
                   **overrides: Any) -> EnsembleTrainer:
    """An EnsembleTrainer for the named experiment (see experiments.EXPERIMENTS), one member per seed.

    Each member's networks are those `experiments.build(name, seed=s)` would make; the experiment's default
    update order is replaced by the simultaneous one (the only one FastTrainer runs).
    """
    from .experiments import build

    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be a non-empty list of distinct integers, got {seeds!r}")
    device = torch.device(device) if device is not None else default_device()
    overrides = {"update": "simultaneous", **overrides}
    singles = [build(name, "cpu", data_dir, **{**overrides, "seed": s}) for s in seeds]
    config = singles[0].config
    seed_everything(config.seed)
    return EnsembleTrainer([t.G for t in singles], [t.D for t in singles], singles[0].data, config, device, graph)
