# vigil: two commands for a newcomer, `make demo` and `make test`. See README.md.
SHELL := /bin/bash
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libpcre2-dev liblz4-dev zlib1g-dev pkg-config
BROWSER_PACKAGES := chromium chromium-driver python3-venv
RELEASE_BIN := .build/release/vigil
DEBUG_BIN := .build/debug/vigil

.PHONY: all deps build release demo test lint format clean cluster-check bench bench-archive bench-cluster bench-desk bench-parse bench-rules oracle-refresh fuzz soak install uninstall .venv

all: build

# Installs the C libraries vigil links against, only when pkg-config cannot find them.
deps:
	@if ! pkg-config --exists libpcre2-8 liblz4 zlib 2>/dev/null; then \
		echo "installing $(APT_PACKAGES)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES); \
	fi
	@# The alert output tests send to a real syslog-ng, started by the test on a free loopback port.
	@if ! command -v syslog-ng >/dev/null 2>&1 && [ ! -x /usr/sbin/syslog-ng ]; then \
		echo "installing syslog-ng-core"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq syslog-ng-core; \
	fi
	@# The console's HTTPS and end-to-end tests talk to vigil's HTTP server with curl.
	@if ! command -v curl >/dev/null 2>&1; then \
		echo "installing curl"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq curl; \
	fi
	@# The TLS listener tests make a throwaway certificate and send with the openssl command.
	@if ! command -v openssl >/dev/null 2>&1; then \
		echo "installing openssl"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openssl; \
	fi
	@# Scale-out (docs/SCALING.md): the NATS C client links into vigil; the cluster tests start their
	@# own nats-server with JetStream on a free loopback port.
	@if ! pkg-config --exists libnats 2>/dev/null || { ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; }; then \
		echo "installing libnats-dev nats-server"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libnats-dev nats-server; \
	fi
	@# The console's browser test (tests/browser/console_test.py) drives Debian's headless Chromium
	@# through its chromedriver, from a Python venv (make .venv).
	@if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ] || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then \
		echo "installing $(BROWSER_PACKAGES)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(BROWSER_PACKAGES); \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# make install: PREFIX/bin/vigil and the whole rules/ tree (decoders, Sigma rules, logsource mapping) as
# PREFIX/share/vigil, where the binary finds its defaults from any directory (README: "Where vigil finds
# its rules"). It builds a release first; INSTALL_BINARY=path installs that binary instead, without
# building (`make release && sudo make install INSTALL_BINARY=.build/release/vigil` builds as yourself).
PREFIX ?= /usr/local
DESTDIR ?=
INSTALL_BINARY ?=
SHARE_DIR = $(DESTDIR)$(PREFIX)/share/vigil

install: $(if $(INSTALL_BINARY),,release)
	install -d "$(DESTDIR)$(PREFIX)/bin"
	install -m 0755 "$(or $(INSTALL_BINARY),$(RELEASE_BIN))" "$(DESTDIR)$(PREFIX)/bin/vigil"
	@# A fresh copy: files removed from rules/ since the last install must not stay behind and load.
	rm -rf "$(SHARE_DIR)"
	install -d "$(SHARE_DIR)"
	cp -R rules/. "$(SHARE_DIR)/"

uninstall:
	rm -f "$(DESTDIR)$(PREFIX)/bin/vigil"
	rm -rf "$(SHARE_DIR)"

SAMPLES := samples/auth.log samples/cron.log samples/attacks.log samples/web.log samples/ufw.log samples/events.jsonl samples/rfc5424.log

# Every alert as a JSON line, then alerts per rule, then the run summary (stderr).
demo: release
	@$(RELEASE_BIN) run --rules rules/sigma --year 2026 --alerts .demo-alerts.jsonl $(SAMPLES) 2> .demo-summary.txt; \
		status=$$?; cat .demo-alerts.jsonl; \
		echo; echo "== alerts per rule (kind, rule, count)"; \
		python3 -c 'import json,sys,collections; c=collections.Counter((a["kind"], a["rule"].get("name") or a["rule"]["title"]) for a in map(json.loads, open(".demo-alerts.jsonl"))); [print(f"{n:6d}  {k:11s} {r}") for (k,r),n in sorted(c.items())]'; \
		echo; echo "== run summary"; cat .demo-summary.txt; rm -f .demo-alerts.jsonl .demo-summary.txt; exit $$status

# Flood and load tests (millions of lines) run the release binary: a debug build correlates 20 times slower.
# The console's browser test finds Selenium in .venv (ConsoleBrowserEndToEndTests).
test: deps oracle-venv .venv
	$(SWIFT) build
	$(SWIFT) build -c release --product vigil
	$(DEBUG_BIN) test rules/decoders
	@# The alert output tests juggle descriptors, sockets and receiver processes in the test process
	@# itself: they run in a test process of their own, apart from the end-to-end suites' child
	@# processes and the dispatch sources that watch their pipes.
	@# The store and server suites are async (Swift concurrency, NIO): beside the end-to-end suites,
	@# whose synchronous waits hold the cooperative pool's threads (two on two cores), they starve, so
	@# they too get a test process of their own.
	VIGIL_ORACLE_LIVE=1 VIGIL_RELEASE_BINARY=$(CURDIR)/$(RELEASE_BIN) $(SWIFT) test --skip VigilOutputTests --skip VigilStoreTests --skip VigilServerTests
	$(SWIFT) test --filter VigilOutputTests
	$(SWIFT) test --filter VigilStoreTests --filter VigilServerTests
	$(MAKE) oracle-check

