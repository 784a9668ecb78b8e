"""The authors' simultaneous update (Trainer.step) made fast on a GPU, with the same results.

`Trainer` is the readable path the chapters show. `FastTrainer` runs the same iteration, in the same order
of random draws, with four changes that do not alter any number:
- the learning rates and the momentum live in device tensors, filled from the same schedules
  (`learning_rate_at`, `momentum_at`), so the step holds no Python number a CUDA graph would freeze;
- the minibatch is gathered by index into a fixed buffer before the step (`torch.index_select(..., out=)`);
- classical momentum (pylearn2's rule, as `ClassicalMomentum`) is three foreach calls on the optimiser's own
  velocity tensors, so checkpoints pass freely between the two trainers;
- on CUDA, after a few eager warm-up steps, the step (noise, the D and G passes, both gradients, both
  updates, the statistics) is captured once as a CUDA graph and replayed: one launch per iteration instead
  of a few hundred, which is what a network this small at batch 100 is bound by.
`tests/test_fasttrain.py` checks on the CPU that both trainers end with the same parameters.
"""
from __future__ import annotations

import torch
from torch import nn

from .losses import discriminator_loss, generator_loss
from .training import Trainer, TrainConfig


class FastTrainer(Trainer):
    """Trainer for `update="simultaneous"` with SGD and classical momentum (the authors' MNIST run).

    graph: capture the step as a CUDA graph (default: on CUDA devices); warmup: eager steps before capture.
    """

    seeds = 1  # independent runs trained at once; EnsembleTrainer sets more

    def __init__(self, G: nn.Module, D: nn.Module, data: torch.Tensor, config: TrainConfig,
                 device: torch.device | str | None = None, graph: bool | None = None, warmup: int = 3) -> None:
        if config.update != "simultaneous" or config.optimizer != "sgd":
            raise ValueError("FastTrainer runs update='simultaneous' with optimizer='sgd' (the authors' MNIST "
                             f"step); got update={config.update!r}, optimizer={config.optimizer!r}")
        super().__init__(G, D, data, config, device)
        self.graph = self.device.type == "cuda" if graph is None else graph
        if self.graph and self.device.type != "cuda":
            raise ValueError(f"graph=True needs a CUDA device, got {self.device}")
        if not isinstance(warmup, int) or warmup < 1:
            raise ValueError(f"warmup must be an integer >= 1, got {warmup!r}")
        self.warmup = warmup
        self._x = torch.empty((self.seeds * config.batch_size, *self.data.shape[1:]), dtype=self.data.dtype,
                              device=self.device)
        self._lr = {id(opt): torch.zeros((), device=self.device) for opt in (self.opt_d, self.opt_g)}
        self._momentum = torch.zeros((), device=self.device)
        self._stats = torch.zeros(4, device=self.device)
        self._schedule_cache: tuple[float, ...] | None = None
        self._cuda_graph: torch.cuda.CUDAGraph | None = None
        self._eager_steps = 0
        self._link_velocities()

    # --- state the step reads from fixed addresses -------------------------------------------------
    def _link_velocities(self) -> None:
        """Create the velocities up front (ClassicalMomentum makes them lazily) and drop any captured graph."""
        for opt in (self.opt_d, self.opt_g):
            for p in opt.param_groups[0]["params"]:
                opt.state[p].setdefault("velocity", torch.zeros_like(p))
        self._cuda_graph, self._eager_steps = None, 0

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self._link_velocities()  # loading replaced the velocity tensors a graph would point at

    def _fill_schedules(self) -> None:
        """Trainer's schedules (same floats), copied into the device tensors only when they change."""
        self._set_schedules()
        values = (self.opt_d.param_groups[0]["lr"], self.opt_g.param_groups[0]["lr"],
                  self.opt_d.param_groups[0]["momentum"])
        if values != self._schedule_cache:
            self._lr[id(self.opt_d)].fill_(values[0])
            self._lr[id(self.opt_g)].fill_(values[1])
            self._momentum.fill_(values[2])
            self._schedule_cache = values

    def _gather_batch(self) -> None:
        torch.index_select(self.data, 0, self._next_indices(), out=self._x)

    # --- the step ----------------------------------------------------------------------------------
    @torch.no_grad()
    def _momentum_step(self, opt: torch.optim.Optimizer, grads: tuple[torch.Tensor, ...]) -> None:
        """v <- mu v - lr g; theta <- theta + v, with lr and mu read from device tensors."""
        params = opt.param_groups[0]["params"]
        velocities = [opt.state[p]["velocity"] for p in params]
        torch._foreach_mul_(velocities, self._momentum)
        torch._foreach_sub_(velocities, torch._foreach_mul(grads, self._lr[id(opt)]))
        torch._foreach_add_(params, velocities)

    def _body(self) -> None:
        """Trainer.step's simultaneous branch, on the gathered batch. Losses are scaled by the number of
        seeds so that each seed of an ensemble gets the gradient of its own mean loss."""
        c = self.config
        x = self._x.unflatten(0, (self.seeds, c.batch_size)) if self.seeds > 1 else self._x
        z = self._noise()  # drawn before D's dropout masks, as in Trainer._d_losses
        real, fake = self._discriminate(x), self._discriminate(self.G(z))
        d_loss = c.d_loss_scale * discriminator_loss(real, fake)
        g_loss = generator_loss(fake, c.generator_loss)
        grads_g = torch.autograd.grad(g_loss * self.seeds, list(self.G.parameters()), retain_graph=True)
        grads_d = torch.autograd.grad(d_loss * self.seeds, list(self.D.parameters()))
        self._momentum_step(self.opt_d, grads_d)
        self._momentum_step(self.opt_g, grads_g)
        self._stats.copy_(torch.stack([d_loss.detach(), g_loss.detach(),
                                       torch.sigmoid(real.detach()).mean(), torch.sigmoid(fake.detach()).mean()]))

    def _run_body(self) -> None:
        if not self.graph:
            return self._body()
        if self._cuda_graph is None and self._eager_steps >= self.warmup:
            self._cuda_graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(self._cuda_graph):  # records the step; runs nothing
                self._body()
        if self._cuda_graph is not None:
            return self._cuda_graph.replay()
        side = torch.cuda.Stream(self.device)  # warm-up off the default stream, as capture requires
        side.wait_stream(torch.cuda.current_stream(self.device))
        with torch.cuda.stream(side):
            self._body()
        torch.cuda.current_stream(self.device).wait_stream(side)
        self._eager_steps += 1

    def step(self) -> None:
        """One simultaneous update: same schedules, batch and random draws as Trainer.step."""
        self._fill_schedules()
        self._gather_batch()
        self._run_body()
        self.iteration += 1
        self._pending.append(self._stats.clone())


