"""Figure 1 of the paper, regenerated from a real 1-D run of Algorithm 1.

The paper's Figure 1 shows p_data (black dots), p_g (green), D (blue dashes) and the map x = G(z) drawn as
arrows from a lower line (z, uniform) to an upper line (x). Its panels are (a) a pair near convergence,
(b) D trained towards D*_G with G fixed (the inner loop of Algorithm 1), (c) G updated against that D,
(d) the end point p_g = p_data, D = 1/2. This module builds the 1-D toys, runs those phases on a
`ganlib.core.trainer.Trainer` (built by `experiments.build("figure1")`), measures them, draws the panels and animates a whole run.
"""
from __future__ import annotations

import math
import re
from typing import Any

import matplotlib.pyplot as plt
import torch
from matplotlib.animation import FuncAnimation
from torch import nn

from ganlib.book.plotting import D_COLOR, DATA_COLOR, DSTAR_COLOR, G_COLOR, plot_curve, snapshot_1d
from ganlib.core.noise import noise_quantiles
from ganlib.core.sampling import eval_mode
from ganlib.core.trainer import Trainer
from ganlib.data.toys import GaussianMixture
from ganlib.experiments import TOY_1D
from ganlib.theory.divergences import LOG2
from ganlib.theory.pushforward import generator_jsd_1d

EDGES = torch.linspace(-2, 10, 241)  # the grid on which p_g, D*_G and the JSD are measured (bins of 0.05)
SQRT3 = math.sqrt(3.0)
XLIM = (1.0, 7.0)  # the part of the x line the panels show


def support(p_data: GaussianMixture = TOY_1D, width: float = 2.0) -> tuple[float, float]:
    """[mean - width * std, mean + width * std] of a single 1-D Gaussian: where D should be 1/2 at the end."""
    if p_data.dim != 1 or len(p_data.stds) != 1:
        raise ValueError("p_data must be a single 1-D Gaussian")
    if not width > 0:
        raise ValueError(f"width must be positive, got {width!r}")
    mean, std = float(p_data.means[0, 0]), float(p_data.stds[0])
    return mean - width * std, mean + width * std


# --- measurements ------------------------------------------------------------------------------------
@torch.no_grad()
def distance_from_half(D: nn.Module, lo: float, hi: float, n: int = 401) -> float:
    """mean |D(x) - 1/2| over n evenly spaced x in [lo, hi] (D returns logits): 0 at the equilibrium."""
    if not hi > lo:
        raise ValueError(f"hi must exceed lo, got lo={lo!r}, hi={hi!r}")
    if n < 2:
        raise ValueError(f"n must be >= 2, got {n!r}")
    x = torch.linspace(lo, hi, n, device=next(D.parameters()).device)[:, None]
    with eval_mode(D):
        d = torch.sigmoid(D(x)).double()
    return float((d - 0.5).abs().mean())


def distance_to_optimal(snap: dict[str, torch.Tensor]) -> float:
    """E_{x ~ m} |D(x) - D*_G(x)| with m = (p_data + p_g) / 2, on the bins of a `snapshot_1d`.

    Weighting by the mixture m counts only the x where D is trained at all (it sees samples of both).
    """
    m = (snap["p_data"] + snap["p_g"]) / 2
    if not m.sum() > 0:
        raise ValueError("snap has no mass on its grid")
    return float((m * (snap["D"] - snap["D_star"]).abs()).sum() / m.sum())


def jsd(trainer: Trainer, p_data: GaussianMixture = TOY_1D, n: int = 50_000) -> float:
    """JSD(p_data || p_g) of the trainer's generator on EDGES (ganlib.theory.generator_jsd_1d)."""
    return generator_jsd_1d(p_data, trainer.G, EDGES, trainer.config.noise, n)


