"""What ran where: a table of every notebook's tier, device, wall time and date, read from the notebooks.

Nothing here is typed by hand. Two sources inside each stored notebook are read:
- the line that ganlib.notebook.Clock.report() prints in the last cell ("Executed in the <tier> tier on
  <device> in <s> s on <date> (Python <v>, torch <v>).");
- the metadata papermill writes when it executes a notebook (metadata.papermill: start_time, end_time,
  duration in seconds).
The book's provenance page (notebooks/99_provenance.ipynb) shows `ProvenanceTable(provenance_table(...))`,
and tests/test_provenance.py checks that the stored page still matches the notebooks.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any, Iterable

from ganlib.book.tables import html_table, markdown_table

CLOCK_LINE = re.compile(
    r"Executed in the (?P<tier>\w+) tier on (?P<device>.+?) in (?P<wall_seconds>[0-9.]+) s "
    r"on (?P<date>\d{4}-\d{2}-\d{2}) \(Python (?P<python>[^,]+), torch (?P<torch>[^)]+)\)\.")
COLUMNS = ("Notebook", "Tier", "Device", "Wall time (s)", "Papermill (s)", "Executed (UTC)", "Python", "torch")
NOT_EXECUTED = "not executed"


def _outputs_text(cell: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        text = out.get("text", "")
        parts.append("".join(text) if isinstance(text, list) else text)
    return "".join(parts)


def _title(cells: list[dict], fallback: str) -> str:
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for line in source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _utc_minute(timestamp: str | None) -> str | None:
    if not timestamp:
        return None
    moment = _dt.datetime.fromisoformat(timestamp)
    if moment.tzinfo is not None:
        moment = moment.astimezone(_dt.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M")


def notebook_provenance(path: str | os.PathLike) -> dict[str, Any]:
    """One notebook's provenance: file, title, tier, device, wall_seconds, date, python, torch (from the
    Clock line of its last code cell; None where absent) and papermill_seconds, executed (from papermill)."""
    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"path must be an existing .ipynb file, got {str(path)!r}")
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = nb.get("cells", [])
    code = [c for c in cells if c.get("cell_type") == "code"]
    row: dict[str, Any] = {"file": path.name, "title": _title(cells, path.stem), "tier": NOT_EXECUTED,
                           "device": None, "wall_seconds": None, "date": None, "python": None, "torch": None}
    match = CLOCK_LINE.search(_outputs_text(code[-1])) if code else None
    if match:
        row.update(match.groupdict())
        row["wall_seconds"] = float(row["wall_seconds"])
    papermill = nb.get("metadata", {}).get("papermill", {})
    duration = papermill.get("duration")
    row["papermill_seconds"] = None if duration is None else round(float(duration), 1)
    row["executed"] = _utc_minute(papermill.get("end_time")) if match else None
    return row


def provenance_table(folder: str | os.PathLike = ".", exclude: Iterable[str] = ()) -> list[dict[str, Any]]:
    """notebook_provenance of every notebook in `folder` (sorted by file name), except the names in `exclude`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder must be an existing directory, got {str(folder)!r}")
    if isinstance(exclude, str):
        raise ValueError(f"exclude must be a collection of file names, not the string {exclude!r}")
    skip = set(exclude)
    return [notebook_provenance(p) for p in sorted(folder.glob("*.ipynb")) if p.name not in skip]


def _cells(row: dict[str, Any]) -> list[str]:
    return [f"{row['title']} ({row['file']})", row["tier"], row["device"], row["wall_seconds"],
            row["papermill_seconds"], row["executed"] or row["date"], row["python"], row["torch"]]


def provenance_html(rows: list[dict[str, Any]]) -> str:
    """The table as HTML (what the book's page shows)."""
    return html_table([_cells(r) for r in rows], COLUMNS, "table provenance")


def provenance_markdown(rows: list[dict[str, Any]]) -> str:
    """The table as Markdown (what Jupyter and Colab show)."""
    return markdown_table([_cells(r) for r in rows], COLUMNS)


def git_commit() -> str | None:
    """The commit of the checkout ganlib runs from, or None outside a git checkout."""
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


class ProvenanceTable:
    """Displays a provenance table in a notebook: HTML in the book, Markdown or text elsewhere."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def _repr_html_(self) -> str:
        return provenance_html(self.rows)

    def _repr_markdown_(self) -> str:
        return provenance_markdown(self.rows)

    def __repr__(self) -> str:
        return provenance_markdown(self.rows)