# Selenium for the console's real-browser test (tests/browser/console_test.py), pinned with what it pulls in.
# Remade when the pins change; `make .venv` makes it by hand.
.venv: .venv/.installed

.venv/.installed: tests/browser/requirements.txt
	@python3 -c 'import venv, ensurepip' 2>/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv; }
	python3 -m venv .venv
	.venv/bin/pip install -q -r tests/browser/requirements.txt
	touch $@

# Re-records the Sigma detection oracle answers after changing the differential suites or fixtures.
oracle-refresh: oracle-venv
	$(ORACLE_VENV)/bin/python Tests/Fixtures/Sigma/differential/oracle_golden.py

# The ordo-one/benchmark targets in Benchmarks/ (its own package, release build): every stage and end to end.
# BENCH_ARGS= passes options, e.g. BENCH_ARGS='--target EndToEnd' or BENCH_ARGS='--filter Decode'.
bench: deps
	cd Benchmarks && $(SWIFT) package benchmark --no-progress $(BENCH_ARGS)

# The archive's write speed, size, search speed and cost to vigil run on 2 M generated lines (release build).
bench-archive: release
	scripts/bench-archive.sh

# The cluster path beside a single run on the same file (docs/SCALING.md, release build).
bench-cluster: release
	scripts/cluster-bench.sh

# Times vigil run / vigil parse beside cat and syslog-ng on 2 M generated lines (release build).
bench-parse: release
	scripts/bench-parse.sh

# vigil run end to end with decoders, the Sigma subset, 10/100/1000 rule variants and correlation.
bench-rules: release
	scripts/bench-rules.sh

# The analyst's desk under load: ingest-to-alert latency on the SSE stream at 100 k lines/s over UDP
# (detections and correlations), and what 50 stream subscribers cost ingestion (issue 14).
bench-desk: release
	scripts/desk-bench.py

# 30 minutes (SOAK_MINUTES) of mixed stdin, UDP and TCP load with the shipped rules and a sender cycling
# through hostile input: RSS over time, events in = events accounted for, alerts against the truth.
# Not in CI (see scripts/soak.py).
soak: release
	python3 scripts/soak.py

# libFuzzer harnesses (Fuzz/), FUZZ_SECONDS each (default 180); see docs/FUZZING.md.
fuzz: deps
	scripts/fuzz.sh

# Does the cluster path over NATS JetStream give a single run's alerts? FILE=... [RULES=...] [KILL=1]
cluster-check: release
	KILL=$(KILL) scripts/cluster-check.sh $(or $(FILE),../shared/data/loghub/OpenSSH/OpenSSH_2k.log) $(RULES)

lint:
	$(SWIFT) format lint --strict -r Sources Tests Package.swift Benchmarks/Package.swift Benchmarks/Benchmarks Benchmarks/Profiling Benchmarks/Support Fuzz/Package.swift Fuzz/Sources

format:
	$(SWIFT) format format -i -r Sources Tests Package.swift Benchmarks/Package.swift Benchmarks/Benchmarks Benchmarks/Profiling Benchmarks/Support Fuzz/Package.swift Fuzz/Sources

clean:
	rm -rf .build

# --- The Sigma reference oracle (pySigma + SQLite, from PyPI) and the peer benchmark ----------------------
# The detection and correlation differential tests read committed oracle answers
# (Tests/Fixtures/Sigma/differential/golden, Tests/Fixtures/Correlate/oracle), so `swift test` needs neither
# Python packages nor network. `make test` also checks them against the live oracle and fails if one is
# stale; ORACLE=skip skips that.
ORACLE_VENV := .venv-oracle
PEER_PACKAGES := sec syslog-ng-core time

.PHONY: oracle-venv oracle-fixtures oracle-check bench-peers-deps bench-peers

oracle-venv: $(ORACLE_VENV)/.installed

$(ORACLE_VENV)/.installed:
	@python3 -c 'import venv, ensurepip' 2>/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv; }
	python3 -m venv $(ORACLE_VENV)
	$(ORACLE_VENV)/bin/pip install -q pysigma==2.0.1 pysigma-backend-sqlite==2.1.1
	touch $@

# Regenerates the generated cases and every expected.json.
oracle-fixtures: oracle-venv
	python3 scripts/oracle-fixtures.py --python $(ORACLE_VENV)/bin/python

oracle-check:
	@if [ "$(ORACLE)" = skip ]; then echo "oracle-check skipped (ORACLE=skip)"; else \
		$(MAKE) oracle-venv && python3 scripts/oracle-fixtures.py --check --python $(ORACLE_VENV)/bin/python; fi

bench-peers-deps:
	@missing=""; for p in $(PEER_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

# vigil vs SEC vs syslog-ng on the same 2 M-line file and rule (LINES=, ROUNDS= to change).
bench-peers: release bench-peers-deps
	scripts/bench-peers.sh