# --- the phases of Figure 1 --------------------------------------------------------------------------
def discriminator_steps(trainer: Trainer, steps: int) -> None:
    """Panel (b): `steps` updates of D alone (Algorithm 1's inner loop, G fixed), each on fresh minibatches."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    for _ in range(steps):
        trainer.discriminator_step()


def generator_steps(trainer: Trainer, steps: int) -> None:
    """Panel (c): `steps` updates of G alone against the current D (Algorithm 1's generator update)."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    for _ in range(steps):
        trainer.generator_step()


# --- drawing -----------------------------------------------------------------------------------------
def z_display(z: torch.Tensor, xlim: tuple[float, float] = XLIM, margin: float = 0.1) -> torch.Tensor:
    """Where z sits on the drawn z line: the affine map of [-sqrt 3, sqrt 3] onto xlim less a margin each side."""
    lo, hi = xlim
    if not hi > lo or not 0 <= margin < 0.5:
        raise ValueError(f"xlim must be increasing and margin in [0, 0.5), got {xlim!r}, {margin!r}")
    a, b = lo + margin * (hi - lo), hi - margin * (hi - lo)
    return a + (torch.as_tensor(z, dtype=torch.float64) + SQRT3) / (2 * SQRT3) * (b - a)


@torch.no_grad()
def arrows(G: nn.Module, n: int = 21, noise: str = "uniform") -> tuple[torch.Tensor, torch.Tensor]:
    """(z_i, G(z_i)) for the n quantiles z_i = F^-1((i + 1/2)/n) of p_z: the arrows of the map x = G(z)."""
    z = noise_quantiles(n, noise, torch.float64)[:, 0]
    with eval_mode(G):
        x = G(z.float().to(next(G.parameters()).device)[:, None]).double().cpu().squeeze(-1)
    return z, x


def capture(trainer: Trainer, p_data: GaussianMixture = TOY_1D, n_arrows: int = 21) -> dict[str, Any]:
    """Everything a Figure 1 panel needs at this moment of a run, plus the JSD and D's distances."""
    snap = snapshot_1d(p_data, trainer.G, trainer.D, EDGES, trainer.config.noise)
    z, x = arrows(trainer.G, n_arrows, trainer.config.noise)
    lo, hi = support(p_data)
    return {"snap": snap, "z": z, "x": x, "iteration": trainer.iteration, "jsd": jsd(trainer, p_data),
            "d_to_optimal": distance_to_optimal(snap), "d_from_half": distance_from_half(trainer.D, lo, hi)}


def draw_panel(ax: plt.Axes, frame: dict[str, Any], title: str | None = None, xlim: tuple[float, float] = XLIM,
               ymax: float = 1.6, legend: bool = False) -> plt.Axes:
    """One panel of Figure 1: densities and D above the x line, the z line below, arrows z_i -> G(z_i)."""
    snap = frame["snap"]
    x = snap["x"].numpy()
    keep = (x >= xlim[0]) & (x <= xlim[1])
    xs = x[keep]
    ax.plot(xs[::2], snap["p_data"].numpy()[keep][::2], ".", color=DATA_COLOR, ms=3, label=r"$p_{data}$")
    ax.plot(xs, snap["p_g"].numpy()[keep], "-", color=G_COLOR, lw=1.6, label=r"$p_g$")
    ax.plot(xs, snap["D"].numpy()[keep], "--", color=D_COLOR, lw=1.6, label=r"$D(x)$")
    ax.plot(xs, snap["D_star"].numpy()[keep], ":", color=DSTAR_COLOR, lw=1.4, label=r"$D^*_G(x)$")
    z_level, x_level = -0.55, 0.0
    ax.axhline(x_level, color="black", lw=0.8)
    ax.plot(xlim, [z_level, z_level], color="black", lw=0.8)
    zpos = z_display(frame["z"], xlim).numpy()
    targets = frame["x"].clamp(xlim[0], xlim[1]).numpy()
    for zp, xt in zip(zpos, targets):
        ax.annotate("", xy=(xt, x_level), xytext=(zp, z_level),
                    arrowprops=dict(arrowstyle="->", color="0.35", lw=0.7, shrinkA=0, shrinkB=0))
    ax.text(xlim[0] + 0.02 * (xlim[1] - xlim[0]), x_level + 0.04, "x", fontsize=9, style="italic")
    ax.text(xlim[0] + 0.02 * (xlim[1] - xlim[0]), z_level + 0.04, "z", fontsize=9, style="italic")
    ax.set_xlim(*xlim)
    ax.set_ylim(z_level - 0.1, ymax)
    ax.set_yticks([0, 0.5, 1.0])
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(title, fontsize=10)
    if legend:
        ax.legend(loc="upper right", fontsize=7, frameon=False)
    return ax


# --- a whole run, recorded and animated --------------------------------------------------------------
def record_run(trainer: Trainer, frames: int, p_data: GaussianMixture = TOY_1D,
               until: int | None = None) -> list[dict[str, Any]]:
    """Train to `until` (default config.iterations) and capture `frames` + 1 evenly spaced moments, the start included."""
    until = trainer.config.iterations if until is None else until
    if frames < 1 or until <= trainer.iteration:
        raise ValueError(f"frames must be >= 1 and until > the current iteration, got {frames!r}, {until!r}")
    start = trainer.iteration
    stops = sorted({round(start + (until - start) * i / frames) for i in range(1, frames + 1)})
    out = [capture(trainer, p_data)]
    for stop in stops:
        trainer.run(until=stop, progress=False)
        out.append(capture(trainer, p_data))
    return out


def animate(frames: list[dict[str, Any]], dpi: int = 60, interval: int = 200) -> FuncAnimation:
    """The run as a FuncAnimation: the Figure 1 panel (left) and JSD(p_data || p_g) so far (right)."""
    if not frames:
        raise ValueError("frames must not be empty")
    fig, (ax, ax_jsd) = plt.subplots(1, 2, figsize=(9, 3.2), dpi=dpi, gridspec_kw={"width_ratios": [1.6, 1]})
    its = [f["iteration"] for f in frames]
    values = [max(f["jsd"], 1e-4) for f in frames]

    def update(i: int) -> list:
        ax.clear()
        ax_jsd.clear()
        draw_panel(ax, frames[i], f"iteration {its[i]}", legend=True)
        plot_curve(ax_jsd, its[:i + 1], values[:i + 1], r"JSD$(p_{data}\|p_g)$", log=True,
                   reference=LOG2, reference_label="log 2")
        ax_jsd.plot(its[i], values[i], "o", color="tab:red")
        ax_jsd.set_xlim(its[0], its[-1] + 1)
        ax_jsd.set_ylim(min(values) / 1.5, 1.0)
        fig.tight_layout()
        return []

    anim = FuncAnimation(fig, update, frames=len(frames), interval=interval, blit=False)
    plt.close(fig)
    return anim


FONT_AWESOME_CDN = re.compile(r'<link[^>]*font-awesome[^>]*>\s*')


def animation_html(anim: FuncAnimation, default_mode: str = "once") -> str:
    """The animation as self-contained JavaScript HTML, without the CDN stylesheet matplotlib links for its
    player's icons: the book serves Font Awesome itself (book/_static/vendor), so pages render offline."""
    return FONT_AWESOME_CDN.sub("", anim.to_jshtml(default_mode=default_mode))


def train_until_jsd(trainer: Trainer, threshold: float, every: int = 10, limit: int | None = None,
                    p_data: GaussianMixture = TOY_1D) -> float:
    """Run Algorithm 1 in chunks of `every` iterations until JSD(p_data || p_g) < threshold (or `limit`
    iterations, default config.iterations); returns the last JSD. Panel (a): a pair "near convergence"."""
    if not 0 < threshold <= LOG2 or every < 1:
        raise ValueError(f"threshold must lie in (0, log 2] and every >= 1, got {threshold!r}, {every!r}")
    limit = trainer.config.iterations if limit is None else limit
    value = jsd(trainer, p_data)
    while value >= threshold and trainer.iteration < limit:
        trainer.run(until=min(trainer.iteration + every, limit), progress=False)
        value = jsd(trainer, p_data)
    return value
