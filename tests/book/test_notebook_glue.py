"""ganlib.notebook.glue stores what MyST-NB's {glue:text} role can format."""
import numpy as np
import pandas as pd
from IPython.core.formatters import format_display_data

from ganlib.book import notebook


def test_numpy_scalars_are_glued_as_python_numbers(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda data, raw, metadata: shown.append((data, metadata)))
    notebook.glue("x", pd.Series([1.0, 2.0]).mean())
    notebook.glue("n", np.int64(7))
    (first, meta), (second, _) = shown
    assert first["application/papermill.record/text/plain"] == "1.5"
    assert second["application/papermill.record/text/plain"] == "7"
    assert meta["scrapbook"] == {"name": "x", "mime_prefix": "application/papermill.record/"}
    assert format_display_data(np.float64(1.5))[0]["text/plain"] != "1.5"  # what the conversion avoids
