"""Every relative link and resource in the built book resolves: the file exists in _build/html, and the
anchor (#...) exists in the page it points to. External links are not checked (CI has no internet).

Needs the built book (`make test` builds it before running the tests; or `make build-book`). Without it
the test is skipped, unless GANBOOK_REQUIRE_BUILD=1 (set by `make test`), where it fails.
"""
import os
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("GANBOOK_HTML", ROOT / "_build" / "html"))
# The book's pages; _static holds the theme's Jinja templates, which are copied there but are not pages.
PAGES = sorted(p for p in HTML.rglob("*.html") if p.relative_to(HTML).parts[0] not in ("_static", "_sources")) \
    if (HTML / "index.html").is_file() else []
ATTRIBUTES = {"a": "href", "link": "href", "img": "src", "script": "src", "iframe": "src", "source": "src"}


def require_build():
    if not PAGES:
        message = f"the book is not built at {HTML}: run `make build-book` first (`make test` does)"
        if os.environ.get("GANBOOK_REQUIRE_BUILD") == "1":
            pytest.fail(message)
        pytest.skip(message)


@lru_cache(maxsize=None)
def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@lru_cache(maxsize=None)
def anchors(path: Path) -> frozenset:
    page = soup(path)
    return frozenset([t["id"] for t in page.find_all(id=True)] + [t["name"] for t in page.find_all("a", attrs={"name": True})])


def broken_links(page: Path) -> list[str]:
    problems = []
    for tag, attribute in ATTRIBUTES.items():
        for element in soup(page).find_all(tag, attrs={attribute: True}):
            url = element[attribute].strip()
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//") or not url:
                continue  # external (http, https, mailto, data, javascript): not checked
            if parts.path:
                base = HTML if parts.path.startswith("/") else page.parent
                target = (base / unquote(parts.path).lstrip("/")).resolve()
                if target.is_dir():
                    target = target / "index.html"
            else:
                target = page
            if not target.is_file() or not target.is_relative_to(HTML.resolve()):
                problems.append(f"<{tag} {attribute}={url!r}>: no file {target}")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in anchors(target):
                problems.append(f"<{tag} {attribute}={url!r}>: no anchor #{parts.fragment} in {target.name}")
    return problems


def test_the_book_is_built():
    require_build()
    assert (HTML / "index.html").is_file()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(HTML)))
def test_every_internal_link_resolves(page):
    problems = broken_links(page)
    assert not problems, f"{page.relative_to(HTML)}:\n" + "\n".join(problems)
