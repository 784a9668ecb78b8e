"""Named configurations: the networks, the data and the TrainConfig of each run the book makes.

`build(name, ...)` returns a ready Trainer, so a notebook, a test and `python -m ganlib train NAME` all start
the same run the same way.
"""
from __future__ import annotations

import os
from typing import Any, Callable

import torch

from .device import default_device, seed_everything
from .models import MLP, MaxoutDiscriminator, MNISTGenerator
from .mnist import load_mnist, mnist_subset
from .toys import gaussian_1d
from .training import Trainer, TrainConfig

TOY_1D = gaussian_1d(mean=4.0, std=0.5)


def toy1d(config: TrainConfig, device: torch.device, data_dir: str | os.PathLike | None = None) -> Trainer:
    """Figure 1's setting: p_data = N(4, 0.5^2), z uniform in 1-D, small MLPs for G and D."""
    seed_everything(config.seed)
    data = TOY_1D.sample(20_000, generator=torch.Generator().manual_seed(config.seed))
    G, D = MLP(config.noise_dim, 1, hidden=16), MLP(1, 1, hidden=16, squeeze=True)
    return Trainer(G, D, data, config, device)


def toy1d_config(**overrides: Any) -> TrainConfig:
    base = dict(iterations=2000, batch_size=128, noise_dim=1, optimizer="sgd", lr_d=0.05, lr_g=0.05,
                lr_decay=1.0, momentum_start=0.5, momentum_end=0.5, log_every=100)
    return TrainConfig(**{**base, **overrides})


def mnist(config: TrainConfig, device: torch.device, data_dir: str | os.PathLike | None = None,
          subset: bool = False) -> Trainer:
    """The authors' MNIST run (mnist.yaml): train[0:50000], maxout D, output bias from pixel means."""
    seed_everything(config.seed)
    images = mnist_subset()[0] if subset else load_mnist("train", data_dir)[0]
    if images.ndim != 2 or images.shape[1] != 784:  # else the pixel means would give G a wrong output bias
        raise ValueError(f"MNIST images must have shape (N, 784), one flattened 28x28 image per row, "
                         f"got {tuple(images.shape)}")
    G = MNISTGenerator(config.noise_dim, pixel_means=images.mean(0))
    D = MaxoutDiscriminator()
    return Trainer(G, D, images, config, device)


def mnist_config(**overrides: Any) -> TrainConfig:
    """mnist.yaml: batch 100, lr 0.1 both nets, momentum 0.5 -> 0.7 by epoch 250, lr / 1.000004 per
    minibatch, simultaneous updates, non-saturating G loss, D loss halved, 100-d uniform noise."""
    base = dict(iterations=500 * 250, batch_size=100, update="simultaneous", generator_loss="non_saturating",
                optimizer="sgd", lr_d=0.1, lr_g=0.1, d_loss_scale=0.5, noise="uniform", noise_dim=100)
    return TrainConfig(**{**base, **overrides})


def _registry() -> dict[str, tuple[Callable[..., Trainer], Callable[..., TrainConfig]]]:
    from .cifar10 import cifar10_conv, cifar10_conv_config, cifar10_fc, cifar10_fc_config
    from .olivetti import faces, faces_config

    return {
        "toy1d": (toy1d, toy1d_config),
        "mnist": (mnist, mnist_config),
        "mnist-subset": (lambda c, d, data_dir=None: mnist(c, d, data_dir, subset=True), mnist_config),
        "faces": (faces, faces_config),
        "cifar10-fc": (cifar10_fc, cifar10_fc_config),
        "cifar10-conv": (cifar10_conv, cifar10_conv_config),
    }


EXPERIMENTS = _registry()


def build(name: str, device: torch.device | str | None = None, data_dir: str | os.PathLike | None = None,
          **overrides: Any) -> Trainer:
    """A Trainer for the named experiment, with TrainConfig fields overridden by keyword."""
    if name not in EXPERIMENTS:
        raise ValueError(f"experiment must be one of {tuple(EXPERIMENTS)}, got {name!r}")
    make, config = EXPERIMENTS[name]
    device = torch.device(device) if device is not None else default_device()
    return make(config(**overrides), device, data_dir)
