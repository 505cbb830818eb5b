# Two commands do everything on a fresh machine with Python 3.11 and make:
#   make serve   the site on http://127.0.0.1:8000, rebuilt and reloaded on every edit
#   make test    every test
# Both create .venv and install the pinned requirements first, when they are missing or changed.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1

# Set-up installs exactly the locked files, each checked against its hash (requirements.txt,
# generated from requirements.in). PyTorch alone comes from PyTorch's CPU index (about 200 MB
# instead of several GB of CUDA), also hash-checked (requirements-torch.txt). When that index
# cannot be reached, set-up says so in one line and takes torch from the default index.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
PIP := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: serve build test bench matrix clean browser axe lock lesson check format pyodide

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=python3'" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-torch.txt | $(BIN)/python
	@echo "make: setting up .venv from the locked requirements (the first time only)"
	$(PIP) install --require-hashes --no-deps --progress-bar off -r requirements.txt
	@if [ -n "$(TORCH_INDEX)" ] && $(BIN)/python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)" "$(TORCH_INDEX)/torch/" 2>/dev/null; then \
	  echo "make: installing torch from PyTorch's CPU index"; \
	  $(PIP) install --require-hashes --no-deps --retries 1 --index-url "$(TORCH_INDEX)" -r requirements-torch.txt; \
	else \
	  if [ -n "$(TORCH_INDEX)" ]; then echo "make: PyTorch's CPU index ($(TORCH_INDEX)) cannot be reached: installing torch from the default index"; \
	  else echo "make: TORCH_INDEX is empty: installing torch from the default index"; fi; \
	  $(PIP) install --require-hashes --no-deps -r requirements-torch.txt 2>/dev/null \
	    || $(PIP) install --no-deps "torch==2.13.0"; \
	fi
	touch $@

# The Python that runs in the reader's browser (the NumPy lessons' Run buttons): Pyodide's files,
# fetched with npm and pip, checked against Pyodide's official lock, cached in .cache/pyodide/
# (hooks/pyodide_files.py; quick when they are there already).
pyodide: $(VENV)/.installed
	@$(BIN)/python hooks/pyodide_files.py

# Regenerate requirements.txt (with hashes) after editing requirements.in. Needs the network.
lock: | $(BIN)/python
	$(PIP) install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-find-links \
	  --no-emit-index-url --output-file requirements.txt requirements.in

# --dirty: after the first full build, rebuild only the pages whose Markdown or snippets changed
# (hooks/snippets.py marks the pages of a changed snippet), so an edit shows in about a second.
serve: $(VENV)/.installed pyodide
	$(BIN)/mkdocs serve --dirty --dev-addr 127.0.0.1:8000

build: $(VENV)/.installed pyodide
	$(BIN)/mkdocs build --strict --site-dir site

test: $(VENV)/.installed pyodide browser axe
	$(BIN)/python -m pytest

# The browser tests drive a real Chromium. Find one, or install Debian's when we are root.
browser:
	@if [ -n "$$CHROMIUM" ] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "make: installing Debian's chromium for the browser tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else \
	  echo "make test needs Chromium for its browser tests. Install it (Debian/Ubuntu: sudo apt-get install chromium;" >&2; \
	  echo "macOS: brew install --cask chromium) or point CHROMIUM at a Chrome/Chromium binary: make test CHROMIUM=/path/to/chrome" >&2; \
	  exit 1; \
	fi

# axe-core, the accessibility checker the browser tests inject into each page: from its npm
# release, checked against the pinned integrity, cached in .cache/axe/ (tests/axe_files.py).
axe: $(VENV)/.installed
	@$(BIN)/python tests/axe_files.py

# A new lesson from the template: make lesson STAGE=03-deep-learning-basics SLUG=softmax-temperature TITLE="Softmax temperature"
lesson: $(VENV)/.installed
	@$(BIN)/python tools/new_lesson.py "$(STAGE)" "$(SLUG)" "$(TITLE)"

# One lesson's checks (its snippet, page, notebook, numbers, browser; and the cheap whole-site
# checks): make check LESSON=03-deep-learning-basics/pooling
check: $(VENV)/.installed pyodide browser axe
	@[ -n "$(LESSON)" ] || { echo "make check needs LESSON=<stage>/<slug>, for example LESSON=03-deep-learning-basics/pooling" >&2; exit 1; }
	$(BIN)/python -m pytest -n0 --lesson "$(LESSON)"

# Format and fix what Ruff can (the tests run `ruff check` and `ruff format --check`).
format: $(VENV)/.installed
	$(BIN)/ruff format snippets hooks tests tools
	$(BIN)/ruff check --fix snippets hooks tests tools

# Every snippet under every variant of kernels and threads this machine can produce (ATen default,
# AVX2, AVX-512; MKL with and without MKL_CBWR=COMPATIBLE; oneDNN with and without an ISA cap; 1 and
# 2 threads; CUDA where there is a GPU): which fail where, and the spread of each value a page
# fills in from the run. Results are cached by variant: a second run runs only what changed.
matrix: $(VENV)/.installed
	$(BIN)/python tools/matrix.py $(MATRIX_FLAGS)

bench: $(VENV)/.installed pyodide browser axe
	$(BIN)/python tools/bench.py --json bench.json $(BENCH_FLAGS)

clean:
	rm -rf site .cache .pytest_cache
