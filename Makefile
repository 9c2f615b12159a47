# peter_sslers: the two front-door commands.
#   make run    set up a virtual environment, initialise the SQLite database, serve example_development.ini
#   make test   set up everything the test suite needs, then run it on SQLite and on PostgreSQL
#   make demo   start pebble and peter_sslers on loopback and issue a certificate end to end
#   make simulate  a compressed-time year of renewals for 1,000 domains against real pebbles
#   make screenshots  regenerate docs/images/ (the admin in headless Chromium)
#   make bench     the hot paths over HTTP beside this machine's limits (bench/bench.py)
# Both work on a fresh Debian machine as root.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INI ?= example_development.ini
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

# Debian packages the test suite runs: openssl (the cert_utils fallback backend and its
# checks), curl (the specification's upload commands, run verbatim), pebble (a real ACME
# server, with pebble-challtestsrv), redis-server (the Redis priming tests; tests/edge/ also
# starts one of its own on a free port; it brings redis-benchmark, the Redis limit of
# `make bench`), chromium (the admin UI in a real browser, tests/ui/, driven by Playwright for
# Python from the testing extras; Playwright's own browser download is never used), wrk (the HTTP
# load of `make bench` and of its smoke tests, tests/tools/test_bench.py).
TEST_DEBIAN_PACKAGES := openssl curl pebble redis-server chromium wrk
# Debian packages checked with dpkg, not by a command: nginx with its Lua module and the Lua
# libraries the edge handler uses (tools/nginx_conf/, tests/edge/). Installing Debian's nginx
# would start the system nginx on port 80 of every interface: test-deps blocks service starts
# during the install (policy-rc.d); the tests run nginx themselves on loopback. bind9 (named, in
# /usr/sbin) likewise: its service would answer on port 53; tests/bind9.py runs its own named on
# a free loopback port with a throwaway configuration (dns-01, RFC 2136).
TEST_DEBIAN_LIBRARIES := nginx libnginx-mod-http-lua lua-resty-core lua-cjson bind9
# The switches of the tests that need those services: `make test` runs everything.
export SSL_RUN_LETSENCRYPT_API_TESTS ?= 1
# The nginx cache tests run against tools/fake_server.py on loopback (Python's standard library
# only); the edge tests (tests/edge/) against Debian's nginx with the Lua module, and Redis.
export SSL_RUN_NGINX_TESTS ?= 1
export SSL_RUN_REDIS_TESTS ?= 1
# dns-01: RFC 2136 updates and the visibility wait against Debian's bind9 on loopback (tests/bind9.py)
export SSL_RUN_DNS_TESTS ?= 1
# The admin UI in headless Chromium (tests/ui/: a crawl of every admin link and the operator's
# workflows). Run by the SQLite run only: the pages are the same on PostgreSQL (tests/web/
# covers every route on both), and two Chromiums at once on two cores slow both runs.
export SSL_RUN_BROWSER_TESTS ?= 1
SSL_RUN_BROWSER_TESTS_PG ?= 0
SSL_TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run demo simulate screenshots bench test install install-test test-deps test-redis test-both test-sqlite test-postgresql clean

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3-venv is missing: installing it with apt-get"; \
	  rm -rf $(VENV); apt-get update -qq && apt-get install -y -qq python3-venv python3-pip && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python test-deps
	$(BIN)/pip install -q -e '.[testing]'