def make_fast(trainer: Trainer, graph: bool | None = None) -> FastTrainer:
    """A FastTrainer over the networks, data and configuration of a freshly built `trainer` (e.g. from
    experiments.build). Its optimiser state and counters are not carried over: to continue a run, save the
    Trainer's checkpoint and `load` it into the FastTrainer."""
    return FastTrainer(trainer.G, trainer.D, trainer.data, trainer.config, trainer.device, graph=graph)



def agrees_with_trainer(name: str = "mnist-subset", steps: int = 5, device: str = "cpu", **overrides) -> bool:
    """Run `steps` iterations of the named experiment with Trainer, then with FastTrainer (eager, no graph),
    from the same seed; True when every parameter and every logged statistic is bit-for-bit the same."""
    from .experiments import build

    def run(trainer: Trainer) -> Trainer:  # building seeds the generators, so each run follows its build
        for _ in range(steps):
            trainer.step()
        trainer.flush()
        return trainer

    options = {"update": "simultaneous", "log_every": steps, **overrides}
    plain = run(build(name, device, **options))
    fast = run(make_fast(build(name, device, **options), graph=False))
    same = all(torch.equal(a, b) for a, b in zip(plain.G.state_dict().values(), fast.G.state_dict().values()))
    same &= all(torch.equal(a, b) for a, b in zip(plain.D.state_dict().values(), fast.D.state_dict().values()))
    return same and plain.history == fast.history
