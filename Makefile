# vigil: two commands for a newcomer, `make demo` and `make test`. See README.md.
SHELL := /bin/bash
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libpcre2-dev liblz4-dev zlib1g-dev pkg-config
RELEASE_BIN := .build/release/vigil
DEBUG_BIN := .build/debug/vigil

.PHONY: all deps build release demo test lint format clean bench-parse oracle-venv oracle-refresh

all: build

# Installs the C libraries vigil links against, only when pkg-config cannot find them.
deps:
	@if ! pkg-config --exists libpcre2-8 liblz4 zlib 2>/dev/null; then \
		echo "installing $(APT_PACKAGES)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES); \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

SAMPLES := samples/auth.log samples/web.log samples/ufw.log samples/events.jsonl samples/rfc5424.log

demo: release
	$(RELEASE_BIN) run $(SAMPLES)
	@echo "first events as vigil parse prints them:"
	@$(RELEASE_BIN) parse samples/rfc5424.log samples/events.jsonl | head -n 4

test: deps oracle-venv
	$(SWIFT) build
	VIGIL_ORACLE_LIVE=1 $(SWIFT) test

# The pySigma reference evaluator for the Sigma differential tests (PyPI). The tests compare vigil with
# the oracle answers committed under Tests/Fixtures/Sigma/differential/golden; with the venv present,
# `make test` also checks those answers are what the oracle says now.
ORACLE_VENV := .venv-oracle
oracle-venv:
	@if [ ! -x $(ORACLE_VENV)/bin/python ]; then \
		python3 -m venv $(ORACLE_VENV) && $(ORACLE_VENV)/bin/pip install -q pysigma==2.0.1 pysigma-backend-sqlite==2.1.1; \
	fi

# Re-records the oracle's answers after changing the differential suites or fixtures.
oracle-refresh: oracle-venv
	$(ORACLE_VENV)/bin/python Tests/Fixtures/Sigma/differential/oracle_golden.py

# Times vigil run / vigil parse beside cat and syslog-ng on 2 M generated lines (release build).
bench-parse: release
	scripts/bench-parse.sh

lint:
	$(SWIFT) format lint --strict -r Sources Tests Package.swift

format:
	$(SWIFT) format format -i -r Sources Tests Package.swift

clean:
	rm -rf .build
