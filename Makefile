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

# Textual's devtools console (textual-dev, in the test extra); in another terminal, `TEXTUAL=devtools make run`
# sends the UI's logs and prints to it.
console: $(PY)
	@test -x $(VENV)/bin/textual || $(VENV)/bin/pip install -q -e '.[test]'
	$(VENV)/bin/textual console

# The UI in a browser on http://127.0.0.1:8000 (see `pipeline serve --help` for --host and --port).
serve: $(PY)
	@$(PY) -c 'import textual_serve' 2>/dev/null || $(VENV)/bin/pip install -q -e '.[test]'
	$(VENV)/bin/pipeline serve

bench: $(PY)
	$(PY) benchmarks/run.py
