# Two commands: `make demo` (install, build the demo borough, serve it) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in the demo's emails and texts point where it is served (make demo PORT=8123 works).
# By name, not number: browsers make passkeys for localhost but never for 127.0.0.1, which is
# still where the server listens (localhost is in the default ALLOWED_HOSTS).
SITE_URL ?= http://localhost:$(PORT)
# The demo's Twilio token is published (settings.DEMO_TWILIO_AUTH_TOKEN) and ignored unless
# KITH_DEMO is on: it only lets inbound texts be tried by hand (see also `kith text-in`).
DEMO_ENV := KITH_DEMO=1 SITE_URL=$(SITE_URL) TWILIO_AUTH_TOKEN=kith-demo-only-not-a-secret
# gunicorn's largest bounded request line (its default, 4094, answers long searches with its own
# bare page): longer addresses than Kith reads get Kith's own page (core.middleware.MAX_ADDRESS).
LIMIT_REQUEST_LINE := 8190

.PHONY: install demo demo-data serve test lint types check clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Kith needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

demo-data: $(STAMP)
	$(DEMO_ENV) $(BIN)/kith migrate --no-input -v 0
	$(DEMO_ENV) $(BIN)/kith demo
	$(DEMO_ENV) $(BIN)/kith postcodes
	$(DEMO_ENV) $(BIN)/kith collectstatic --no-input -v 0

# The sweep (reminders, check-ups, regular help) runs every minute beside the server, and the
# worker sends the outbox's email and texts; both stop with it.
serve: $(STAMP)
	@echo "Serving the demo at $(SITE_URL)/  (Ctrl-C stops it)"
	@$(DEMO_ENV) $(BIN)/kith tick --every 60 > var/tick.log 2>&1 & tick=$$!; \
	$(DEMO_ENV) $(BIN)/kith worker > var/worker.log 2>&1 & worker=$$!; \
	trap 'kill $$tick $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) $(BIN)/gunicorn kith.wsgi --bind $(HOST):$(PORT) --workers 2 \
		--access-logfile - --logger-class kith.core.access_log.AccessLogger \
		--forwarded-allow-ips 127.0.0.1 --limit-request-line $(LIMIT_REQUEST_LINE)

demo: demo-data serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

types: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) lint types
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) var
