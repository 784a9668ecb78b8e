"""The folder tree is the architecture: every import inside ganlib points down the layers.

core <- data <- (theory, metrics) <- book, with experiments.py (the named runs) on core and data, and the
package's __init__ and command line on top. Every import statement counts, those inside functions too, so a
lazy import cannot hide a cycle.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "ganlib"
ALLOWED = {  # layer -> the layers it may import
    "core": {"core"},
    "data": {"core", "data"},
    "theory": {"core", "data", "theory"},
    "metrics": {"core", "data", "metrics"},
    "experiments": {"core", "data"},
    "book": {"core", "data", "theory", "metrics", "experiments", "book"},
    "__init__": {"core", "experiments"},
    "__main__": {"core", "data", "theory", "metrics", "experiments", "book"},
}


def layer_of(module: str) -> str:
    """'ganlib.core.nets' -> 'core'; 'ganlib.experiments' -> 'experiments'; 'ganlib' -> '__init__'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imported_modules(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, ganlib module) for every import of ganlib in `source`, relative imports resolved."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "ganlib"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "ganlib":
                continue
            if target == "ganlib":  # from ganlib import core / experiments / a name of __init__
                found += [(node.lineno, f"ganlib.{a.name}" if (ROOT / a.name).exists() or (ROOT / f"{a.name}.py").exists()
                           else "ganlib") for a in node.names]
            else:
                found.append((node.lineno, target))
    return found


def violations(sources: dict[str, str]) -> list[str]:
    """'file:line: layer imports module' for every import that points up (or sideways across theory/metrics)."""
    out = []
    for rel, source in sources.items():
        parts = Path(rel).with_suffix("").parts  # ("core", "nets") or ("experiments",)
        is_package = parts[-1] == "__init__"
        module = ".".join(("ganlib", *(parts[:-1] if is_package else parts)))
        layer = layer_of(module) if module != "ganlib" else "__init__"
        if rel == "__main__.py":
            layer = "__main__"
        for line, target in imported_modules(source, module, is_package):
            if layer_of(target) not in ALLOWED[layer] and target != module:
                out.append(f"{rel}:{line}: {layer} imports {target}")
    return out


def library_sources() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text() for p in ROOT.rglob("*.py")}


def test_every_import_in_ganlib_points_down_the_layers():
    sources = library_sources()
    assert len(sources) > 30 and "core/trainer.py" in sources
    assert violations(sources) == []


def test_the_check_sees_a_planted_upward_import_even_inside_a_function():
    sources = library_sources()
    planted = dict(sources)
    planted["core/trainer.py"] = sources["core/trainer.py"] + "\n\ndef _f():\n    from ganlib.book.tables import Table\n"
    planted["data/mnist.py"] = sources["data/mnist.py"] + "\nfrom ..theory import divergences\n"
    planted["theory/saturation.py"] = sources["theory/saturation.py"] + "\nimport ganlib.metrics.parzen\n"
    found = violations(planted)
    assert len(found) == 3, found
    assert any(f.startswith("core/trainer.py:") and f.endswith("core imports ganlib.book.tables") for f in found)
    assert any(f.endswith("data imports ganlib.theory") for f in found)  # a relative import, resolved
    assert any(f.endswith("theory imports ganlib.metrics.parzen") for f in found)


@pytest.mark.parametrize("folder", ["core", "data", "theory", "metrics", "book"])
def test_every_module_says_what_part_of_the_paper_or_the_book_it_serves(folder):
    for path in (ROOT / folder).glob("*.py"):
        if path.name == "__init__.py":
            continue
        doc = ast.get_docstring(ast.parse(path.read_text()))
        assert doc and len(doc) > 40, f"{path.relative_to(ROOT)} has no module docstring"
