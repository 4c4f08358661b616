# Every target sets up .venv from the project's own files when needed.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: test lint bench demo clean fuzz stress

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check importer tests bench
	$(VENV)/bin/ruff format --check importer tests bench
	$(VENV)/bin/mypy importer tests bench

# Mutated CSV, XLSX and XLS files fed to validate (a few minutes), then 200 CLI runs as subprocesses.
fuzz: $(STAMP)
	LEADIMPORT_FUZZ_EXAMPLES=$${LEADIMPORT_FUZZ_EXAMPLES:-600} $(PY) -m pytest -q -m fuzz tests/test_fuzz.py
	$(MAKE) stress

stress: $(STAMP)
	LEADIMPORT_STRESS_RUNS=$${LEADIMPORT_STRESS_RUNS:-200} $(PY) -m pytest -q -m stress tests/test_process_limits.py

bench: $(STAMP)
	$(PY) bench/run.py

demo: $(STAMP)
	$(PY) scripts/demo.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache bench/.data
