# The two commands of the README:
#   make demo   -- set up .venv and run the quick input-cell attention reproduction
#   make test   -- set up .venv and run the whole test suite
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -c constraints.txt -e ".[dev,data]"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/salience reproduce ica --profile quick

test: setup
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/python -m pytest -n 2

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks

bench: setup
	$(VENV)/bin/python benchmarks/bench_input_cell.py
	$(VENV)/bin/python benchmarks/bench_tsr.py
	$(VENV)/bin/python benchmarks/bench_metrics.py
	$(VENV)/bin/python benchmarks/bench_generation.py
	$(VENV)/bin/python benchmarks/bench_grid.py
