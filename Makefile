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
# the kiosk's real OpenCV window, caddy for the HTTPS-proxy test (docs/https.md), postgresql for
# the suite's throwaway PostgreSQL when no TEST_DATABASE_URL is given (tests/pg_throwaway.py).
TEST_SYS_PKGS := chromium poppler-utils xvfb xauth caddy postgresql

.PHONY: install install-test run run-https test lint lock bench clean translations sys-packages

# Python packages: the locked runtime (requirements.txt) for `make install`, the locked runtime +
# tests and tools (requirements-dev.txt) for `make install-test`; both then install the project
# itself, editable (`pip install --no-deps -e .`: the `event-kiosk` command). `make lock` compiles
# the lock files from requirements.in / requirements-dev.in (pip-tools; existing pins are kept,
# `make lock UPGRADE=1` moves every package to the newest release the .in files allow).
PIP := $(BIN)/pip install --disable-pip-version-check -q

install: sys-packages $(VENV)/.installed translations node_modules/.installed

# The phone scanner's JavaScript (zxing-wasm, @noble/ed25519: package.json, pinned in
# package-lock.json), served by the server under /vendor/ (issue 24); no build step. Node.js and npm
# come from Debian when missing.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || PKGS="nodejs npm" bash scripts/sys_packages.sh
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

$(VENV)/.installed: requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(PIP) -r requirements.txt
	$(PIP) --no-deps -e .
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP) -r requirements-dev.txt
	@touch $@

sys-packages:
	@PKGS="$(SYS_PKGS) $(EXTRA_SYS_PKGS)" bash scripts/sys_packages.sh

translations: translations/en/LC_MESSAGES/messages.mo

translations/en/LC_MESSAGES/messages.mo: translations/en/LC_MESSAGES/messages.po $(VENV)/.installed
	@$(BIN)/pybabel compile -d translations 2>/dev/null

install-test:
	@$(MAKE) --no-print-directory install $(VENV)/.installed-dev EXTRA_SYS_PKGS="$(TEST_SYS_PKGS)"

LOCK_OPTS := -q --strip-extras --no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)
lock: $(VENV)/.installed-dev
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile $(LOCK_OPTS) -o requirements.txt requirements.in
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile $(LOCK_OPTS) -o requirements-dev.txt requirements-dev.in

run: install
	$(BIN)/flask --app app init-db
	$(BIN)/flask --app app seed-demo --if-empty
	$(BIN)/flask --app app serve --host $(HOST) --port $(PORT)

# The same with HTTPS for the ushers' phones (issue 24): caddy (`tls internal`, docs/Caddyfile) in
# front, waitress on 127.0.0.1 behind it. EK_HOST=<the server's LAN address> (docs/https.md).
run-https: install
	@PKGS=caddy bash scripts/sys_packages.sh
	$(BIN)/flask --app app init-db
	$(BIN)/flask --app app seed-demo --if-empty
	$(BIN)/flask --app app serve --https --port $(PORT)

# Both databases: TEST_DATABASE_URL when given (CI), else a throwaway PostgreSQL of the session's
# own; TEST_DATABASE_URL=none for a quick SQLite-only run. Skips are listed with their reason (-rs).
test: install-test
	$(BIN)/python -m pytest -q -rs $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: install
	$(BIN)/python scripts/bench_checkin.py
	$(BIN)/python scripts/bench_live.py --rate 200
	$(BIN)/python scripts/bench_kiosk.py
	$(BIN)/python scripts/bench_scale.py
	$(BIN)/python scripts/bench_mc.py

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts node_modules
