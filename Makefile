# vigil: two commands for a newcomer, `make demo` and `make test`. See README.md.
SHELL := /bin/bash
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libpcre2-dev liblz4-dev zlib1g-dev pkg-config
RELEASE_BIN := .build/release/vigil
DEBUG_BIN := .build/debug/vigil

.PHONY: all deps build release demo test lint format clean bench-parse

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

test: deps
	$(SWIFT) build
	$(DEBUG_BIN) test rules/decoders
	$(SWIFT) test

# Times vigil run / vigil parse beside cat and syslog-ng on 2 M generated lines (release build).
bench-parse: release
	scripts/bench-parse.sh

lint:
	$(SWIFT) format lint --strict -r Sources Tests Package.swift

format:
	$(SWIFT) format format -i -r Sources Tests Package.swift

clean:
	rm -rf .build
