# gridstream: `make run` starts the local stack, `make test` runs lint and the whole suite.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
PYTEST_ARGS ?= -n auto
SRC := libs services tools bench

.PHONY: run test lint format bench sync uv clean

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv

uv: $(UV)

sync: uv
	$(UV) sync --all-packages --locked

run: sync
	$(UV) run --no-sync gridstream up

lint: sync
	$(UV) run --no-sync ruff check $(SRC)
	$(UV) run --no-sync ruff format --check $(SRC)
	$(UV) run --no-sync mypy $(SRC)

format: sync
	$(UV) run --no-sync ruff format $(SRC)
	$(UV) run --no-sync ruff check --fix $(SRC)

test: lint
	$(UV) run --no-sync pytest $(PYTEST_ARGS)

bench: sync
	$(UV) run --no-sync python -m bench

clean:
	rm -rf .venv .tools .mypy_cache .ruff_cache .pytest_cache
