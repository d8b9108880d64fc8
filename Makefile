# Event Kiosk. Quick start: `make run` (serve the demo) and `make test` (the whole suite).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT
# Runtime system packages: the zbar library (pyzbar fallback decoder), a font with Vietnamese
# glyphs (PDFs, kiosk panel), the GL/GLib libraries OpenCV's window needs.
SYS_PKGS := libzbar0 fonts-dejavu-core fonts-liberation2 libgl1 libglib2.0-0
# Test-only system packages: Debian's Chromium for Playwright, poppler for PDF checks, Xvfb for
# the kiosk's real OpenCV window, caddy for the HTTPS-proxy test (docs/https.md).
TEST_SYS_PKGS := chromium poppler-utils xvfb xauth caddy

.PHONY: install install-test run test lint bench clean translations sys-packages

install: sys-packages $(VENV)/.installed translations

$(VENV)/.installed: requirements.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	@touch $@

sys-packages:
	@PKGS="$(SYS_PKGS) $(EXTRA_SYS_PKGS)" bash scripts/sys_packages.sh

translations: translations/en/LC_MESSAGES/messages.mo

translations/en/LC_MESSAGES/messages.mo: translations/en/LC_MESSAGES/messages.po $(VENV)/.installed
	@$(BIN)/pybabel compile -d translations 2>/dev/null

install-test:
	@$(MAKE) --no-print-directory install EXTRA_SYS_PKGS="$(TEST_SYS_PKGS)"

run: install
	$(BIN)/flask --app app init-db
	$(BIN)/flask --app app seed-demo --if-empty
	$(BIN)/flask --app app serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: install
	$(BIN)/python scripts/bench_checkin.py
	$(BIN)/python scripts/bench_live.py --rate 200
	$(BIN)/python scripts/bench_kiosk.py
	$(BIN)/python scripts/bench_scale.py
	$(BIN)/python scripts/bench_mc.py

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
