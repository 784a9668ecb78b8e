"""Algorithm 1: minibatch stochastic gradient training of generative adversarial nets, in one Trainer.

Two update orders are offered:
- "alternating", Algorithm 1 as printed: k discriminator steps (each on a fresh minibatch of data and of
  noise), then one generator step on fresh noise;
- "simultaneous", what the authors' code ran for MNIST: one discriminator pass on one minibatch, from which
  both losses are computed and both nets stepped at once (k = 1).
The data set is a tensor held on the training device and batched by indexing a random permutation: no
DataLoader, and no host round trip except when the history is flushed every `log_every` iterations.

The same step serves three uses, with no second implementation:
- with SGD the learning rates and the momentum live in 0-d tensors on the device, filled from the schedules
  (`optim.learning_rate_at`, `optim.momentum_at`) and read by `optim.ClassicalMomentum`, the one momentum rule;
- `graph=True` (the default on CUDA for the authors' simultaneous SGD step) captures that step once as a CUDA
  graph after a few eager warm-up steps and replays it: one launch per iteration instead of a few hundred;
- G and D given as lists (one network per seed) are stacked into batched networks (`nets.stack_modules`), so
  S independent runs train as one, each seed with its own permutation of the data, noise and dropout masks.
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import importlib.metadata
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal

import torch
from torch import nn
from tqdm import tqdm

from ganlib.core.checkpoint import START_OVER, CheckpointError, load_checkpoint, save_atomic
from ganlib.core.device import default_device, seed_everything
from ganlib.core.losses import GENERATOR_LOSSES, discriminator_loss, generator_loss
from ganlib.core.nets import stack_modules, unstack_module
from ganlib.core.noise import NOISE_KINDS, sample_noise
from ganlib.core.optim import ClassicalMomentum, learning_rate_at, momentum_at
from ganlib.core.sampling import generate

UPDATES = ("alternating", "simultaneous")
OPTIMIZERS = ("sgd", "adam")
HISTORY_KEYS = ("iteration", "d_loss", "g_loss", "d_real", "d_fake")
SEED_RANGE = (-2**63, 2**64 - 1)  # what torch.manual_seed accepts
NOISE_DIM_MAX = 100_000  # far above any run's (100); a larger one only exhausts memory building G
STATE_KEYS = ("config", "G", "D", "opt_g", "opt_d", "iteration", "batches_seen", "perm", "history", "rng_cpu",
              "rng_cuda")


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
        """Check every field, naming it and its allowed values; adam_betas becomes a tuple."""
        _check_choice("update", self.update, UPDATES)
        _check_choice("generator_loss", self.generator_loss, GENERATOR_LOSSES)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_choice("noise", self.noise, NOISE_KINDS)
        for name in ("iterations", "batch_size", "k", "log_every", "momentum_saturate_epoch"):
            _check_int(name, getattr(self, name), 1)
        _check_int("noise_dim", self.noise_dim, 1, NOISE_DIM_MAX)
        _check_int("seed", self.seed, *SEED_RANGE)
        for name in ("lr_d", "lr_g", "d_loss_scale"):
            _check_real(name, getattr(self, name), "a positive finite number", lambda x: x > 0)
        _check_real("lr_decay", self.lr_decay, "a finite number >= 1 (the rate is divided by it)", lambda x: x >= 1)
        _check_real("lr_min", self.lr_min, "a finite number >= 0", lambda x: x >= 0)
        _check_real("instance_noise", self.instance_noise, "a finite number >= 0", lambda x: x >= 0)
        for name in ("momentum_start", "momentum_end"):
            _check_real(name, getattr(self, name), "a number in [0, 1)", lambda x: 0 <= x < 1)
        betas = self.adam_betas
        if not isinstance(betas, (list, tuple)) or len(betas) != 2:
            raise ValueError(f"adam_betas must be a pair of numbers in [0, 1), got {betas!r}")
        for beta in betas:
            _check_real("adam_betas", beta, "a pair of numbers in [0, 1)", lambda x: 0 <= x < 1)
        self.adam_betas = tuple(betas)
        if self.update == "simultaneous" and self.k != 1:
            raise ValueError(f"the simultaneous update takes one step of each net: k must be 1, got {self.k}")


def _check_int(name: str, value: object, low: int, high: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        allowed = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be an integer {allowed}, got {value!r}")


def _check_real(name: str, value: object, allowed: str, ok: Callable[[float], bool]) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not ok(value):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")


def _in_float32_range(x: float) -> float:
    """x, or an infinity of its sign where float32 cannot hold it: what a float32 rate becomes (fill_ refuses)."""
    return x if abs(x) <= FLOAT32_MAX else math.copysign(math.inf, x)


FLOAT32_MAX = float(torch.finfo(torch.float32).max)


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


class TrainingDiverged(RuntimeError):
    """A loss or a parameter became NaN or infinite; the last good checkpoint is left in place."""


class CheckpointMismatch(ValueError):
    """A checkpoint was made by another experiment, data set or configuration than the run resuming it."""


def data_identity(data: torch.Tensor) -> dict:
    """What a checkpoint records of its data: shape, dtype and the SHA-256 of the tensor's bytes."""
    flat = data.detach().cpu().contiguous().reshape(-1).view(torch.uint8)
    return {"shape": list(data.shape), "dtype": str(data.dtype).removeprefix("torch."),
            "sha256": hashlib.sha256(flat.numpy()).hexdigest()}


