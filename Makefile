# Two commands do all set-up on a fresh machine:
#   make demo   run the main demo
#   make test   lint, type-check and run every test
# Both create .venv on first use and re-install only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev
DEMO_STAMP := $(VENV)/.installed-demo
KATEX_STAMP := docs/node_modules/.installed

GRAPHVIZ_HELP := printf '%s\n' \
	"Graphviz's 'dot' program is not installed: graphs can be built as DOT text but not drawn." \
	"Install it with one of:" \
	"  sudo apt-get install --no-install-recommends graphviz   (Debian, Ubuntu)" \
	"  brew install graphviz                                   (macOS)" \
	"  conda install -c conda-forge graphviz                   (conda)"

NODE_HELP := printf '%s\n' \
	"npm (Node.js 20 or newer) is not installed: the site cannot be built (KaTeX runs under Node.js)." \
	"Install it with:" \
	"  sudo apt-get install --no-install-recommends nodejs npm   (Debian, Ubuntu)"

CHROMIUM_HELP := printf '%s\n' \
	"Chromium is not installed: the browser tests of the backward-pass explorer will be skipped." \
	"Install it with:" \
	"  sudo apt-get install --no-install-recommends chromium   (Debian, Ubuntu)"

.PHONY: demo test lint typecheck pytest graphviz chromium katex docs bench notebooks pictures torch-reference clean

demo: $(DEMO_STAMP) graphviz
	$(VENV)/bin/autograd-lite demo

test: $(STAMP) graphviz chromium katex lint typecheck pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(VENV)/bin/pytest

# Side-by-side timings against micrograd and hand-written floats (a few minutes);
# writes benchmarks/results.md.
bench: $(STAMP) graphviz
	$(PY) benchmarks/run.py

# Redraw the README's pictures into docs/pictures/ (the explorer's screenshot needs Chromium).
pictures: $(STAMP) graphviz chromium
	$(PY) docs/pictures.py

# Run the lessons and keep their outputs (plots, graphs) in out/notebooks/, for reading in
# Jupyter, VS Code or any notebook viewer; the committed notebooks stay without outputs.
notebooks: $(STAMP) graphviz
	rm -rf out/notebooks && mkdir -p out/notebooks && cp notebooks/*.ipynb out/notebooks/
	$(VENV)/bin/pytest -q -p no:cacheprovider -o addopts="" --nbmake --overwrite out/notebooks
	@echo "The lessons, run, with their outputs: out/notebooks/"

# The site: every lesson run (cached in out/jupyter_cache/), the guides and the API reference,
# into out/site/; it works offline (open out/site/index.html).
docs: $(STAMP) graphviz katex
	$(PY) docs/build.py

# KaTeX, which typesets the site's formulas at build time: the npm package locked in
# docs/package-lock.json, installed into docs/node_modules/ (again only when the lock changes).
katex: $(KATEX_STAMP)

$(KATEX_STAMP): docs/package.json docs/package-lock.json
	$(call system_package,npm,npm,NODE_HELP)
	@command -v npm >/dev/null 2>&1 || exit 1
	npm ci --prefix docs --no-audit --no-fund --loglevel=error
	touch $(KATEX_STAMP)

# The virtual environment, with an up-to-date pip.
$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "autograd_lite needs Python >= 3.10; set PYTHON=/path/to/python3.10+")'
	@# A half-made .venv would make every later run fail, so remove it if any step fails.
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "Could not create $(VENV) with $(PYTHON). On Debian or Ubuntu: sudo apt-get install python3-venv"; \
		exit 1; }
	$(PY) -m pip install --quiet --upgrade pip || { rm -rf $(VENV); exit 1; }

# Install the package (editable) with its test and lint tools; redone when pyproject.toml changes.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# What the demo needs: the package and matplotlib for its pictures.
$(DEMO_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[plot]'
	touch $(DEMO_STAMP)

# $(call system_package,PACKAGE,COMMAND,HELP): the Debian package that provides COMMAND,
# installed with apt-get where we may (root or passwordless sudo); otherwise the text in the
# variable named HELP says how to install it, and we go on.
define system_package
	@if command -v $(2) >/dev/null 2>&1; then \
		:; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing $(1) (apt-get install --no-install-recommends $(1))"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(1) >/dev/null) \
			|| $($(3)); \
	elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
		echo "Installing $(1) (sudo apt-get install --no-install-recommends $(1))"; \
		(sudo -n apt-get update -qq && sudo -n DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(1) >/dev/null) \
			|| $($(3)); \
	else \
		$($(3)); \
	fi
endef

# The system Graphviz binary (without it the library still produces DOT source).
graphviz:
	$(call system_package,graphviz,dot,GRAPHVIZ_HELP)

# The system Chromium, for the browser tests of the explorer (driven by Playwright, which never
# downloads a browser of its own here); without it those tests skip, except under CI=true.
chromium:
	$(call system_package,chromium,chromium,CHROMIUM_HELP)

# Re-record the PyTorch reference values in tests/data/torch_reference.json.
# Needs PyTorch 2.13.0 (CPU); `make test` itself never needs PyTorch.
torch-reference: $(STAMP)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) tests/reference/record_torch_reference.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis out
