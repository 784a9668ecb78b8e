"""Every page of the built book, opened in a real browser (headless Chromium, offline).

Checks per page: no JavaScript error and no console error, no request that fails or leaves the book
(MathJax and the widget embedder are vendored in book/_static/vendor), every <img> loaded, every figure
present (on a page built from a notebook, at least as many loaded images in the cell outputs as the notebook
stores image/png outputs), every math element typeset by MathJax without a TeX error, and on a page with saved
widget state every widget view rendered. A screenshot of each chapter goes to _build/screenshots/ (outside
git) for a person to look at.

Needs the built book (as tests/test_links.py) and Debian's chromium (`apt-get install -y chromium`), driven
by Playwright from PyPI (no browser download). Without chromium or playwright the test is skipped, unless
GANBOOK_REQUIRE_BROWSER=1 (set by .ci/run, always), where it fails and says why.
"""
import functools
import http.server
import json
import os
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("GANBOOK_HTML", ROOT / "_build" / "html"))
SCREENSHOTS = HTML.parent / "screenshots"
PAGES = sorted(p for p in HTML.rglob("*.html") if p.relative_to(HTML).parts[0] not in ("_static", "_sources")) \
    if (HTML / "index.html").is_file() else []
CHROMIUM = os.environ.get("GANBOOK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 30_000
NOT_RENDERED = {"remove-output", "remove-cell"}  # tags whose outputs the book does not show


def skip_or_fail(message, variable):
    if os.environ.get(variable) == "1":
        pytest.fail(f"{message}. {variable}=1 is set (.ci/run sets GANBOOK_REQUIRE_BROWSER, `make test` "
                    f"GANBOOK_REQUIRE_BUILD), so this is a failure, not a skip.", pytrace=False)
    pytest.skip(message)


def stored_figures(rel):
    """The number of image/png outputs that the page's notebook stores (shown by the book), or None when the
    page is not built from a notebook in notebooks/."""
    path = ROOT / Path(rel).with_suffix(".ipynb")
    if not rel.startswith("notebooks/") or not path.is_file():
        return None
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return sum("image/png" in output.get("data", {}) for cell in cells
               if not NOT_RENDERED & set(cell.get("metadata", {}).get("tags", []))
               for output in cell.get("outputs", []))


@pytest.fixture(scope="module")
def server():
    if not PAGES:
        skip_or_fail(f"the book is not built at {HTML}: run `make build-book` first", "GANBOOK_REQUIRE_BUILD")
    handler = functools.partial(QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        skip_or_fail(f"chromium is not installed: {CHROMIUM} not found (apt-get install -y chromium, or set "
                     f"GANBOOK_CHROMIUM to its path)", "GANBOOK_REQUIRE_BROWSER")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (pip install playwright; no browser download needed)",
                     "GANBOOK_REQUIRE_BROWSER")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


IMAGES_JS = """async () => {
  const images = [...document.images];
  images.forEach(i => { i.loading = "eager"; });
  await Promise.all(images.map(i => i.decode().catch(() => null)));
  const loaded = i => i.complete && i.naturalWidth > 0;
  return {count: images.length,
          broken: images.filter(i => !loaded(i)).map(i => i.currentSrc || i.src),
          outputs: images.filter(i => loaded(i) && i.closest(".cell_output")).length};
}"""
MATH_JS = """async () => {
  const math = [...document.querySelectorAll(".math")];
  if (math.length === 0) return {count: 0};
  if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) return {count: math.length, loaded: false};
  await MathJax.startup.promise;
  await document.fonts.ready;
  return {count: math.length, loaded: true,
          untypeset: math.filter(e => !e.querySelector("mjx-container")).map(e => e.textContent.slice(0, 80)),
          errors: [...document.querySelectorAll("mjx-merror")].map(e => e.getAttribute("data-mjx-error") || e.textContent)};
}"""
WIDGETS_JS = """() => ({
  views: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
  state: document.querySelectorAll('script[type="application/vnd.jupyter.widget-state+json"]').length,
  rendered: document.querySelectorAll(".jupyter-widgets.widget-container, .jupyter-widgets:not(.widget-container)").length,
  errors: [...document.querySelectorAll(".jupyter-widgets")].map(e => e.textContent)
           .filter(t => t.includes("Error displaying widget")),
})"""


def test_the_browser_test_can_run(server, browser):
    """Fails (under GANBOOK_REQUIRE_BROWSER=1 / GANBOOK_REQUIRE_BUILD=1) or skips, with the reason, when chromium,
    playwright or the built book is missing, even where there are no pages to parametrize over."""
    assert PAGES and browser.is_connected()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(HTML)))
def test_page_renders_in_a_browser(page, server, browser):
    rel = page.relative_to(HTML).as_posix()
    problems, outside = [], []
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")

    def route(r):
        if r.request.url.startswith(server):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    tab = context.new_page()
    tab.on("pageerror", lambda e: problems.append(f"JavaScript error: {e}"))
    tab.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    tab.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    try:
        tab.goto(server + rel, wait_until="load", timeout=TIMEOUT_MS)
        if 'http-equiv="Refresh"' in page.read_text(encoding="utf-8")[:2000]:  # index.html: a redirect
            tab.wait_for_url(lambda url: url != server + rel, timeout=TIMEOUT_MS)
            tab.wait_for_load_state("load")
        images = tab.evaluate(IMAGES_JS)
        math = tab.evaluate(MATH_JS)
        widgets = tab.evaluate(WIDGETS_JS)
        if widgets["views"]:
            tab.wait_for_function(
                "n => document.querySelectorAll('.jupyter-widgets').length >= n", arg=widgets["views"],
                timeout=TIMEOUT_MS)
            widgets = tab.evaluate(WIDGETS_JS)
        tab.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
        if rel.startswith(("notebooks/", "book/")):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(SCREENSHOTS / (Path(rel).stem + ".png")), full_page=True)
    finally:
        context.close()

    problems += [f"request outside the book (not vendored?): {u}" for u in outside]
    problems += [f"image not loaded: {src}" for src in images["broken"]]
    figures = stored_figures(rel)
    if figures is not None and images["outputs"] < figures:
        problems.append(f"{images['outputs']} images loaded in the cell outputs, but the notebook stores {figures} "
                        f"image/png outputs: a figure is missing")
    if math["count"]:
        if not math["loaded"]:
            problems.append(f"{math['count']} math elements but MathJax did not load")
        else:
            problems += [f"math not typeset: {t!r}" for t in math["untypeset"]]
            problems += [f"TeX error: {e!r}" for e in math["errors"]]
    if widgets["views"]:
        if not widgets["state"]:
            problems.append(f"{widgets['views']} widget views but no saved widget state (re-execute the notebook)")
        problems += [f"widget error: {e!r}" for e in widgets["errors"]]
    assert not problems, f"{rel}:\n" + "\n".join(problems)
