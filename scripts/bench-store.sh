#!/usr/bin/env bash
# Times writing alerts into the alert store through its output (release build): prints alerts/s.
#
#   scripts/bench-store.sh           # 200,000 alerts
#   scripts/bench-store.sh 50000
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product StoreWriteRate >&2
.build/release/StoreWriteRate "${1:-200000}"
