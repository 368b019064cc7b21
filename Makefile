# The two README commands: `make demo` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# every optional extra pyproject.toml declares, comma-separated: the tests of each one run
EXTRAS := $(shell sed -n '/^\[project.optional-dependencies\]/,/^\[/s/^\([A-Za-z0-9_-]*\) *= *\[.*/\1/p' pyproject.toml | paste -sd, -)

# Our own Python code; the sample teams under submissions/ are student-style and excluded (pyproject.toml).
LINTED := grader reference_impl tests scripts benchmarks

.PHONY: demo test lint format bench setup clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch from the on-disk CPU build; a bare `torch` would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	# every extra, so that every test runs (test + the optional features); EXTRAS is read from pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/grade --fast submissions/team_x

test: lint
	$(BIN)/python -m pytest -n 2 tests

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

format: $(STAMP)
	$(BIN)/ruff check --fix $(LINTED)
	$(BIN)/ruff format $(LINTED)

bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks --benchmark-only -p no:xdist

clean:
	rm -rf $(VENV) .pytest_cache .benchmarks
