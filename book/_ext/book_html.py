"""Small fixes to the HTML that Jupyter Book 1.x writes, found by tests/test_browser.py.

- sphinx-thebe 0.3.1 registers its inline configuration script twice, so every page threw
  "Identifier 'THEBE_JS_URL' has already been declared": drop repeated <script> entries (same source and
  attributes, whatever their priority).
"""


def _unique_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        key = (getattr(script, "filename", None) or "", tuple(sorted((k, str(v)) for k, v in attributes.items() if k != "priority")))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _unique_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
