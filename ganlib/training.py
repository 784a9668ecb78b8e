"""Algorithm 1: minibatch stochastic gradient training of generative adversarial nets.

Two update orders are offered:
- "alternating", Algorithm 1 as printed: k discriminator steps (each on a fresh minibatch of data and of
  noise), then one generator step on fresh noise;
- "simultaneous", what the authors' code ran for MNIST: one discriminator pass on one minibatch, from which
  both losses are computed and both nets stepped at once (k = 1).
The data set is a tensor held on the training device and batched by indexing a random permutation: no
DataLoader, and no host round trip except when the history is flushed every `log_every` iterations.
"""
from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal

import torch
from torch import nn
from tqdm import tqdm

from .checkpoint import load_checkpoint, save_atomic
from .device import default_device, seed_everything
from .losses import GENERATOR_LOSSES, discriminator_loss, generator_loss
from .noise import NOISE_KINDS, sample_noise
from .optim import ClassicalMomentum, learning_rate_at, momentum_at

UPDATES = ("alternating", "simultaneous")
OPTIMIZERS = ("sgd", "adam")
HISTORY_KEYS = ("iteration", "d_loss", "g_loss", "d_real", "d_fake")


@dataclass
class TrainConfig:
    """Hyper-parameters of one run; the defaults are the authors' MNIST settings where they apply."""

    iterations: int = 1000  # outer iterations of Algorithm 1 = generator updates
    batch_size: int = 100
    k: int = 1  # discriminator steps per generator step
    update: Literal["alternating", "simultaneous"] = "alternating"
    generator_loss: Literal["saturating", "non_saturating"] = "non_saturating"
    optimizer: Literal["sgd", "adam"] = "sgd"
    lr_d: float = 0.1
    lr_g: float = 0.1
    lr_decay: float = 1.000004  # learning rates divided by this after every iteration; 1.0 keeps them
    lr_min: float = 1e-6
    momentum_start: float = 0.5  # sgd only: classical momentum, linear in the epoch ...
    momentum_end: float = 0.7
    momentum_saturate_epoch: int = 250  # ... reaching momentum_end here
    adam_betas: tuple[float, float] = (0.5, 0.999)
    d_loss_scale: float = 1.0  # the authors' code halves the discriminator loss: 0.5
    instance_noise: float = 0.0  # std of Gaussian noise added to real and fake samples before D (0: none)
    noise: Literal["uniform", "gaussian"] = "uniform"
    noise_dim: int = 100
    seed: int = 0
    log_every: int = 100  # iterations between history flushes (the only host syncs)

    def __post_init__(self) -> None:
        _check_choice("update", self.update, UPDATES)
        _check_choice("generator_loss", self.generator_loss, GENERATOR_LOSSES)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_choice("noise", self.noise, NOISE_KINDS)
        for name in ("iterations", "batch_size", "k", "noise_dim", "log_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        for name in ("lr_d", "lr_g", "lr_decay", "d_loss_scale"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive finite number, got {value!r}")
        if not isinstance(self.instance_noise, (int, float)) or not 0 <= self.instance_noise < math.inf:
            raise ValueError(f"instance_noise must be a finite number >= 0, got {self.instance_noise!r}")
        if self.lr_decay < 1:
            raise ValueError(f"lr_decay must be >= 1 (the rate is divided by it), got {self.lr_decay!r}")
        if self.update == "simultaneous" and self.k != 1:
            raise ValueError(f"the simultaneous update takes one step of each net: k must be 1, got {self.k}")
        for name in ("momentum_start", "momentum_end"):
            value = getattr(self, name)
            if not 0 <= value < 1:
                raise ValueError(f"{name} must lie in [0, 1), got {value!r}")


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


class TrainingDiverged(RuntimeError):
    """A loss or a parameter became NaN or infinite; the last good checkpoint is left in place."""


