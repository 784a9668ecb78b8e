"""An interactive explorer of Algorithm 1 on the 1-D toy (ipywidgets): set k, the learning rate, momentum,
the generator loss, the update order and the number of iterations, press "train", and the real
`ganlib.core.trainer.Trainer` runs; the Figure 1 panel and the JSD curve are redrawn.

`train_and_draw` is the whole computation (the notebook calls it once to render the default state);
`explorer()` wraps it in widgets and needs a live kernel.
"""
from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt

from ganlib.book.figure1 import capture, draw_panel, jsd
from ganlib.book.plotting import plot_curve
from ganlib.core.losses import GENERATOR_LOSSES
from ganlib.core.trainer import UPDATES, TrainingDiverged
from ganlib.experiments import build
from ganlib.theory.divergences import LOG2

DEFAULTS: dict[str, Any] = dict(k=1, lr=0.05, momentum=0.5, generator_loss="non_saturating",
                                update="alternating", iterations=1000, d_hidden=16, seed=0)


def settings_to_overrides(k: int, lr: float, momentum: float, generator_loss: str, update: str,
                          iterations: int, seed: int = 0) -> dict[str, Any]:
    """The explorer's controls as TrainConfig overrides of toy1d (momentum SGD, one lr for both nets)."""
    if generator_loss not in GENERATOR_LOSSES:
        raise ValueError(f"generator_loss must be one of {GENERATOR_LOSSES}, got {generator_loss!r}")
    if update not in UPDATES:
        raise ValueError(f"update must be one of {UPDATES}, got {update!r}")
    if update == "simultaneous" and k != 1:
        raise ValueError(f"the simultaneous update has k = 1, got k={k!r}")
    log_every = max(1, iterations // 25)
    return dict(k=k, lr_d=lr, lr_g=lr, momentum_start=momentum, momentum_end=momentum,
                generator_loss=generator_loss, update=update, iterations=iterations, seed=seed,
                log_every=log_every, optimizer="sgd")


def train_and_draw(k: int = 1, lr: float = 0.05, momentum: float = 0.5, generator_loss: str = "non_saturating",
                   update: str = "alternating", iterations: int = 1000, d_hidden: int = 16, seed: int = 0,
                   fig: plt.Figure | None = None) -> tuple[plt.Figure, dict[str, Any]]:
    """Train toy1d with these settings and draw the final Figure 1 panel and the JSD curve.

    Returns the figure and a summary (final JSD, mean |D - 1/2| on the support, whether it diverged).
    """
    trainer = build("toy1d", "cpu", d_hidden=d_hidden,
                    **settings_to_overrides(k, lr, momentum, generator_loss, update, iterations, seed))
    curve = {"iteration": [0], "jsd": [jsd(trainer, n=20_000)]}

    def record(t) -> None:
        curve["iteration"].append(t.iteration)
        curve["jsd"].append(jsd(t, n=20_000))

    diverged = False
    try:
        trainer.run(callback=record, progress=False)
    except TrainingDiverged:
        diverged = True
    if fig is None:
        fig = plt.figure(figsize=(10, 3.4))
    fig.clear()
    ax, ax_jsd = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    label = (f"k={k}, lr={lr:g}, momentum={momentum:g}, {generator_loss.replace('_', '-')}, {update}")
    summary: dict[str, Any] = {"diverged": diverged, "iteration": trainer.iteration}
    if diverged:
        ax.text(0.5, 0.5, f"diverged at iteration {trainer.iteration}", ha="center", transform=ax.transAxes)
        summary.update(jsd=float("nan"), d_from_half=float("nan"))
    else:
        final = capture(trainer)
        draw_panel(ax, final, f"after {trainer.iteration} iterations", legend=True)
        summary.update(jsd=final["jsd"], d_from_half=final["d_from_half"])
    plot_curve(ax_jsd, curve["iteration"], [max(v, 1e-4) for v in curve["jsd"]], r"JSD$(p_{data}\|p_g)$",
               log=True, reference=LOG2, reference_label="log 2")
    fig.suptitle(label, fontsize=10)
    fig.tight_layout()
    return fig, summary


def explorer(**defaults: Any):
    """The widget: controls, a "train" button, and an output area redrawn by `train_and_draw`."""
    import ipywidgets as w
    from IPython.display import display

    s = {**DEFAULTS, **defaults}
    unknown = set(s) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}; allowed: {sorted(DEFAULTS)}")
    controls = {
        "k": w.IntSlider(value=s["k"], min=1, max=10, description="k (D steps)"),
        "lr": w.FloatLogSlider(value=s["lr"], base=10, min=-3, max=-0.5, step=0.1, description="learning rate"),
        "momentum": w.FloatSlider(value=s["momentum"], min=0.0, max=0.95, step=0.05, description="momentum"),
        "generator_loss": w.ToggleButtons(options=list(GENERATOR_LOSSES), value=s["generator_loss"],
                                          description="G loss"),
        "update": w.ToggleButtons(options=list(UPDATES), value=s["update"], description="update"),
        "iterations": w.IntSlider(value=s["iterations"], min=100, max=5000, step=100, description="iterations"),
        "d_hidden": w.Dropdown(options=[8, 16, 32, 64, 128], value=s["d_hidden"], description="D width"),
        "seed": w.IntText(value=s["seed"], description="seed"),
    }
    button = w.Button(description="train", button_style="primary", icon="play")
    status = w.HTML()
    out = w.Output()

    def on_update_change(change: dict) -> None:
        controls["k"].disabled = change["new"] == "simultaneous"
        if change["new"] == "simultaneous":
            controls["k"].value = 1

    controls["update"].observe(on_update_change, names="value")
    on_update_change({"new": controls["update"].value})

    def on_click(_: Any) -> None:
        button.disabled, status.value = True, "training..."
        try:
            with out:
                out.clear_output(wait=True)
                fig, summary = train_and_draw(**{name: c.value for name, c in controls.items()})
                display(fig)
                plt.close(fig)
            status.value = ("<b>diverged</b>" if summary["diverged"] else
                            f"JSD = {summary['jsd']:.3f}, mean |D - 1/2| on [3, 5] = {summary['d_from_half']:.3f}")
        finally:
            button.disabled = False

    button.on_click(on_click)
    return w.VBox([w.HBox([w.VBox(list(controls.values())[:4]), w.VBox(list(controls.values())[4:])]),
                   w.HBox([button, status]), out])
