"""Figures the chapters share. Each function draws on a given matplotlib Axes and returns it."""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from torch import nn

from .noise import sample_noise
from .theory import histogram_masses, optimal_discriminator
from .toys import GaussianMixture

DATA_COLOR, G_COLOR, D_COLOR, DSTAR_COLOR = "black", "tab:green", "tab:blue", "tab:purple"


@torch.no_grad()
def snapshot_1d(p_data: GaussianMixture, G: nn.Module, D: nn.Module, edges: torch.Tensor,
                noise: str = "uniform", n: int = 100_000) -> dict[str, torch.Tensor]:
    """Densities and discriminators of a 1-D GAN on the bins of `edges` (all float64, on the CPU).

    p_g is the histogram of n samples of G; D*_G = p_data / (p_data + p_g) uses that histogram.
    """
    device = next(G.parameters()).device
    was_training = D.training
    D.eval()
    centres = (edges[1:] + edges[:-1]) / 2
    width = edges[1] - edges[0]
    samples = G(sample_noise(n, 1, noise, device)).cpu()
    p_g = histogram_masses(samples, edges)[:-1] / width
    p = p_data.pdf(centres.double())
    d = torch.sigmoid(D(centres.float().to(device)[:, None])).double().cpu()
    D.train(was_training)
    return {"x": centres.double(), "p_data": p, "p_g": p_g, "D": d, "D_star": optimal_discriminator(p, p_g)}


def plot_1d_gan(ax: plt.Axes, snap: dict[str, torch.Tensor], title: str | None = None) -> plt.Axes:
    """p_data (black dots), p_g (green), D (blue dashes) and D*_G (purple), as in the paper's Figure 1."""
    x = snap["x"].numpy()
    ax.plot(x[::4], snap["p_data"].numpy()[::4], ".", color=DATA_COLOR, ms=3, label=r"$p_{data}$")
    ax.plot(x, snap["p_g"].numpy(), "-", color=G_COLOR, label=r"$p_g$ (histogram of $G(z)$)")
    ax.plot(x, snap["D"].numpy(), "--", color=D_COLOR, label=r"$D(x)$")
    ax.plot(x, snap["D_star"].numpy(), ":", color=DSTAR_COLOR, label=r"$D^*_G(x)$")
    ax.set_xlabel("x")
    ax.set_ylim(-0.02, max(1.05, float(snap["p_data"].max()) * 1.1))
    if title:
        ax.set_title(title)
    return ax


def plot_curve(ax: plt.Axes, steps: list[float], values: list[float], label: str, log: bool = False,
               reference: float | None = None, reference_label: str | None = None) -> plt.Axes:
    """A training curve, optionally on a log axis, with an optional horizontal reference line."""
    ax.plot(steps, values, label=label)
    if reference is not None:
        ax.axhline(reference, color="grey", lw=0.8, ls="--", label=reference_label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.legend(frameon=False)
    return ax


def plot_image_grid(ax: plt.Axes, images: torch.Tensor, rows: int, cols: int, side: int = 28,
                    highlight_last_column: bool = False, title: str | None = None) -> plt.Axes:
    """rows x cols images of side x side pixels (row-major), tiled with a one-pixel gap; the last column can be
    framed in yellow, as the nearest training examples of Figure 2."""
    if len(images) != rows * cols:
        raise ValueError(f"need rows * cols = {rows * cols} images, got {len(images)}")
    tiles = images.detach().cpu().reshape(rows, cols, side, side)
    canvas = torch.ones(rows * (side + 1) + 1, cols * (side + 1) + 1)
    for r in range(rows):
        for c in range(cols):
            canvas[1 + r * (side + 1):(r + 1) * (side + 1), 1 + c * (side + 1):(c + 1) * (side + 1)] = tiles[r, c]
    ax.imshow(canvas.numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    if highlight_last_column:
        x0 = (cols - 1) * (side + 1) + 0.5
        ax.add_patch(plt.Rectangle((x0, 0.5), side, rows * (side + 1) - 1, fill=False, ec="gold", lw=2))
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax
