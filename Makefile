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

run: index
	$(PY) -m webapp serve

test: index
	$(PY) -m pytest -q tests; rc=$$?; [ $$rc -eq 5 ] && rc=0; exit $$rc

bench: index
	$(PY) bench/geocode.py

clean:
	rm -rf $(VENV) instance
