"""The Algorithm 1 explorer: its settings, its figure, and the widget's train button."""
import math

import matplotlib
import pytest

from ganlib.book import explorer

matplotlib.use("Agg")


def test_settings_to_overrides():
    o = explorer.settings_to_overrides(2, 0.01, 0.0, "saturating", "alternating", 400)
    assert (o["k"], o["lr_d"], o["lr_g"], o["momentum_start"], o["momentum_end"]) == (2, 0.01, 0.01, 0.0, 0.0)
    assert o["log_every"] == 16
    with pytest.raises(ValueError, match="generator_loss"):
        explorer.settings_to_overrides(1, 0.05, 0.5, "wasserstein", "alternating", 100)
    with pytest.raises(ValueError, match="k"):
        explorer.settings_to_overrides(3, 0.05, 0.5, "saturating", "simultaneous", 100)


def test_train_and_draw():
    fig, summary = explorer.train_and_draw(iterations=60)
    assert not summary["diverged"] and summary["iteration"] == 60
    assert 0 <= summary["jsd"] <= math.log(2) and 0 <= summary["d_from_half"] <= 0.5
    assert len(fig.axes) == 2


def test_the_widget_trains_on_click():
    ui = explorer.explorer(iterations=100)
    button = ui.children[1].children[0]
    button.click()
    assert "JSD" in ui.children[1].children[1].value
    with pytest.raises(ValueError, match="unknown"):
        explorer.explorer(colour="red")
