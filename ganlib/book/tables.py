"""Tables a cell computes, shown as a real table: HTML in the rendered book, Markdown in Jupyter and Colab.

`Table(rows, header)` displays itself through IPython's rich display (`_repr_html_`, `_repr_markdown_`), so a
cell that ends with a Table renders as a table in every front end; `markdown_table` and `html_table` are the
two renderings.
"""
from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any


def _text(value: Any) -> str:
    return "—" if value is None else str(value)


def markdown_table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    """A Markdown (GitHub) table; '|' inside a cell is escaped, None shows as a dash."""
    def line(cells: Sequence[Any]) -> str:
        return "| " + " | ".join(_text(c).replace("|", "\\|") for c in cells) + " |"

    _check(rows, header)
    return "\n".join([line(header), "|" + "---|" * len(header), *(line(r) for r in rows)])


def html_table(rows: Sequence[Sequence[Any]], header: Sequence[str], css_class: str = "table") -> str:
    """An HTML table with escaped cells."""
    _check(rows, header)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_text(v))}</td>" for v in r) + "</tr>\n" for r in rows)
    return f'<table class="{html.escape(css_class)}">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>'


def _check(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> None:
    if not header:
        raise ValueError("header must name at least one column")
    for i, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f"row {i} has {len(row)} cells, the header {len(header)}: {row!r}")


class Table:
    """Rows under a header, displayed as HTML in the book and as Markdown where HTML is not rendered."""

    def __init__(self, rows: Sequence[Sequence[Any]], header: Sequence[str], css_class: str = "table") -> None:
        _check(rows, header)
        self.rows, self.header, self.css_class = [tuple(r) for r in rows], tuple(header), css_class

    def _repr_html_(self) -> str:
        return html_table(self.rows, self.header, self.css_class)

    def _repr_markdown_(self) -> str:
        return markdown_table(self.rows, self.header)

    def __repr__(self) -> str:
        return markdown_table(self.rows, self.header)
