# The two commands of the README: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run serve test bench lint install install-test lock migrate seed clean reset-demo

# make run PORT=5001 serves on another port; links in e-mails follow it.
PORT ?= 5000

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Installs exactly the versions in constraints.txt (what CI tested).
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install -q -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed reference
	$(BIN)/flask seed demo

# The web server and one worker (mail, PDFs, the scheduler) together, from the Procfile;
# Ctrl-C stops both.
run: seed
	GRANTS_PORT=$(PORT) $(BIN)/honcho start -f Procfile

# Start the demo again from scratch: the SQLite database, its uploads and kept e-mails go.
reset-demo: install
	rm -rf instance/grants.sqlite instance/uploads instance/mail
	$(MAKE) seed

# Production: GRANTS_ENV=production (refuses to start without GRANTS_SECRET_KEY and
# GRANTS_SECURE_COOKIES=1), PostgreSQL only, migrate first, then gunicorn with
# GRANTS_WORKERS workers (4) on GRANTS_BIND (127.0.0.1:8000) behind the TLS proxy.
serve: install
	@case "$${DATABASE_URL:-$$GRANTS_DATABASE_URL}" in postgresql*) ;; \
	  *) echo "make serve runs on PostgreSQL: set DATABASE_URL=postgresql+psycopg://..."; exit 1;; esac
	GRANTS_ENV=production $(BIN)/flask db upgrade
	GRANTS_ENV=production exec $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Every benchmark runs even when an earlier one misses a target; make bench fails at the end
# if any did (each writes its figures to benchmarks/RESULTS.md).
BENCHMARKS := bench_scoring bench_review bench_alignment bench_portfolio bench_mail bench_pages
bench: install-test
	@failed=""; for b in $(BENCHMARKS); do \
	  $(BIN)/python -m benchmarks.$$b || failed="$$failed $$b"; \
	done; \
	if [ -n "$$failed" ]; then echo "bench: targets missed in:$$failed"; exit 1; fi

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Re-pin after changing dependencies in pyproject.toml.
lock: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip freeze --exclude-editable | grep -v '^thb-grants' > constraints.txt

clean:
	rm -rf $(VENV) instance/grants.sqlite