def ganlib_version() -> str:
    try:
        return importlib.metadata.version("ganlib")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _describe(identity: dict) -> str:
    """'experiment 'mnist' on data (50000, 784) float32 sha256 1a2b3c4d (ganlib 0.1.0)', unknowns left out."""
    data = identity.get("data") or {}
    words = [f"experiment {identity['experiment']!r}" if identity.get("experiment") else "an unnamed experiment"]
    if data:
        words.append(f"on data {tuple(data['shape'])} {data['dtype']} sha256 {data['sha256'][:12]}")
    return " ".join(words) + f" (ganlib {identity.get('ganlib', 'unknown')})"


class Trainer:
    """Runs Algorithm 1 on a generator G (noise -> sample) and a discriminator D (sample -> logit).

    G and D may be lists of networks of one architecture, one per seed: they are then trained as one stacked
    network, seed s meeting only its own weights, data, noise and dropout masks (`unstack` gives them back).
    graph: capture the step as a CUDA graph (default: on CUDA, for simultaneous SGD); warmup: eager steps first.
    """

    def __init__(self, G: nn.Module | list[nn.Module], D: nn.Module | list[nn.Module], data: torch.Tensor,
                 config: TrainConfig, device: torch.device | str | None = None, graph: bool | None = None,
                 warmup: int = 3) -> None:
        if not isinstance(data, torch.Tensor) or data.ndim < 2 or len(data) == 0:
            raise ValueError("data must be a non-empty tensor of shape (N, ...) with one sample per row")
        if config.batch_size > len(data):
            raise ValueError(f"batch_size ({config.batch_size}) is larger than the data set ({len(data)} samples)")
        self.config = config
        self.device = torch.device(device) if device is not None else default_device()
        self.seeds, self.templates = 1, None
        if isinstance(G, (list, tuple)) or isinstance(D, (list, tuple)):
            if not isinstance(G, (list, tuple)) or not isinstance(D, (list, tuple)) or len(G) != len(D) or not G:
                raise ValueError("give G and D as two lists of networks of the same length (>= 1), one pair per seed")
            self.seeds, self.templates = len(G), (copy.deepcopy(G[0]).cpu(), copy.deepcopy(D[0]).cpu())
            G, D = stack_modules(list(G)), stack_modules(list(D))
        self.G, self.D = G.to(self.device), D.to(self.device)
        self.data = data.to(self.device)
        self.experiment: str | None = None  # the registry's name of the run (experiments.build sets it)
        self._data_identity: dict | None = None  # data_identity(self.data), computed at the first checkpoint
        self._check_shapes()
        self.opt_d = self._optimizer(self.D, config.lr_d)
        self.opt_g = self._optimizer(self.G, config.lr_g)
        if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 1:
            raise ValueError(f"warmup must be an integer >= 1, got {warmup!r}")
        self.warmup = warmup
        self.iteration = 0  # completed generator updates
        self.batches_seen = 0  # data minibatches consumed by D
        self.perm: torch.Tensor | None = None
        self.history: dict[str, list[float]] = {key: [] for key in HISTORY_KEYS}
        self._pending: list[torch.Tensor] = []
        # fixed buffers the step reads and writes, so that a captured graph finds them at the same addresses
        self._x = torch.empty((self.seeds * config.batch_size, *self.data.shape[1:]), dtype=self.data.dtype,
                              device=self.device)
        self._stats = torch.zeros(4, device=self.device)
        self._prepare_optimizers()
        self.use_graph(graph)
        # The training stream starts from config.seed, however many draws building the networks took.
        seed_everything(config.seed)

    def use_graph(self, graph: bool | None = None) -> None:
        """Replay the step from a CUDA graph (True), run it eagerly (False), or the default (None): the graph
        on CUDA for the simultaneous SGD step, eager otherwise. The same step runs either way."""
        c = self.config
        simultaneous_sgd = c.update == "simultaneous" and c.optimizer == "sgd"
        graph = self.device.type == "cuda" and simultaneous_sgd if graph is None else graph
        if graph and self.device.type != "cuda":
            raise ValueError(f"graph=True needs a CUDA device, got {self.device}")
        if graph and not simultaneous_sgd:
            raise ValueError("the CUDA-graph step runs update='simultaneous' with optimizer='sgd' (the authors' "
                             f"MNIST step); got update={c.update!r}, optimizer={c.optimizer!r}")
        self.graph = bool(graph)
        self._cuda_graph, self._eager_steps = None, 0

    @torch.no_grad()
    def _check_shapes(self) -> None:
        """G's samples must have the data's shape, and D must return one logit per sample.

        G's samples are compared with the data before D sees anything, so data of the wrong shape is named
        as such rather than as whatever error D raises on it.
        """
        sample_shape = tuple(self.data.shape[1:])
        lead = (self.seeds, 2) if self.seeds > 1 else (2,)
        z = sample_noise(2 * self.seeds, self.config.noise_dim, self.config.noise, self.device)
        try:
            fake = self.G(z.reshape(*lead, -1))
        except RuntimeError as exc:
            raise ValueError(f"G cannot take noise of dimension noise_dim={self.config.noise_dim}: {exc}") from None
        if fake.shape[len(lead):] != self.data.shape[1:]:
            raise ValueError(f"G makes samples of shape {tuple(fake.shape[len(lead):])} but the data's samples have "
                             f"shape {sample_shape}")
        try:
            logits = self.D(self.data[:2].expand(*lead, *sample_shape))
        except RuntimeError as exc:
            raise ValueError(f"D cannot take samples of shape {sample_shape}: {exc}") from None
        if logits.shape != lead:
            raise ValueError(f"D must return one logit per sample, shape {'(seeds, batch)' if self.seeds > 1 else '(batch,)'}, "
                             f"got {tuple(logits.shape)}")

    def _optimizer(self, net: nn.Module, lr: float) -> torch.optim.Optimizer:
        if self.config.optimizer == "sgd":
            return ClassicalMomentum(net.parameters(), lr=lr, momentum=self.config.momentum_start)
        return torch.optim.Adam(net.parameters(), lr=lr, betas=self.config.adam_betas)

    def _prepare_optimizers(self) -> None:
        """With SGD: the rates and the momentum as 0-d device tensors, and every velocity created up front
        (ClassicalMomentum makes them lazily). Run again after loading a checkpoint, which replaces them; any
        captured graph, which would point at the old tensors, is dropped."""
        if self.config.optimizer == "sgd":
            for opt in (self.opt_d, self.opt_g):
                for group in opt.param_groups:
                    for key in ("lr", "momentum"):
                        group[key] = torch.tensor(float(group[key]), device=self.device)
                    for p in group["params"]:
                        opt.state[p].setdefault("velocity", torch.zeros_like(p))
        self._schedule_cache: tuple[float, ...] | None = None
        self._cuda_graph: torch.cuda.CUDAGraph | None = None
        self._eager_steps = 0

    @property
    def steps_per_epoch(self) -> int:
        return len(self.data) // self.config.batch_size

    @property
    def epoch(self) -> int:
        """Completed passes over the data."""
        return self.batches_seen // self.steps_per_epoch

    # --- one iteration -----------------------------------------------------------------------------
    def _next_indices(self) -> torch.Tensor:
        """Row indices of the next minibatch: a slice of a random permutation, redrawn every epoch (each seed
        its own permutation); (seeds * batch,) indices."""
        position = self.batches_seen % self.steps_per_epoch
        if position == 0 or self.perm is None:
            n = len(self.data)
            self.perm = (torch.randperm(n, device=self.device) if self.seeds == 1 else
                         torch.argsort(torch.rand(self.seeds, n, device=self.device), dim=1))
        bs = self.config.batch_size
        self.batches_seen += 1
        return self.perm[..., position * bs:(position + 1) * bs].flatten()

    def _per_seed(self, x: torch.Tensor) -> torch.Tensor:
        """(seeds * batch, ...) -> (seeds, batch, ...) for stacked networks; unchanged for one seed."""
        return x.unflatten(0, (self.seeds, self.config.batch_size)) if self.seeds > 1 else x

    def _next_batch(self) -> torch.Tensor:
        return self._per_seed(self.data[self._next_indices()])

    def _noise(self) -> torch.Tensor:
        c = self.config
        return self._per_seed(sample_noise(self.seeds * c.batch_size, c.noise_dim, c.noise, self.device))

    def _set_schedules(self) -> None:
        """The learning rates of this iteration and the momentum of this epoch, written into the optimisers
        (into their device tensors with SGD, only when a value changes)."""
        c = self.config
        values = (learning_rate_at(self.iteration, c.lr_d, c.lr_decay, c.lr_min),
                  learning_rate_at(self.iteration, c.lr_g, c.lr_decay, c.lr_min),
                  momentum_at(self.epoch, c.momentum_start, c.momentum_end, c.momentum_saturate_epoch))
        if values == self._schedule_cache:
            return
        self._schedule_cache = values
        for opt, lr in ((self.opt_d, values[0]), (self.opt_g, values[1])):
            for group in opt.param_groups:
                if c.optimizer == "sgd":
                    group["lr"].fill_(_in_float32_range(lr))
                    group["momentum"].fill_(values[2])
                else:
                    group["lr"] = lr

    def _apply(self, opt: torch.optim.Optimizer, net: nn.Module, loss: torch.Tensor, retain: bool = False) -> None:
        """One optimiser step of `net` on `loss`. The loss is scaled by the number of seeds, so that each
        seed of a stack gets the gradient of its own mean loss (exact: times 1 for one seed)."""
        params = [p for p in net.parameters() if p.requires_grad]
        grads = torch.autograd.grad(loss * self.seeds, params, retain_graph=retain)
        self._step_with(opt, params, grads)

    @staticmethod
    def _step_with(opt: torch.optim.Optimizer, params: list[nn.Parameter], grads: tuple[torch.Tensor, ...]) -> None:
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()

    def _discriminate(self, x: torch.Tensor) -> torch.Tensor:
        """D's logits, after instance noise (Sønderby et al., 2017) when the config asks for it."""
        if self.config.instance_noise > 0:
            x = x + self.config.instance_noise * torch.randn_like(x)
        return self.D(x)

    def _d_losses(self, x: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """D's loss and its logits on a minibatch of data (the next one unless given) and one of noise."""
        x = self._next_batch() if x is None else x
        z = self._noise()
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

    def _alternating(self) -> None:
        """Algorithm 1 as printed: k steps of D, then one of G."""
        for _ in range(self.config.k):
            d_loss, real, fake = self.discriminator_step()
        g_loss = self.generator_step()
        self._record(d_loss, g_loss, real, fake)

    def _simultaneous(self) -> None:
        """The authors' update, on the minibatch gathered into self._x: both losses from one pass of D (same
        fake batch, same dropout masks), both gradients taken before either net moves."""
        d_loss, real, fake = self._d_losses(self._per_seed(self._x))
        g_loss = generator_loss(fake, self.config.generator_loss)
        params_g = [p for p in self.G.parameters() if p.requires_grad]
        grads_g = torch.autograd.grad(g_loss * self.seeds, params_g, retain_graph=True)
        self._apply(self.opt_d, self.D, d_loss)
        self._step_with(self.opt_g, params_g, grads_g)
        self._record(d_loss, g_loss, real, fake)

    @torch.no_grad()
    def _record(self, d_loss: torch.Tensor, g_loss: torch.Tensor, real: torch.Tensor, fake: torch.Tensor) -> None:
        self._stats.copy_(torch.stack([d_loss, g_loss, torch.sigmoid(real).mean(), torch.sigmoid(fake).mean()]))

    def _run_simultaneous(self) -> None:
        """The simultaneous step, eagerly, or replayed from a CUDA graph captured after `warmup` eager steps."""
        if not self.graph:
            return self._simultaneous()
        if self._cuda_graph is None and self._eager_steps >= self.warmup:
            self._cuda_graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(self._cuda_graph):  # records the step; runs nothing
                self._simultaneous()
        if self._cuda_graph is not None:
            return self._cuda_graph.replay()
        side = torch.cuda.Stream(self.device)  # warm-up off the default stream, as capture requires
        side.wait_stream(torch.cuda.current_stream(self.device))
        with torch.cuda.stream(side):
            self._simultaneous()
        torch.cuda.current_stream(self.device).wait_stream(side)
        self._eager_steps += 1

    def step(self) -> None:
        """One outer iteration of Algorithm 1 (or one simultaneous update)."""
        self._set_schedules()
        if self.config.update == "simultaneous":
            torch.index_select(self.data, 0, self._next_indices(), out=self._x)
            self._run_simultaneous()
        else:
            self._alternating()
        self.iteration += 1
        self._pending.append(self._stats.clone())

    def sample(self, n: int = 10_000) -> torch.Tensor:
        """n samples of G (eval mode, fresh noise of the configured kind, one draw), on the CPU."""
        c = self.config
        return generate(self.G, n, c.noise_dim, c.noise, batch_size=None).cpu()

    def unstack(self) -> list[tuple[nn.Module, nn.Module]]:
        """(G, D) of every seed as single-run networks on the CPU, e.g. for sampling or a Parzen estimate."""
        if self.templates is None:
            raise ValueError("unstack needs a Trainer built from lists of networks (one pair per seed)")
        # Copied out slice by slice: moving the stacked networks would re-allocate the parameters that a
        # captured CUDA graph reads.
        return [(unstack_module(self.G, self.templates[0], s), unstack_module(self.D, self.templates[1], s))
                for s in range(self.seeds)]

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
        if checkpoint_every is not None:
            _check_int("checkpoint_every", checkpoint_every, 1)
        every = checkpoint_every or self.config.log_every
        self.G.train()
        self.D.train()
        with tqdm(total=until, initial=self.iteration, disable=not progress, desc="Algorithm 1") as bar:
            while self.iteration < until:
                self.step()
                if self.iteration % self.config.log_every == 0 or self.iteration == until:
                    self._flush_keeping(checkpoint)
                    bar.update(self.iteration - bar.n)
                    bar.set_postfix(d_loss=self.history["d_loss"][-1], g_loss=self.history["g_loss"][-1])
                    if callback is not None:
                        callback(self)
                if checkpoint is not None and (self.iteration % every == 0 or self.iteration == until):
                    self._flush_keeping(checkpoint)
                    self.save(checkpoint)
        return self.history

    def _flush_keeping(self, checkpoint: str | os.PathLike | None) -> None:
        """flush, a divergence saying that the last good checkpoint is kept, where there is one."""
        try:
            self.flush()
        except TrainingDiverged as exc:
            if checkpoint is not None and Path(checkpoint).exists():
                raise TrainingDiverged(f"{exc}; the last good checkpoint is kept at {checkpoint}") from None
            raise

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
            "identity": self.identity(),
        }

    def identity(self) -> dict:
        """What made this run: the experiment's name, the data's identity and the ganlib version."""
        if self._data_identity is None:
            self._data_identity = data_identity(self.data)
        return {"experiment": self.experiment, "data": self._data_identity, "ganlib": ganlib_version()}

    def check_state(self, state: dict) -> None:
        """Raise CheckpointMismatch, naming both sides, unless `state` was made by this experiment, on this data,
        with this configuration (iterations aside). What a checkpoint does not record (those written before
        the identity was) is taken as unknown and accepted; the ganlib version is recorded, not compared."""
        saved, mine = state.get("identity") or {}, self.identity()
        differ = [key for key in ("experiment", "data") if saved.get(key) is not None and mine[key] is not None
                  and saved[key] != mine[key]]
        perm, n = state["perm"], len(self.data)
        if not differ and perm is not None and tuple(perm.shape) != ((n,) if self.seeds == 1 else (self.seeds, n)):
            raise CheckpointMismatch(f"checkpoint was made on data of {perm.shape[-1]} samples (its permutation "
                                     f"has shape {tuple(perm.shape)}), not on this run's {_describe(mine)}: "
                                     f"resume it with the data that made it, or start over")
        if differ:
            raise CheckpointMismatch(f"checkpoint was made by {_describe(saved)}, not by this run's "
                                     f"{_describe(mine)}: resume it with the {' and '.join(differ)} that made it, "
                                     f"or start over")
        given = dataclasses.asdict(self.config)
        made = dict(state["config"], iterations=self.config.iterations)
        made["adam_betas"] = tuple(made["adam_betas"])
        if made != given:
            diff = {k: (made.get(k), given[k]) for k in given if made.get(k) != given[k]}
            raise CheckpointMismatch(f"checkpoint was made with another configuration (saved, given): {diff}")

    def load_state_dict(self, state: dict) -> None:
        """Resume from `state` (Trainer.state_dict()), after check_state; nothing is changed if that refuses."""
        self.check_state(state)
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self._prepare_optimizers()  # loading replaced the tensors the step (and a captured graph) reads
        self.iteration, self.batches_seen = state["iteration"], state["batches_seen"]
        self.perm = None if state["perm"] is None else state["perm"].to(self.device)
        self.history = {k: list(v) for k, v in state["history"].items()}
        torch.set_rng_state(state["rng_cpu"].cpu())
        if state["rng_cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all([s.cpu() for s in state["rng_cuda"]])

    def save(self, path: str | os.PathLike) -> Path:
        return save_atomic(self.state_dict(), path)

    def load(self, path: str | os.PathLike) -> None:
        """Resume from a checkpoint file; CheckpointError if it is damaged or not a Trainer's."""
        state = load_checkpoint(path, map_location=self.device)
        missing = [key for key in STATE_KEYS if key not in state] if isinstance(state, dict) else list(STATE_KEYS)
        if missing:
            raise CheckpointError(f"{path} is not a Trainer checkpoint (it lacks {', '.join(missing)}); {START_OVER}")
        self.load_state_dict(state)


def same_training(a: Trainer, b: Trainer) -> bool:
    """True when two trainers hold bit-identical parameters (G and D) and logged statistics."""
    a.flush(), b.flush()
    pairs = zip((*a.G.state_dict().values(), *a.D.state_dict().values()),
                (*b.G.state_dict().values(), *b.D.state_dict().values()))
    return all(torch.equal(x.cpu(), y.cpu()) for x, y in pairs) and a.history == b.history


def train_generator_alone(trainer: Trainer, steps: int) -> list[float]:
    """The "Helvetica scenario" of the paper's Section 6: `steps` generator updates with D frozen.

    Each update is Algorithm 1's lines 7-8 (trainer.generator_step, the trainer's own generator loss and
    optimiser); D gets no update, so G drifts towards the few points D currently rates most real and
    "collapses too many values of z to the same value of x". The iteration counter and the schedules do
    not move. Returns G's loss after each update; raises if it stops being finite.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    losses = torch.stack([trainer.generator_step().detach() for _ in range(steps)]).cpu()
    if not torch.isfinite(losses).all():
        bad = int((~torch.isfinite(losses)).nonzero()[0])
        raise TrainingDiverged(f"the generator's loss stopped being finite at update {bad + 1} of {steps} with D frozen")
    return losses.tolist()
