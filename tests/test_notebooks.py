"""Every chapter notebook runs under papermill in the fast tier, with the book's conventions.

nbval runs the same notebooks from `make test` (pytest --nbval-lax), comparing the cells marked
NBVAL_CHECK_OUTPUT with their stored outputs; here papermill injects the parameters the way a re-run does.
"""
from pathlib import Path

import nbformat
import papermill
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
REPOSITORY = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_conventions(path):
    nb = nbformat.read(path, as_version=4)
    cells = code_cells(nb)
    assert REPOSITORY in cells[0].source, "the first code cell installs ganlib from the book's repository"
    params = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and 'tier = "auto"' in params[0].source
    assert "clock.report()" in cells[-1].source, "the last cell reports what ran where, for how long"
    errors = [o for c in cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, "stored outputs contain an error"
    assert any(o for c in cells for o in c.get("outputs", [])), "the notebook is stored with its outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_the_fast_tier_under_papermill(path, tmp_path):
    out = tmp_path / path.name
    papermill.execute_notebook(str(path), str(out), parameters={"tier": "fast"}, kernel_name="python3",
                               cwd=str(path.parent), progress_bar=False)
    report = code_cells(nbformat.read(out, as_version=4))[-1].outputs
    assert "Executed in the fast tier" in "".join(o.get("text", "") for o in report)
