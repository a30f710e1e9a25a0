# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
PYTEST_OPTS ?= -q -p no:cacheprovider

REF := .venv-ref
REF_STAMP := $(REF)/.installed-$(shell sha1sum bench/qa/requirements-ref.txt | cut -c1-12)

.PHONY: run test lint unit integration-sqlite integration-postgres translations \
        extract-messages chromium label-studio bench bench-qa clean-instance faults wrk

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## Reference implementations (irrCAC, crowd-kit) pin versions the app cannot share, so they
## get a virtual environment of their own; the qa cross-checks and benchmark run there.
$(REF_STAMP): bench/qa/requirements-ref.txt
	test -x $(REF)/bin/python || $(PY) -m venv $(REF)
	$(REF)/bin/pip install -q --upgrade pip
	$(REF)/bin/pip install -q -r bench/qa/requirements-ref.txt
	rm -f $(REF)/.installed-*
	touch $(REF_STAMP)

## Compile the message catalogues (the .po files are committed, the .mo files are built).
translations: $(STAMP)
	$(BIN)/pybabel compile -f -d app/translations

## Re-extract messages after changing text; then translate the new entries in the .po file.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

## Debian's Chromium (browser tests, PDF reports), CJK fonts (Chinese screenshots and PDFs:
## WenQuanYi Micro Hei is TrueType, so Chromium embeds it as a named font) and poppler-utils
## (pdffonts, pdftoppm) to check the PDFs.
chromium:
	@if ! command -v chromium >/dev/null || ! fc-list | grep -qi "noto.*cjk" \
	    || ! fc-list | grep -qi "wenquanyi micro hei" || ! command -v pdffonts >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	    fonts-noto-cjk fonts-wqy-microhei poppler-utils; \
	fi

## wrk, the HTTP load generator of the benchmarks (Debian package).
wrk:
	@command -v wrk >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

## Label Studio 1.23.2 in its own virtual environment (.venv-ls).
label-studio: $(STAMP)
	$(BIN)/python tools/label_studio_server.py install

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP) translations $(REF_STAMP)
	$(BIN)/pytest tests/unit $(PYTEST_OPTS)

integration-sqlite: $(STAMP) translations chromium label-studio
	LABELGATE_TEST_DB=sqlite $(BIN)/pytest tests/integration tests/web -m "not faults" $(PYTEST_OPTS)

integration-postgres: $(STAMP) translations chromium label-studio
	LABELGATE_TEST_DB=postgresql $(BIN)/pytest tests/integration tests/web -m "not faults" \
	  $(PYTEST_OPTS)

## Fault tests (a second Label Studio stopped, workers killed, PostgreSQL cut off): slow, so
## they run once, on PostgreSQL with Redis, rather than in both database passes.
faults: $(STAMP) translations label-studio
	LABELGATE_TEST_DB=postgresql $(BIN)/pytest tests/integration/faults -m faults $(PYTEST_OPTS)

## The whole suite: lint, unit tests, every database test on SQLite and on PostgreSQL, then
## the fault tests.
test: lint unit integration-sqlite integration-postgres faults

## Set up on embedded defaults (SQLite, in-process jobs, a local Label Studio) and serve.
run: $(STAMP) translations label-studio
	$(BIN)/python tools/run_local.py

bench: $(STAMP) $(REF_STAMP) wrk label-studio
	$(BIN)/python -m bench

bench-qa: $(REF_STAMP)
	$(REF)/bin/python -m bench.qa

clean-instance:
	rm -rf instance
