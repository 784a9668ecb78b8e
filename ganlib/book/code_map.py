"""Algorithm 1 of the paper, line by line, mapped to the code in ganlib/core/trainer.py that runs it.

The map is computed from the source, so the line numbers in the book follow the code when it changes.
"""
from __future__ import annotations

import inspect
from pathlib import Path

import pandas as pd

from ganlib.core import trainer as training

# (line of Algorithm 1, its text, the core/trainer.py function, a snippet of that function's code)
ALGORITHM_1: list[tuple[int, str, str, str]] = [
    (1, "for number of training iterations do", "Trainer.run", "while self.iteration < until:"),
    (2, "for k steps do", "Trainer._alternating", "for _ in range(self.config.k):"),
    (3, "sample m noise samples z from p_z", "Trainer._d_losses", "z = self._noise()"),
    (4, "sample m examples x from p_data", "Trainer._next_batch", "return self._per_seed(self.data[self._next_indices()])"),
    (5, "update D by ascending grad of (1/m) sum [log D(x) + log(1 - D(G(z)))]", "Trainer.discriminator_step",
     "self._apply(self.opt_d, self.D, d_loss)"),
    (6, "end for", "Trainer._alternating", "g_loss = self.generator_step()"),
    (7, "sample m noise samples z from p_z", "Trainer.generator_step", "self.G(self._noise())"),
    (8, "update G by descending grad of (1/m) sum log(1 - D(G(z)))", "Trainer.generator_step",
     "self._apply(self.opt_g, self.G, g_loss)"),
    (9, "end for", "Trainer.step", "self.iteration += 1"),
]
# What the paper says next to the algorithm, and what the authors' code ran instead of it.
NOTES: list[tuple[str, str, str, str]] = [
    ("rule", "'We used momentum in our experiments'", "Trainer._optimizer", "return ClassicalMomentum("),
    ("sim", "authors' code: both nets stepped from one minibatch (k = 1)", "Trainer.step",
     'if self.config.update == "simultaneous":'),
]


def source_line(qualname: str, snippet: str) -> int:
    """The line number in training.py of the line of function `qualname` that is `snippet` (stripped), else
    of the first line that contains it."""
    obj = training
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise ValueError(f"qualname must name a function of ganlib.core.trainer, got {qualname!r}")
    lines, start = inspect.getsourcelines(obj)
    for offset, line in enumerate(lines):  # a line that is exactly the snippet wins ...
        if line.strip() == snippet:
            return start + offset
    for offset, line in enumerate(lines):  # ... over the first that contains it
        if snippet in line:
            return start + offset
    raise ValueError(f"snippet {snippet!r} is not in {qualname}")


def code_map() -> pd.DataFrame:
    """Algorithm 1's lines next to the function and the line of ganlib/core/trainer.py that carry them out."""
    path = Path(training.__file__).name
    rows = []
    for number, text, qualname, snippet in [*ALGORITHM_1, *NOTES]:
        line = source_line(qualname, snippet)
        code = inspect.getsource(training).splitlines()[line - 1].strip()
        rows.append({"line": str(number), "Algorithm 1": text, "ganlib": f"{qualname} ({path}:{line})", "code": code})
    return pd.DataFrame(rows).set_index("line")
