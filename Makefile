# tougen-pub — two commands on a fresh machine: `make all` (set up, check, build the books)
# and `make test` (set up, run the test suite).

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANUSCRIPT ?= manuscript
OUT ?= build
WRITING_MODE ?= vertical
TOUGEN := $(BIN)/tougen-pub
PYTEST_ARGS ?=

.PHONY: all setup system-deps check epub pdf books test test-fast lint format clean help
.PHONY: bench bench-scale mutants coverage

help:
	@echo "make all        set up, check the manuscript and build every edition into $(OUT)/"
	@echo "make epub       $(OUT)/NAME.epub (WRITING_MODE=horizontal for NAME-horizontal.epub;"
	@echo "                a series in volumes: NAME-vol01.epub, …; VOLUME=N for one volume)"
	@echo "make pdf        $(OUT)/NAME-vertical.pdf (WRITING_MODE=horizontal for the 横組 edition)"
	@echo "make check      validate $(MANUSCRIPT)/ and print every problem"
	@echo "make test       set up and run the test suite"
	@echo "make lint       ruff, mypy and the layer contract (tests/test_layers.py)"
	@echo "make coverage   the test suite under coverage, with a report"
	@echo "make mutants    stub out each print feature in a scratch copy; the tests must fail"
	@echo "make clean      remove $(OUT)/ and the virtualenv"

all: setup check books

setup: .stamp-venv system-deps
	@$(TOUGEN) doctor --quiet --manuscript $(MANUSCRIPT) --out $(OUT)

PIP := $(BIN)/pip --quiet --disable-pip-version-check
# pip names every configured index folder that does not exist on this machine: not ours
PIP_NOISE := grep -v "^WARNING: Location 'file:.*' is ignored" || true

.stamp-venv: pyproject.toml
	@echo "setup: Python virtualenv $(VENV) with tougen-pub and its packages (pyproject.toml)"
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) install --upgrade pip 2>&1 | { $(PIP_NOISE); }
	@$(PIP) install -e '.[dev]' 2>&1 | { $(PIP_NOISE); }
	@touch $@

# Fast and silent on a complete machine; installs (as root) or names what is missing.
system-deps:
	@scripts/system-deps.sh $(if $(filter test test-fast mutants coverage,$(MAKECMDGOALS)),--test)

check: setup
	$(TOUGEN) check --manuscript $(MANUSCRIPT)

# A series in volumes (book.toml [volumes]) builds every volume; VOLUME=N builds one.
VOLUME_ARG := $(if $(VOLUME),--volume $(VOLUME))

epub: setup
	$(TOUGEN) build epub --manuscript $(MANUSCRIPT) --out $(OUT) --writing-mode $(WRITING_MODE) $(VOLUME_ARG)

pdf: setup
	$(TOUGEN) build pdf --manuscript $(MANUSCRIPT) --out $(OUT) --writing-mode $(WRITING_MODE) $(VOLUME_ARG)

books: setup
	$(MAKE) --no-print-directory epub WRITING_MODE=vertical
	$(MAKE) --no-print-directory epub WRITING_MODE=horizontal
	$(MAKE) --no-print-directory pdf WRITING_MODE=vertical
	$(MAKE) --no-print-directory pdf WRITING_MODE=horizontal

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/pytest -q -p no:cacheprovider tests/test_layers.py

# The suite under coverage (forked workers included): same results as a plain run.
coverage: setup system-deps
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)
	$(BIN)/coverage combine -q
	$(BIN)/coverage report --skip-covered --sort=cover | tail -25

# Stub out each feature listed in tests/mutants/*.toml in a scratch copy; its tests must fail.
mutants: setup
	$(BIN)/python scripts/mutants.py $(MUTANTS_ARGS)

format: setup
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

clean:
	rm -rf $(OUT) $(VENV) .stamp-venv src/*.egg-info .pytest_cache .mypy_cache .ruff_cache

# Benchmarks (bench/README.md): BENCH_N rounds (default 5) against pandoc and Vivliostyle
# from TOUGEN_PEERS (default /tmp/peers; missing peers are skipped with a note).
bench: setup
	$(BIN)/python -m tougen_pub.devtools.bench peers --manuscript $(MANUSCRIPT) --out $(OUT)/bench

bench-scale: setup
	$(BIN)/python -m tougen_pub.devtools.bench scale --out $(OUT)/bench
