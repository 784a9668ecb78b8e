# The two commands of the README: `make book` (the main job) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export GANLIB_DATA ?= $(abspath ../shared/data)
export PYTHONUNBUFFERED := 1

.PHONY: setup book test unit notebooks build-book full bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.14.1
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

book: setup build-book
	@echo "The book's HTML is at $(abspath _build/html/index.html)"

build-book:
	rm -rf _build
	$(VENV)/bin/jupyter-book build -W -n --keep-going .

# The book with -W first (the link and browser tests read _build/html), then the unit tests, the install
# cell, the built pages' links and their rendering in headless Chromium, and every notebook in the fast tier
# under nbval and papermill. Screenshots of the chapters land in _build/screenshots/.
test: setup
	$(MAKE) build-book
	GANBOOK_TIER=fast GANBOOK_REQUIRE_BUILD=1 $(PY) -m pytest tests notebooks --nbval-lax --nbval-current-env

# Re-execute every notebook in the full tier (GPU) or the reduced tier (CPU), writing outputs back.
full: setup
	$(PY) -m ganlib rerun notebooks/*.ipynb

# Time ganlib against the usual loops on this machine's device; writes results/benchmarks.json.
bench: setup
	$(PY) -m benchmarks

clean:
	rm -rf _build $(VENV)
