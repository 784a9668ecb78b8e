"""Every chapter notebook runs under papermill in the fast tier, with the book's conventions.

nbval runs the same notebooks from `make test` (pytest --nbval-lax), comparing the cells marked
NBVAL_CHECK_OUTPUT with their stored outputs; here papermill injects the parameters the way a re-run does.
"""
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import papermill
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
REPOSITORY = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
INSTALL_SPEC_ENV = "GANBOOK_INSTALL_SPEC"


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_conventions(path):
    nb = nbformat.read(path, as_version=4)
    cells = code_cells(nb)
    assert REPOSITORY in cells[0].source, "the first code cell installs ganlib from the book's repository"
    assert INSTALL_SPEC_ENV in cells[0].source, (
        f"the install cell must let ${INSTALL_SPEC_ENV} override what it installs (copy notebook 00's first cell)")
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


def install_cells():
    """The distinct first code cells of the notebooks (normally one, shared by every notebook)."""
    cells = {}
    for path in NOTEBOOKS:
        cells.setdefault(code_cells(nbformat.read(path, as_version=4))[0].source, []).append(path.stem)
    return [pytest.param(source, id="+".join(names)) for source, names in cells.items()]


@pytest.fixture(scope="module")
def ganlib_wheel(tmp_path_factory):
    """A wheel built from a copy of the repository's ganlib (the repository itself is left untouched)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT / "ganlib", src / "ganlib", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    str(src), "-w", str(tmp / "wheel")], check=True, cwd=tmp)
    return next((tmp / "wheel").glob("ganlib-*.whl"))


@pytest.fixture
def fresh_environment(ganlib_wheel, tmp_path):
    """A new virtual environment that has every dependency of ganlib but not ganlib.

    The dependencies (torch included) are not installed again: the new environment sees the current one's
    site-packages through symbolic links, minus ganlib's editable install, so only the wheel can provide it.
    """
    tmp = tmp_path
    env = tmp / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    deps = tmp / "deps"
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if "ganlib" not in entry.name.lower():
            (deps / entry.name).symlink_to(entry)
    python = env / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "_book_dependencies.pth").write_text(str(deps) + "\n")
    return python, ganlib_wheel, Path(purelib)


@pytest.mark.parametrize("source", install_cells())
def test_the_install_cell_installs_ganlib_where_it_is_missing(source, fresh_environment, tmp_path):
    assert INSTALL_SPEC_ENV in source, f"an install cell that ignores ${INSTALL_SPEC_ENV} cannot be tested offline"
    python, wheel, purelib = fresh_environment
    tmp_path = tmp_path / "cwd"
    tmp_path.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update({INSTALL_SPEC_ENV: str(wheel), "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    where = "import ganlib, ganlib.book.notebook; print(ganlib.__file__)"
    missing = subprocess.run([str(python), "-c", where], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert missing.returncode != 0, "ganlib must not be importable before the install cell runs"
    subprocess.run([str(python), "-c", source], cwd=tmp_path, env=env, check=True, timeout=300)
    found = subprocess.run([str(python), "-c", where], cwd=tmp_path, env=env, check=True, capture_output=True,
                           text=True).stdout.strip()
    assert Path(found).is_relative_to(purelib), f"ganlib imported from {found}, not from the installed wheel"
    # Where ganlib is present the cell does nothing (an install from a missing file would fail).
    env[INSTALL_SPEC_ENV] = str(tmp_path / "no-such-wheel.whl")
    subprocess.run([str(python), "-c", source], cwd=tmp_path, env=env, check=True, timeout=60)
