"""environment.yml (conda) lists the same pip dependencies as pyproject.toml."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_agrees_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted |= {d for d in extra if not d.startswith("ganlib")}
    wanted = {re.sub(r"\s", "", d) for d in wanted if not d.startswith("torch")}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = {d for d in pip if not d.startswith(("-e", "torch"))}
    assert listed == wanted
    assert "torch==2.14.1" in pip
