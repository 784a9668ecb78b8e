"""Autoencoders on MNIST: a learned code, reconstructions, denoising, and why they are not samplers.

An autoencoder maps x to a code h = f(x) and back to r = g(h), trained to make r close to x. For pixels
in [0, 1] the reconstruction loss is the binary cross-entropy summed over the 784 pixels (the negative
log-likelihood of x under independent Bernoulli pixels with means r). A denoising autoencoder (Vincent
et al., 2008) reconstructs the clean x from a corrupted copy x~, e.g. with a random share of the pixels
set to zero ("masking" noise). Data are whole tensors indexed in place: no DataLoader.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ganlib.core.device import seed_everything
from ganlib.core.estimates import mean_and_error

CORRUPTIONS = ("none", "masking", "gaussian")


class Autoencoder(nn.Module):
    """f: 784 -> hidden ReLU -> latent (linear);  g: latent -> hidden ReLU -> 784 logits (sigmoid in `decode`)."""

    def __init__(self, latent: int = 32, hidden: int = 256, in_features: int = 784) -> None:
        super().__init__()
        for name, value in (("latent", latent), ("hidden", hidden), ("in_features", in_features)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        self.latent = latent
        self.encoder = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, latent))
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, in_features))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode_logits(self, h: torch.Tensor) -> torch.Tensor:
        return self.decoder(h)

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        """r = g(h), pixel intensities in (0, 1)."""
        return torch.sigmoid(self.decoder(h))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def corrupt(x: torch.Tensor, kind: str = "masking", level: float = 0.3,
            generator: torch.Generator | None = None) -> torch.Tensor:
    """x~ ~ q(x~ | x): "masking" zeroes each pixel with probability `level` (Vincent et al., 2008, Section 2.3);
    "gaussian" adds N(0, level^2) noise and clips to [0, 1]; "none" returns x."""
    if kind not in CORRUPTIONS:
        raise ValueError(f"kind must be one of {CORRUPTIONS}, got {kind!r}")
    if kind == "none":
        return x
    if kind == "masking":
        if not 0 <= level <= 1:
            raise ValueError(f"level must lie in [0, 1] for masking noise, got {level!r}")
        keep = torch.rand(x.shape, generator=generator, device=x.device) >= level
        return x * keep
    if level < 0:
        raise ValueError(f"level must be >= 0, got {level!r}")
    return (x + level * torch.randn(x.shape, generator=generator, device=x.device)).clamp(0, 1)


def reconstruction_loss(model: Autoencoder, x: torch.Tensor, target: torch.Tensor | None = None) -> torch.Tensor:
    """Mean over images of the pixel-summed binary cross-entropy between target (default x) and g(f(x))."""
    target = x if target is None else target
    logits = model.decode_logits(model.encode(x))
    return F.binary_cross_entropy_with_logits(logits, target, reduction="sum") / len(x)


def train_autoencoder(model: Autoencoder, images: torch.Tensor, epochs: int = 5, batch_size: int = 128,
                      lr: float = 1e-3, corruption: str = "none", level: float = 0.3,
                      seed: int = 0) -> list[float]:
    """Adam on `reconstruction_loss`, corrupting each minibatch's input when `corruption` is not "none".

    Returns the mean training loss of every epoch; leaves the model in eval mode.
    """
    if images.ndim != 2:
        raise ValueError(f"images must have shape (N, features), got {tuple(images.shape)}")
    if corruption not in CORRUPTIONS:
        raise ValueError(f"corruption must be one of {CORRUPTIONS}, got {corruption!r}")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    seed_everything(seed)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        perm = torch.randperm(len(images), device=images.device)
        total = torch.zeros((), device=images.device)
        for start in range(0, len(images), batch_size):
            clean = images[perm[start:start + batch_size]]
            loss = reconstruction_loss(model, corrupt(clean, corruption, level), clean)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.detach() * len(clean)
        losses.append(total.item() / len(images))
    return losses


@torch.no_grad()
def encode(model: Autoencoder, images: torch.Tensor, batch_size: int = 5000) -> torch.Tensor:
    """The codes f(x) of many images, in batches."""
    model.eval()
    return torch.cat([model.encode(images[i:i + batch_size]) for i in range(0, len(images), batch_size)])


@torch.no_grad()
def reconstruct(model: Autoencoder, images: torch.Tensor, batch_size: int = 5000) -> torch.Tensor:
    """g(f(x)) of many images, in batches."""
    model.eval()
    return torch.cat([model(images[i:i + batch_size]) for i in range(0, len(images), batch_size)])


@torch.no_grad()
def reconstruction_error(model: Autoencoder, images: torch.Tensor, batch_size: int = 5000) -> torch.Tensor:
    """Per-image squared error |x - g(f(x))|^2 summed over pixels, shape (N,): the anomaly score."""
    return ((images - reconstruct(model, images, batch_size)) ** 2).sum(1)


def fit_gaussian(codes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and (biased) covariance of a set of codes: the simplest guess at a distribution to sample h from."""
    if codes.ndim != 2 or len(codes) < 2:
        raise ValueError(f"codes must have shape (N >= 2, latent), got {tuple(codes.shape)}")
    mean = codes.mean(0)
    centred = codes - mean
    return mean, centred.T @ centred / len(codes)


def sample_codes(mean: torch.Tensor, covariance: torch.Tensor, n: int,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """n codes from N(mean, covariance) (a small jitter keeps the Cholesky factor defined)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    d = len(mean)
    cov = covariance.double() + 1e-9 * torch.eye(d, dtype=torch.float64, device=covariance.device)
    chol = torch.linalg.cholesky(cov)
    eps = torch.randn(n, d, generator=generator, dtype=torch.float64).to(mean.device)
    return (mean.double() + eps @ chol.T).to(mean.dtype)


@torch.no_grad()
def decode(model: Autoencoder, codes: torch.Tensor, batch_size: int = 5000) -> torch.Tensor:
    """g(h) of many codes, in batches."""
    model.eval()
    return torch.cat([model.decode(codes[i:i + batch_size]) for i in range(0, len(codes), batch_size)])


def mean_difference(a: torch.Tensor, b: torch.Tensor, paired: bool = False) -> tuple[float, float]:
    """mean(a) - mean(b) and its standard error: from a - b when the items are paired (the same test images),
    else sqrt(se_a^2 + se_b^2) for independent samples."""
    a = torch.as_tensor(a, dtype=torch.float64).flatten().cpu()
    b = torch.as_tensor(b, dtype=torch.float64).flatten().cpu()
    if min(len(a), len(b)) < 2 or (paired and a.shape != b.shape):
        raise ValueError(f"need at least 2 values each (and equal shapes when paired), got {len(a)} and {len(b)}")
    if paired:
        return mean_and_error(a - b)
    (ma, sa), (mb, sb) = mean_and_error(a), mean_and_error(b)
    return ma - mb, math.hypot(sa, sb)
