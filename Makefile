# Two commands for a fresh clone: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed

.PHONY: run test test-postgres install index browser pg fuzz soak clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch goes in first and pinned: an unpinned torch pulls a multi-GB CUDA build.
# pip prints one line per package, so a first install (several minutes) shows where it is.
PIP_INSTALL := $(PIP) install --progress-bar off --no-input
$(STAMP): pyproject.toml | $(PY)
	@echo "== Installing into $(VENV) (first time: several minutes) =="
	$(PIP_INSTALL) --upgrade pip
	@echo "== PyTorch 2.13.0 (CPU) =="
	$(PIP_INSTALL) torch==2.13.0
	@echo "== Revierlotse and its dependencies =="
	$(PIP_INSTALL) -e '.[test]'
	touch $(STAMP)
	@echo "== Installed =="

install: $(STAMP)

index: install
	$(VENV)/bin/revierlotse index --if-missing

run: index
	$(VENV)/bin/revierlotse serve

# The staff-page test drives Debian's Chromium; install it when we can (root + apt).
# If that is impossible the browser test skips and says why; everything else still runs.
browser:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian chromium for the browser test"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| echo "chromium could not be installed; the browser test will be skipped"; \
	fi

# The PostgreSQL tests need the server and pgvector (scripts/postgres/install.sh, ~30 s once, root + apt).
# Best effort like the browser: if it cannot be installed, those tests skip and say why.
pg:
	@out=$$(bash scripts/postgres/install.sh 2>&1) && echo "$$out" | tail -n 1 \
		|| { echo "$$out" | tail -n 3; echo "PostgreSQL + pgvector could not be installed; the PostgreSQL tests will be skipped"; }

test: install browser pg
	$(PY) -m pytest

# The tests that run on PostgreSQL, alone (marker `postgres`: the [postgres] half of the tests
# parametrised over both backends, and the PostgreSQL-only ones).
test-postgres: install pg
	$(PY) -m pytest -m postgres

# Long API fuzzing run (>= 1,000 generated calls); make test runs a short one.
fuzz: install
	REVIERLOTSE_FUZZ_EXAMPLES=1000 $(PY) -m pytest -q tests/reliability/test_api_fuzz.py

# 10 minutes at 20 requests/s, mixed search/ask, on loopback.
soak: install
	$(PY) bench/soak.py

clean-venv:
	rm -rf $(VENV)

# Local PostgreSQL 15 + pgvector (scripts/postgres/, docs/decisions/postgres-setup.md).
# pg-install needs root and apt; pg-start/pg-stop keep the cluster in $(PG_DATA_DIR), loopback only.
PG_DATA_DIR ?= .pgdata
PG_PORT     ?= 55432

.PHONY: pg-install pg-start pg-stop

pg-install:
	bash scripts/postgres/install.sh

pg-start:
	bash scripts/postgres/start.sh $(PG_DATA_DIR) $(PG_PORT)

pg-stop:
	bash scripts/postgres/stop.sh $(PG_DATA_DIR)
