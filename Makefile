# Two commands for a fresh clone:  `make run`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python

.PHONY: run test setup index bench clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

setup: $(VENV)/.installed

index: setup
	$(PY) -m webapp build-index

SAMPLE_DB = instance/briefing.sqlite

run: index
	$(PY) -m webapp ingest webapp/samples/sitrep-2024-05-03.txt --published 2024-05-03 --db $(SAMPLE_DB)
	$(PY) -m webapp serve --db $(SAMPLE_DB)

test: index
	$(PY) -m pytest -q tests; rc=$$?; [ $$rc -eq 5 ] && rc=0; exit $$rc

bench: index
	$(PY) bench/geocode.py
	$(PY) bench/extract.py
	$(PY) bench/import_rows.py
	$(PY) bench/web.py

clean:
	rm -rf $(VENV) instance