class Trainer:
    """Runs Algorithm 1 on a generator G (noise -> sample) and a discriminator D (sample -> logit)."""

    def __init__(self, G: nn.Module, D: nn.Module, data: torch.Tensor, config: TrainConfig,
                 device: torch.device | str | None = None) -> None:
        if not isinstance(data, torch.Tensor) or data.ndim < 2 or len(data) == 0:
            raise ValueError("data must be a non-empty tensor of shape (N, ...) with one sample per row")
        if config.batch_size > len(data):
            raise ValueError(f"batch_size ({config.batch_size}) is larger than the data set ({len(data)} samples)")
        self.config = config
        self.device = torch.device(device) if device is not None else default_device()
        self.G, self.D = G.to(self.device), D.to(self.device)
        self.data = data.to(self.device)
        self._check_shapes()
        self.opt_d = self._optimizer(self.D, config.lr_d)
        self.opt_g = self._optimizer(self.G, config.lr_g)
        self.iteration = 0  # completed generator updates
        self.batches_seen = 0  # data minibatches consumed by D
        self.perm: torch.Tensor | None = None
        self.history: dict[str, list[float]] = {key: [] for key in HISTORY_KEYS}
        self._pending: list[torch.Tensor] = []
        seed_everything(config.seed)

    @torch.no_grad()
    def _check_shapes(self) -> None:
        """G's samples must have the data's shape, and D must return one logit per sample.

        G's samples are compared with the data before D sees anything, so data of the wrong shape is named
        as such rather than as whatever error D raises on it.
        """
        sample_shape = tuple(self.data.shape[1:])
        try:
            fake = self.G(sample_noise(2, self.config.noise_dim, self.config.noise, self.device))
        except RuntimeError as exc:
            raise ValueError(f"G cannot take noise of dimension noise_dim={self.config.noise_dim}: {exc}") from None
        if fake.shape[1:] != self.data.shape[1:]:
            raise ValueError(f"G makes samples of shape {tuple(fake.shape[1:])} but the data's samples have shape "
                             f"{sample_shape}")
        try:
            logits = self.D(self.data[:2])
        except RuntimeError as exc:
            raise ValueError(f"D cannot take samples of shape {sample_shape}: {exc}") from None
        if logits.shape != (2,):
            raise ValueError(f"D must return one logit per sample, shape (batch,), got {tuple(logits.shape)}")

    def _optimizer(self, net: nn.Module, lr: float) -> torch.optim.Optimizer:
        if self.config.optimizer == "sgd":
            return ClassicalMomentum(net.parameters(), lr=lr, momentum=self.config.momentum_start)
        return torch.optim.Adam(net.parameters(), lr=lr, betas=self.config.adam_betas)

    @property
    def steps_per_epoch(self) -> int:
        return len(self.data) // self.config.batch_size

    @property
    def epoch(self) -> int:
        """Completed passes over the data."""
        return self.batches_seen // self.steps_per_epoch

    # --- one iteration -----------------------------------------------------------------------------
    def _next_indices(self) -> torch.Tensor:
        """Row indices of the next minibatch: a slice of a random permutation, redrawn every epoch."""
        position = self.batches_seen % self.steps_per_epoch
        if position == 0 or self.perm is None:
            self.perm = torch.randperm(len(self.data), device=self.device)
        bs = self.config.batch_size
        self.batches_seen += 1
        return self.perm[position * bs:(position + 1) * bs]

    def _next_batch(self) -> torch.Tensor:
        return self.data[self._next_indices()]

    def _noise(self) -> torch.Tensor:
        return sample_noise(self.config.batch_size, self.config.noise_dim, self.config.noise, self.device)

    def _set_schedules(self) -> None:
        c = self.config
        momentum = momentum_at(self.epoch, c.momentum_start, c.momentum_end, c.momentum_saturate_epoch)
        for opt, lr0 in ((self.opt_d, c.lr_d), (self.opt_g, c.lr_g)):
            for group in opt.param_groups:
                group["lr"] = learning_rate_at(self.iteration, lr0, c.lr_decay, c.lr_min)
                if c.optimizer == "sgd":
                    group["momentum"] = momentum

    @staticmethod
    def _apply(opt: torch.optim.Optimizer, net: nn.Module, loss: torch.Tensor, retain: bool = False) -> None:
        params = [p for p in net.parameters() if p.requires_grad]
        grads = torch.autograd.grad(loss, params, retain_graph=retain)
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()

    def _discriminate(self, x: torch.Tensor) -> torch.Tensor:
        """D's logits, after instance noise (Sønderby et al., 2017) when the config asks for it."""
        if self.config.instance_noise > 0:
            x = x + self.config.instance_noise * torch.randn_like(x)
        return self.D(x)

    def _d_losses(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x, z = self._next_batch(), self._noise()
        real, fake = self._discriminate(x), self._discriminate(self.G(z))
        return self.config.d_loss_scale * discriminator_loss(real, fake), real, fake

    def discriminator_step(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Algorithm 1, lines 3-5: fresh minibatches of noise and data, one step of D ascending V.

        Returns D's loss and its logits on the real and the fake minibatch. No schedule or counter moves:
        `step` does that; Figure 1's panel (b) calls this alone, with G fixed.
        """
        d_loss, real, fake = self._d_losses()
        self._apply(self.opt_d, self.D, d_loss)
        return d_loss, real, fake

    def generator_step(self) -> torch.Tensor:
        """Algorithm 1, lines 7-8: a fresh minibatch of noise, one step of G on its loss; returns the loss."""
        g_loss = generator_loss(self._discriminate(self.G(self._noise())), self.config.generator_loss)
        self._apply(self.opt_g, self.G, g_loss)
        return g_loss

    def step(self) -> None:
        """One outer iteration of Algorithm 1 (or one simultaneous update)."""
        self._set_schedules()
        c = self.config
        if c.update == "simultaneous":
            d_loss, real, fake = self._d_losses()
            g_loss = generator_loss(fake, c.generator_loss)  # same fake batch, same dropout masks
            grads_g = torch.autograd.grad(g_loss, list(self.G.parameters()), retain_graph=True)
            self._apply(self.opt_d, self.D, d_loss)  # both gradients are taken before either net moves
            for p, g in zip(self.G.parameters(), grads_g):
                p.grad = g
            self.opt_g.step()
        else:
            for _ in range(c.k):
                d_loss, real, fake = self.discriminator_step()
            g_loss = self.generator_step()
        self.iteration += 1
        stats = torch.stack([d_loss.detach(), g_loss.detach(),
                             torch.sigmoid(real.detach()).mean(), torch.sigmoid(fake.detach()).mean()])
        self._pending.append(stats)

    # --- history, divergence and the run loop ------------------------------------------------------
    def flush(self) -> None:
        """Move pending statistics to the host and stop, naming the step and the network, if anything is
        NaN or infinite.

        Two host syncs: the statistics, then one finiteness flag per network. The parameters decide which
        network is named: a non-finite G first shows in D's outputs on the fake batch, which the statistics
        alone would blame on D. Within a step or two a broken net's gradients break the other one too, so
        only a flush soon after the bad update names a single net; later flushes name both.
        """
        if not self._pending:
            return
        stats = torch.stack(self._pending).cpu()
        first = self.iteration - len(self._pending) + 1
        self._pending = []
        nets = (("generator", self.G), ("discriminator", self.D))
        finite = torch.stack([torch.stack([torch.isfinite(p).all() for p in net.parameters()]).all()
                              for _, net in nets]).tolist()  # one sync for every parameter of both nets
        broken = " and ".join(name for (name, _), ok in zip(nets, finite) if not ok)
        has = "have" if " and " in broken else "has"
        bad = ~torch.isfinite(stats)
        if not bad.any():
            if broken:  # the last update broke a net after its statistics were taken
                raise TrainingDiverged(f"training diverged at iteration {self.iteration}: "
                                       f"the {broken} {has} non-finite parameters")
        else:
            row, col = (int(i) for i in bad.nonzero()[0])
            found = f"{HISTORY_KEYS[col + 1]} is {stats[row, col].item()}"
            if broken:
                raise TrainingDiverged(f"training diverged at iteration {first + row} ({found}): by iteration "
                                       f"{self.iteration} the {broken} {has} non-finite parameters")
            # Finite parameters, non-finite outputs (an overflow). D's output on real data does not involve G:
            # if it is finite but G's loss or D's output on the fake batch is not, G's samples are to blame.
            network = "generator" if not bad[row, 2] and (bad[row, 1] or bad[row, 3]) else "discriminator"
            raise TrainingDiverged(f"training diverged at iteration {first + row}: the {network} gave "
                                   f"non-finite outputs ({found})")
        self.history["iteration"].extend(range(first, self.iteration + 1))
        for j, key in enumerate(HISTORY_KEYS[1:]):
            self.history[key].extend(stats[:, j].tolist())

    def run(self, until: int | None = None, checkpoint: str | os.PathLike | None = None,
            checkpoint_every: int | None = None, callback: Callable[["Trainer"], None] | None = None,
            progress: bool = True) -> dict[str, list[float]]:
        """Train until `until` iterations (default: config.iterations) and return the history.

        After each flush (every log_every iterations) `callback(self)` is called; the checkpoint, if any,
        is written every `checkpoint_every` iterations and at the end, only after a finite flush, so a
        diverging run stops with TrainingDiverged and keeps its last good checkpoint.
        """
        until = self.config.iterations if until is None else until
        every = checkpoint_every or self.config.log_every
        self.G.train()
        self.D.train()
        with tqdm(total=until, initial=self.iteration, disable=not progress, desc="Algorithm 1") as bar:
            while self.iteration < until:
                self.step()
                if self.iteration % self.config.log_every == 0 or self.iteration == until:
                    try:
                        self.flush()
                    except TrainingDiverged as exc:
                        if checkpoint is not None and Path(checkpoint).exists():
                            raise TrainingDiverged(f"{exc}; the last good checkpoint is kept at {checkpoint}") from None
                        raise
                    bar.update(self.iteration - bar.n)
                    bar.set_postfix(d_loss=self.history["d_loss"][-1], g_loss=self.history["g_loss"][-1])
                    if callback is not None:
                        callback(self)
                if checkpoint is not None and (self.iteration % every == 0 or self.iteration == until):
                    self.flush()
                    self.save(checkpoint)
        return self.history

    # --- checkpoints -------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        self.flush()
        return {
            "config": dataclasses.asdict(self.config),
            "G": self.G.state_dict(), "D": self.D.state_dict(),
            "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
            "iteration": self.iteration, "batches_seen": self.batches_seen, "perm": self.perm,
            "history": self.history,
            "rng_cpu": torch.get_rng_state(),
            "rng_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        }

    def load_state_dict(self, state: dict) -> None:
        saved = dict(state["config"], iterations=self.config.iterations)
        saved["adam_betas"] = tuple(saved["adam_betas"])
        mine = dataclasses.asdict(self.config)
        if saved != mine:
            diff = {k: (saved[k], mine[k]) for k in mine if saved.get(k) != mine[k]}
            raise ValueError(f"checkpoint was made with another configuration (saved, given): {diff}")
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.iteration, self.batches_seen = state["iteration"], state["batches_seen"]
        self.perm = None if state["perm"] is None else state["perm"].to(self.device)
        self.history = {k: list(v) for k, v in state["history"].items()}
        torch.set_rng_state(state["rng_cpu"].cpu())
        if state["rng_cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all([s.cpu() for s in state["rng_cuda"]])

    def save(self, path: str | os.PathLike) -> Path:
        return save_atomic(self.state_dict(), path)

    def load(self, path: str | os.PathLike) -> None:
        self.load_state_dict(load_checkpoint(path, map_location=self.device))
