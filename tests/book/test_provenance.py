"""The provenance table is read from the notebooks, and the book's provenance page matches them."""
import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ganlib.book.provenance import (
    CLOCK_LINE,
    NOT_EXECUTED,
    ProvenanceTable,
    notebook_provenance,
    provenance_html,
    provenance_markdown,
    provenance_table,
)

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "notebooks" / "99_provenance.ipynb"
LINE = ("Executed in the reduced tier on CPU (2 cores, torch 2.14.1+cu130) in 4.6 s on 2026-11-22 "
        "(Python 3.11.7, torch 2.14.1+cu130).\n")


def write(path, last_output=None, papermill=None, title="# A chapter\n\ntext"):
    last = new_code_cell("clock.report();")
    if last_output is not None:
        last.outputs = [new_output("stream", name="stdout", text=last_output)]
    nb = new_notebook(cells=[new_markdown_cell(title), new_code_cell("x = 1"), last])
    if papermill is not None:
        nb.metadata["papermill"] = papermill
    nbformat.write(nb, path)
    return path


def test_clock_line_matches_what_clock_prints(capsys):
    from ganlib.book.notebook import Clock
    Clock("fast").report()
    match = CLOCK_LINE.search(capsys.readouterr().out)
    assert match and match["tier"] == "fast"


def test_a_row_comes_from_the_clock_line_and_papermill(tmp_path):
    pm = {"start_time": "2026-11-22T07:55:00.000001", "end_time": "2026-11-22T07:55:08.530083",
          "duration": 8.530083}
    row = notebook_provenance(write(tmp_path / "01_a.ipynb", LINE, pm))
    assert row == {"file": "01_a.ipynb", "title": "A chapter", "tier": "reduced",
                   "device": "CPU (2 cores, torch 2.14.1+cu130)", "wall_seconds": 4.6, "date": "2026-11-22",
                   "python": "3.11.7", "torch": "2.14.1+cu130", "papermill_seconds": 8.5,
                   "executed": "2026-11-22 07:55"}
    pm["end_time"] = "2026-11-22T09:30:00+02:00"
    assert notebook_provenance(write(tmp_path / "01_a.ipynb", LINE, pm))["executed"] == "2026-11-22 07:30"


def test_a_notebook_without_outputs_is_marked_not_executed(tmp_path):
    row = notebook_provenance(write(tmp_path / "02_b.ipynb", title="no heading"))
    assert row["tier"] == NOT_EXECUTED and row["title"] == "02_b" and row["executed"] is None
    assert "| no heading |" not in provenance_markdown([row])


def test_table_sorted_excluding_and_rendered(tmp_path):
    write(tmp_path / "02_b.ipynb", LINE.replace("reduced", "full"))
    write(tmp_path / "01_a.ipynb", LINE)
    write(tmp_path / "99_p.ipynb", LINE)
    rows = provenance_table(tmp_path, exclude=["99_p.ipynb"])
    assert [r["file"] for r in rows] == ["01_a.ipynb", "02_b.ipynb"] and [r["tier"] for r in rows] == ["reduced", "full"]
    html = ProvenanceTable(rows)._repr_html_()
    assert html.count("<tr>") == 3 and "<td>full</td>" in html and "<td>—</td>" in html
    assert len(provenance_markdown(rows).splitlines()) == 4


@pytest.mark.parametrize("call", [lambda p: provenance_table(p / "missing"), lambda p: notebook_provenance(p / "x.txt"),
                                  lambda p: provenance_table(p, exclude="99_p.ipynb")])
def test_bad_arguments(call, tmp_path):
    with pytest.raises(ValueError):
        call(tmp_path)


def stored_page_html():
    nb = json.loads(PAGE.read_text())
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html")
            if html and "provenance" in "".join(html):
                return "".join(html)
    return None


@pytest.mark.skipif(not PAGE.exists(), reason="no provenance page")
def test_the_provenance_page_matches_the_notebooks_as_stored():
    expected = provenance_html(provenance_table(PAGE.parent, exclude=[PAGE.name]))
    assert stored_page_html() == expected, (
        "notebooks/99_provenance.ipynb is out of date (a chapter was added or re-executed after it): "
        "re-run it with `.venv/bin/python -m ganlib rerun notebooks/99_provenance.ipynb`")


def test_the_book_shows_no_fast_tier_outputs():
    rows = provenance_table(ROOT / "notebooks")
    assert not [r["file"] for r in rows if r["tier"] == "fast"], "notebooks stored from a fast-tier run"
