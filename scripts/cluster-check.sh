#!/usr/bin/env bash
# Does the cluster path give a single run's alerts? (issue 16, docs/SCALING.md)
#
#   scripts/cluster-check.sh FILE [RULES...]       # or: make cluster-check FILE=... [RULES=...]
#   KILL=1 scripts/cluster-check.sh FILE           # kill -9 an analyzer and restart nats-server on the way
#
# Starts nats-server with JetStream on a free 127.0.0.1 port and a temporary store, runs a single
# `vigil run` of FILE and the cluster path (cluster init, edge, analyze --drain, alerts --drain) with
# the same rules (default rules/sigma), compares the alert ids, prints both counts, and exits 0 only
# when the sets are equal and the alert stream holds each id once. The stamps' year is fixed
# (YEAR, default 2025) so that both paths date the lines alike. Everything is removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

FILE=${1:?usage: scripts/cluster-check.sh FILE [RULES...]}
shift
RULES=("$@")
[ ${#RULES[@]} -gt 0 ] || RULES=(rules/sigma)
VIGIL=${VIGIL:-.build/release/vigil}
YEAR=${YEAR:-2025}
KILL=${KILL:-0}
[ -x "$VIGIL" ] || swift build -c release --product vigil
SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)
[ -x "$SERVER" ] || { echo "nats-server is not installed (make deps installs it)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-cluster-check.XXXXXX")
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="nats://127.0.0.1:$PORT"
SERVER_PID=
ANALYZER_PID=
cleanup() {
    [ -n "$ANALYZER_PID" ] && kill -9 "$ANALYZER_PID" 2>/dev/null || true
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
start_server() {
    "$SERVER" -js -a 127.0.0.1 -p "$PORT" -sd "$WORK/store" >>"$WORK/nats-server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nats-server did not start:" >&2
    tail -20 "$WORK/nats-server.log" >&2
    exit 2
}
stored_alerts() { "$VIGIL" cluster status --nats "$URL" 2>/dev/null | awk '/^stream VIGIL_ALERTS:/ {print $3}'; }
rule_args=()
for rule in "${RULES[@]}"; do rule_args+=(--rules "$rule"); done

start_server
"$VIGIL" cluster init --nats "$URL" >/dev/null
"$VIGIL" run "${rule_args[@]}" --year "$YEAR" --state-dir "$WORK/single-state" "$FILE" >"$WORK/single.jsonl" 2>"$WORK/single.err" \
    || { tail -20 "$WORK/single.err" >&2; exit 2; }
"$VIGIL" cluster edge --nats "$URL" --year "$YEAR" "$FILE" 2>"$WORK/edge.err" >/dev/null || { tail -20 "$WORK/edge.err" >&2; exit 2; }
analyze=("$VIGIL" cluster analyze --nats "$URL" "${rule_args[@]}" --year "$YEAR")
if [ "$KILL" = 1 ]; then
    "${analyze[@]}" --state-dir "$WORK/first" >/dev/null 2>"$WORK/first.err" &
    ANALYZER_PID=$!
    for _ in $(seq 600); do [ "$(stored_alerts)" -gt 0 ] 2>/dev/null && break; sleep 0.05; done
    kill -9 "$ANALYZER_PID" 2>/dev/null || true
    wait "$ANALYZER_PID" 2>/dev/null || true
    echo "killed an analyzer (kill -9) with $(stored_alerts) alerts stored"
    "${analyze[@]}" --drain --state-dir "$WORK/second" >/dev/null 2>"$WORK/second.err" &
    ANALYZER_PID=$!
    sleep 0.5
    kill -9 "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    start_server
    echo "restarted nats-server (kill -9) while the next analyzer ran"
    wait "$ANALYZER_PID" || { tail -20 "$WORK/second.err" >&2; exit 2; }
    ANALYZER_PID=
else
    "${analyze[@]}" --drain --state-dir "$WORK/analyzer" >/dev/null 2>"$WORK/analyzer.err" || { tail -20 "$WORK/analyzer.err" >&2; exit 2; }
fi
"$VIGIL" cluster alerts --nats "$URL" --drain >"$WORK/stream.jsonl"

python3 - "$WORK/single.jsonl" "$WORK/stream.jsonl" <<'PY'
import json, sys
single = [json.loads(line)["id"] for line in open(sys.argv[1])]
stream = [json.loads(line)["id"] for line in open(sys.argv[2])]
print(f"single run: {len(single)} alerts; alert stream: {len(stream)} alerts, {len(set(stream))} distinct")
missing, extra = set(single) - set(stream), set(stream) - set(single)
if missing or extra or len(stream) != len(set(stream)):
    print(f"DIFFERENT: {len(missing)} missing from the stream, {len(extra)} not in the single run, {len(stream) - len(set(stream))} stored twice")
    sys.exit(1)
print("same alert set, each stored once")
PY
