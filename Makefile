# Two commands for a fresh clone: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed

.PHONY: run test install index clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch goes in first and pinned: an unpinned torch pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

index: install
	$(VENV)/bin/revierlotse index corpus --if-missing

run: index
	$(VENV)/bin/revierlotse serve

test: install
	$(PY) -m pytest

clean-venv:
	rm -rf $(VENV)
