"""Figures the chapters share: each plot_* function draws on a given matplotlib Axes and returns it; `tile_images`
is the one image tiling behind every grid of samples."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from ganlib.core.noise import sample_noise
from ganlib.core.sampling import eval_mode
from ganlib.data.toys import GaussianMixture
from ganlib.theory.optimal_d import optimal_discriminator
from ganlib.theory.pushforward import histogram_masses

DATA_COLOR, G_COLOR, D_COLOR, DSTAR_COLOR = "black", "tab:green", "tab:blue", "tab:purple"


@torch.no_grad()
def snapshot_1d(p_data: GaussianMixture, G: nn.Module, D: nn.Module, edges: torch.Tensor,
                noise: str = "uniform", n: int = 100_000) -> dict[str, torch.Tensor]:
    """Densities and discriminators of a 1-D GAN on the bins of `edges` (all float64, on the CPU).

    p_g is the histogram of n samples of G; D*_G = p_data / (p_data + p_g) uses that histogram.
    """
    device = next(G.parameters()).device
    centres = (edges[1:] + edges[:-1]) / 2
    width = edges[1] - edges[0]
    with eval_mode(D):
        samples = G(sample_noise(n, 1, noise, device)).cpu()
        p_g = histogram_masses(samples, edges)[:-1] / width
        p = p_data.pdf(centres.double())
        d = torch.sigmoid(D(centres.float().to(device)[:, None])).double().cpu()
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


def tile_images(images: torch.Tensor, rows: int, cols: int, gap: float = 1.0, border: bool = False) -> np.ndarray:
    """rows x cols images (row-major), flat (N, side*side) or (N, C, H, W), tiled into one array for imshow
    with one-pixel gaps of value `gap` (and a frame of the same width with `border`): (H', W') for one
    channel, (H', W', C) for several."""
    if len(images) != rows * cols:
        raise ValueError(f"need rows * cols = {rows * cols} images, got {len(images)}")
    x = images.detach().cpu().float()
    if x.ndim == 2:
        side = math.isqrt(x.shape[1])
        if side * side != x.shape[1]:
            raise ValueError(f"flat images must be square, got {x.shape[1]} pixels")
        x = x.view(-1, 1, side, side)
    if x.ndim != 4:
        raise ValueError(f"images must be (N, side*side) or (N, C, H, W), got {tuple(images.shape)}")
    _, c, h, w = x.shape
    edge = 1 if border else 0
    grid = torch.full((c, rows * (h + 1) - 1 + 2 * edge, cols * (w + 1) - 1 + 2 * edge), float(gap))
    for k in range(len(x)):
        r, col = divmod(k, cols)
        top, left = edge + r * (h + 1), edge + col * (w + 1)
        grid[:, top:top + h, left:left + w] = x[k]
    return grid.permute(1, 2, 0).squeeze(-1).numpy()


def plot_image_grid(ax: plt.Axes, images: torch.Tensor, rows: int, cols: int,
                    highlight_last_column: bool = False, title: str | None = None) -> plt.Axes:
    """rows x cols square grey images (row-major), tiled with one-pixel gaps; the last column can be framed in
    yellow, as the nearest training examples of Figure 2."""
    canvas = tile_images(images, rows, cols, border=True)
    side = math.isqrt(images[0].numel())
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    if highlight_last_column:
        x0 = (cols - 1) * (side + 1) + 0.5
        ax.add_patch(plt.Rectangle((x0, 0.5), side, rows * (side + 1) - 1, fill=False, ec="gold", lw=2))
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def plot_image_rows(ax: plt.Axes, rows: list[torch.Tensor], labels: list[str]) -> plt.Axes:
    """Draw rows of flat square images of one shape (white digits on black), each row named on the left."""
    if len(labels) != len(rows):
        raise ValueError(f"labels must name every row: {len(rows)} rows, {len(labels)} labels")
    if not rows or any(r.ndim != 2 or r.shape != rows[0].shape for r in rows):
        raise ValueError("rows must be a non-empty list of tensors of one shape (n, side*side)")
    side = math.isqrt(rows[0].shape[1])
    ax.imshow(tile_images(torch.cat(rows), len(rows), len(rows[0])), cmap="gray", vmin=0, vmax=1,
              interpolation="nearest")
    ax.set_yticks([i * (side + 1) + side / 2 for i in range(len(rows))], labels)
    ax.set_xticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax
