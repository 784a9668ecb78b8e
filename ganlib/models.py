"""The paper's MNIST networks (paper-facts.md, mnist.yaml) and small MLPs for the toys.

Every discriminator returns a logit l, with D(x) = sigmoid(l); losses.py works on logits.
"""
from __future__ import annotations

import torch
from torch import nn


class Maxout(nn.Module):
    """Maxout layer (Goodfellow et al., 2013): the max over `pieces` affine maps, `units` outputs."""

    def __init__(self, in_features: int, units: int, pieces: int) -> None:
        super().__init__()
        self.units, self.pieces = units, pieces
        self.linear = nn.Linear(in_features, units * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).unflatten(-1, (self.units, self.pieces)).amax(dim=-1)  # any leading dims


def _uniform_init(module: nn.Module, irange: float) -> None:
    """pylearn2's `irange`: weights uniform on [-irange, irange], biases zero."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.uniform_(layer.weight, -irange, irange)
            nn.init.zeros_(layer.bias)


class MNISTGenerator(nn.Module):
    """G for MNIST: z (100) -> 1200 ReLU -> 1200 ReLU -> 784 sigmoid (Section 5; mnist.yaml).

    Weights uniform in [-0.05, 0.05]; the output bias is the logit of each pixel's training-set mean,
    so the untrained G already outputs the average digit. No dropout.
    """

    def __init__(self, noise_dim: int = 100, hidden: int = 1200, out_features: int = 784,
                 irange: float = 0.05, pixel_means: torch.Tensor | None = None) -> None:
        super().__init__()
        self.noise_dim = noise_dim
        self.net = nn.Sequential(
            nn.Linear(noise_dim, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, out_features),
        )
        _uniform_init(self, irange)
        if pixel_means is not None:
            set_output_bias_from_means(self.net[-1], pixel_means)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(z))


def set_output_bias_from_means(layer: nn.Linear, pixel_means: torch.Tensor, eps: float = 1e-7) -> None:
    """Bias = logit(mean clipped to [eps, 1 - eps]), as pylearn2's init_bias_target_marginals."""
    if pixel_means.shape != layer.bias.shape:
        raise ValueError(f"pixel_means must have shape {tuple(layer.bias.shape)}, got {tuple(pixel_means.shape)}")
    with torch.no_grad():
        layer.bias.copy_(torch.logit(pixel_means.clamp(eps, 1 - eps)))


class MaxoutDiscriminator(nn.Module):
    """D for MNIST: maxout 240x5 -> maxout 240x5 -> 1 sigmoid, returning the logit.

    Inverted dropout on the input of every layer: keep 0.8 on the pixels, 0.5 before the second maxout
    layer and before the output unit. Weights uniform in [-0.005, 0.005].
    """

    def __init__(self, in_features: int = 784, units: int = 240, pieces: int = 5,
                 keep: tuple[float, float, float] = (0.8, 0.5, 0.5), irange: float = 0.005) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Dropout(1 - keep[0]), Maxout(in_features, units, pieces),
            nn.Dropout(1 - keep[1]), Maxout(units, units, pieces),
            nn.Dropout(1 - keep[2]), nn.Linear(units, 1),
        )
        _uniform_init(self, irange)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


class MLP(nn.Module):
    """A plain fully connected network for the toy problems (G maps z to x; D returns a logit)."""

    def __init__(self, in_features: int, out_features: int, hidden: int = 32, layers: int = 2,
                 activation: type[nn.Module] = nn.LeakyReLU, squeeze: bool = False) -> None:
        super().__init__()
        dims = [in_features] + [hidden] * layers
        blocks: list[nn.Module] = []
        for a, b in zip(dims[:-1], dims[1:]):
            blocks += [nn.Linear(a, b), activation()]
        self.net = nn.Sequential(*blocks, nn.Linear(dims[-1], out_features))
        self.squeeze = squeeze

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(x)
        return out.squeeze(-1) if self.squeeze else out
