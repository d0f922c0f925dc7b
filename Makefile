# Everyday commands. `make test` is what CI runs (see .ci/run).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install test check snapshot-update run demo console serve bench

$(PY):
	python3 -m venv $(VENV) && $(VENV)/bin/pip install -q -e '.[test]'

install: $(PY)

test: $(PY)
	$(PY) -m pytest -n auto

check: $(PY)
	$(VENV)/bin/ruff check src tests benchmarks

snapshot-update: $(PY)
	$(PY) -m pytest tests/ui --snapshot-update

run: $(PY)
	$(VENV)/bin/pipeline

demo: $(PY)
	$(VENV)/bin/pipeline demo

console: $(PY)
	$(VENV)/bin/textual console

serve: $(PY)
	$(VENV)/bin/textual serve "$(VENV)/bin/pipeline"

bench: $(PY)
	$(PY) benchmarks/run.py
