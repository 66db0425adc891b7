# Two commands do all set-up on a fresh machine:
#   make demo   run the main demo
#   make test   lint, type-check and run every test
# Both create .venv on first use and re-install only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev
DEMO_STAMP := $(VENV)/.installed-demo

GRAPHVIZ_HELP := printf '%s\n' \
	"Graphviz's 'dot' program is not installed: graphs can be built as DOT text but not drawn." \
	"Install it with one of:" \
	"  sudo apt-get install --no-install-recommends graphviz   (Debian, Ubuntu)" \
	"  brew install graphviz                                   (macOS)" \
	"  conda install -c conda-forge graphviz                   (conda)"

.PHONY: demo test lint typecheck pytest graphviz bench notebooks torch-reference clean

demo: $(DEMO_STAMP) graphviz
	$(VENV)/bin/autograd-lite demo

test: $(STAMP) graphviz lint typecheck pytest

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

# Run the lessons and keep their outputs (plots, graphs) in out/notebooks/, for reading in
# Jupyter, VS Code or any notebook viewer; the committed notebooks stay without outputs.
notebooks: $(STAMP) graphviz
	rm -rf out/notebooks && mkdir -p out/notebooks && cp notebooks/*.ipynb out/notebooks/
	$(VENV)/bin/pytest -q -p no:cacheprovider -o addopts="" --nbmake --overwrite out/notebooks
	@echo "The lessons, run, with their outputs: out/notebooks/"

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

# The system Graphviz binary: installed with apt-get where we may (root or passwordless sudo),
# otherwise we print how to install it and go on (the library still produces DOT source).
graphviz:
	@if command -v dot >/dev/null 2>&1; then \
		:; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Graphviz (apt-get install --no-install-recommends graphviz)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends graphviz >/dev/null) \
			|| $(GRAPHVIZ_HELP); \
	elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
		echo "Installing Graphviz (sudo apt-get install --no-install-recommends graphviz)"; \
		(sudo -n apt-get update -qq && sudo -n DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends graphviz >/dev/null) \
			|| $(GRAPHVIZ_HELP); \
	else \
		$(GRAPHVIZ_HELP); \
	fi

# Re-record the PyTorch reference values in tests/data/torch_reference.json.
# Needs PyTorch 2.13.0 (CPU); `make test` itself never needs PyTorch.
torch-reference: $(STAMP)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) tests/reference/record_torch_reference.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis out
