# The two commands of the README: `make run` and `make test`. Everything they need is set up here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
# pytest-xdist workers for `make test`: one per core by default (each gets its own PostgreSQL database).
TEST_WORKERS ?= auto
BIN := $(VENV)/bin
export FLASK_APP := tracker

.PHONY: run test lint translations messages setup clean benchmark-export benchmark

# The virtual environment, remade whenever a requirements file changes.
$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(BIN)/.installed translations

translations: $(BIN)/.installed
	$(BIN)/pybabel -q compile -d translations

# After changing messages in the sources: extract, update both catalogues, fill English (docs/TRANSLATING.md).
messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --no-location --sort-output \
		--no-wrap --add-comments=TRANSLATORS: '--project=Field-visit tracker' --version=1.0 \
		'--copyright-holder=the Field-visit tracker authors' -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete \
		--ignore-pot-creation-date --no-wrap
	$(BIN)/python translations/fill_english.py
	@test "$$(grep -c '^msgstr ""$$' translations/vi/LC_MESSAGES/messages.po)" -le 1 \
		|| echo "Now translate the empty msgstr entries in translations/vi/LC_MESSAGES/messages.po" || true

run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask load-communes
	$(BIN)/flask load-demo
	@echo
	@echo "  The tracker is at http://127.0.0.1:5000  (stop it with Ctrl+C)"
	@echo "  Demo sign-ins, all with the password dienbien-demo-2026:"
	@echo "    official.bunglao      commune official, Búng Lao"
	@echo "    official.quaito       commune official, Quài Tở"
	@echo "    supervisor.bunglao    supervisor, Búng Lao"
	@echo "    supervisor.province   supervisor, whole province"
	@echo "    admin                 administrator"
	@echo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup lint
	$(BIN)/pytest -n $(TEST_WORKERS)

# Not part of `make test`: 50,000 resolved concerns exported to CSV and XLSX in a throwaway database (a SQLite
# file; BENCHMARK_DATABASE_URL=postgresql://… for PostgreSQL, whose tables it drops), figures in benchmarks/results/.
benchmark-export: setup
	$(BIN)/python benchmarks/export_benchmark.py $(if $(BENCHMARK_DATABASE_URL),--database-url $(BENCHMARK_DATABASE_URL))

# Not part of `make test`: the pages against their targets on the province's data (1,446 villages, 5 years) in a
# PostgreSQL database it drops and creates (tracker_bench; BENCHMARK_SERVER_URL=postgresql://… for another server).
# Table in benchmarks/results/pages-<date>.md; benchmarks/README.md says what is measured.
benchmark: setup
	$(BIN)/python benchmarks/pages_benchmark.py $(if $(BENCHMARK_SERVER_URL),--server-url $(BENCHMARK_SERVER_URL))

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
