# Two commands on a fresh machine:
#   make demo   create .venv, install openskies, run the main job
#   make test   create .venv with the dev extras, run the whole test suite
# The virtual environment is created once and reinstalled only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check
# test files run in this many processes at once (each file's tests stay in one); 0: in this one
TEST_WORKERS ?= 2

.PHONY: demo test lint bench clean help

help:
	@echo "make demo   - install into .venv and run the main job"
	@echo "make test   - install with dev extras and run lint + the whole test suite"
	@echo "make bench  - run the performance benchmarks (slow)"
	@echo "make clean  - remove .venv and caches"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamp files record which install is current; they are older than pyproject.toml after an edit.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

HEADLINE := baseline-2019 after-us-withdrawal-2021 counterfactual/allies-share-with-us \
	after-russia-withdrawal-2022 nato-enlarged-2024

demo: $(VENV)/.installed
	$(BIN)/openskies compare $(HEADLINE) -o results/withdrawals --force
	@echo "Open results/withdrawals/report.md (figures in results/withdrawals/figures/)."

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

test: $(VENV)/.installed-dev lint
	$(BIN)/python -m pytest --nbmake --durations=12 -n $(TEST_WORKERS) --dist loadfile \
		tests benchmarks notebooks

bench: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m bench -s

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
