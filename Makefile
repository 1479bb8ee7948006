# The two commands of the README:
#   make demo   -- set up .venv and run the quick input-cell attention reproduction
#   make test   -- set up .venv and run the whole test suite
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench reproduce-quick browser

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -c constraints.txt -e ".[dev,data]"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/salience reproduce ica --profile quick

# The report's browser test needs Debian's chromium; the script installs it when it can (root +
# apt) and otherwise says why (the test is then skipped).
browser:
	bash scripts/install-browser.sh

test: setup browser
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/python -m pytest -n 2

# The quick profiles of saliency guided training's three evaluations (about 9 minutes on 2 cores);
# CI runs them after the tests.
reproduce-quick: setup
	$(VENV)/bin/salience reproduce sgt-mnist --profile quick
	$(VENV)/bin/salience reproduce sgt-text --profile quick
	$(VENV)/bin/salience reproduce sgt-timeseries --profile quick

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks

bench: setup
	$(VENV)/bin/python benchmarks/bench_input_cell.py
	$(VENV)/bin/python benchmarks/bench_tsr.py
	$(VENV)/bin/python benchmarks/bench_metrics.py
	$(VENV)/bin/python benchmarks/bench_generation.py
	$(VENV)/bin/python benchmarks/bench_grid.py
	$(VENV)/bin/python benchmarks/bench_sgt.py