test-deps:
	@missing=""; for p in $(TEST_DEBIAN_PACKAGES); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	for p in $(TEST_DEBIAN_LIBRARIES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages the tests need:$$missing"; \
	  guard=""; \
	  if [ ! -e /usr/sbin/policy-rc.d ]; then \
	    printf '#!/bin/sh\n# make test-deps: no service starts while installing\nexit 101\n' > /usr/sbin/policy-rc.d; \
	    chmod 755 /usr/sbin/policy-rc.d; guard=1; \
	  fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; rc=$$?; \
	  if [ -n "$$guard" ]; then rm -f /usr/sbin/policy-rc.d; fi; \
	  exit $$rc; \
	fi

run: install
	$(BIN)/initialize_peter_sslers_db $(INI)
	$(BIN)/pserve $(INI)

# Issue a certificate end to end on this machine: pebble + peter_sslers on loopback.
demo: install-test
	$(BIN)/python tools/demo.py $(DEMO_ARGS)

# A year of renewals for 1,000 domains in compressed time against two real pebbles (bench/simulate.py):
# writes bench/simulate_result.json and its section of docs/Performance.md. About 50 minutes, on the
# measured configuration: PostgreSQL (as `make test`, PG_TEST_URL), 8 real seconds a simulated day
# (at 5 s a 2-core machine cannot keep up); give the machine to it. A smaller run:
# make simulate SIM_ARGS="--domains 100 --days 60"
SIM_ARGS ?= --database-url $(PG_TEST_URL) --day-seconds 8
simulate: install-test
	$(BIN)/python bench/simulate.py $(SIM_ARGS)

# The admin's pictures in docs/images/ (README.md, docs/QuickStart.md), taken in headless Chromium
# from a throwaway database and pebble (tools/screenshots.py); needs what the tests need.
screenshots: install-test
	$(BIN)/python tools/screenshots.py $(SCREENSHOTS_ARGS)

# The hot paths over HTTP (waitress, wrk) beside this machine's limits, measured in the same run
# (bench/bench.py): builds its own data (10,000 domains; 100,000 for Redis), starts its own
# redis-server and pebble on loopback, compares issuance with certbot, and rewrites the marked
# section of docs/Performance.md and bench/bench_result.json. Full size: 30 to 40 minutes on 2 cores;
# a small run: make bench BENCH_ARGS=--quick. Run it on a quiet machine: it measures the machine too.
BENCH_ARGS ?=
bench: install-test
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

test: install-test
	$(MAKE) --no-print-directory test-redis
	$(MAKE) --no-print-directory test-both

# SQLite and PostgreSQL side by side: each run is one pytest process, so on two cores the pair
# takes about the time of one. The PostgreSQL run uses its own Redis database and writes to a
# log shown once both are done; `make test-sqlite` / `make test-postgresql` run one alone.
SSL_TEST_REDIS_URL_PG ?= redis://127.0.0.1:6379/14
test-both:
	@pg_log=$$(mktemp); \
	SSL_TEST_REDIS_URL="$(SSL_TEST_REDIS_URL_PG)" SSL_RUN_BROWSER_TESTS="$(SSL_RUN_BROWSER_TESTS_PG)" \
	  $(MAKE) --no-print-directory test-postgresql > $$pg_log 2>&1 & pg=$$!; \
	SSL_TEST_REDIS_URL="$(SSL_TEST_REDIS_URL)" $(MAKE) --no-print-directory test-sqlite; sqlite_rc=$$?; \
	wait $$pg; pg_rc=$$?; \
	cat $$pg_log; rm -f $$pg_log; \
	echo "=== SQLite: exit $$sqlite_rc; PostgreSQL: exit $$pg_rc"; \
	[ $$sqlite_rc -eq 0 ] && [ $$pg_rc -eq 0 ]

# The Redis tests use one database of the local redis-server; start it when it is not running.
# If it still does not answer, the Redis tests fail and say what is missing.
test-redis:
	@if [ -n "$$SSL_RUN_REDIS_TESTS" ] && [ "$$SSL_RUN_REDIS_TESTS" != "0" ]; then \
	  $(BIN)/python tools/redis_ready.py "$(SSL_TEST_REDIS_URL)" || echo "=== Redis does not answer at $(SSL_TEST_REDIS_URL): the Redis tests will fail"; \
	fi

test-sqlite:
	@echo "=== test suite on SQLite"
	$(BIN)/pytest $(PYTEST_ARGS) tests

# PostgreSQL runs where one answers at 127.0.0.1:5432; in CI (CI=true) it is required.
test-postgresql:
	@if $(BIN)/python tools/postgresql_ready.py "$(PG_TEST_URL)"; then \
	  echo "=== test suite on PostgreSQL"; \
	  SSL_TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest $(PYTEST_ARGS) tests; \
	elif [ -n "$$CI" ]; then \
	  echo "PostgreSQL is required in CI and does not answer at 127.0.0.1:5432" >&2; exit 1; \
	else \
	  echo "=== PostgreSQL does not answer at 127.0.0.1:5432: the PostgreSQL run is SKIPPED"; \
	fi

clean:
	rm -rf $(VENV) *.egg-info peter_sslers_test.sqlite .pytest_cache
