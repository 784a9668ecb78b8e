"""Small fixes to the HTML that Jupyter Book 1.x writes, found by tests/test_browser.py.

- papermill adds an "injected-parameters" cell each time it executes a notebook (the tier it was given):
  machinery, not the book's content, so it is dropped from the page (the notebook keeps it).
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


def _drop_injected_parameters(app, doctree):
    from docutils import nodes

    for node in list(doctree.findall(nodes.Element)):
        if "tag_injected-parameters" in node.get("classes", []) and node.parent is not None:
            node.parent.remove(node)


def setup(app):
    app.connect("html-page-context", _unique_scripts, priority=900)
    app.connect("doctree-read", _drop_injected_parameters)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
