#!/usr/bin/env bash
# The cluster path's cost beside a single run (issue 16, docs/SCALING.md), release build, same file:
#   - single: vigil run --rules rules/sigma FILE;
#   - cluster: edge and analyzer (--drain) at once through a private nats-server, from the edge's start
#     to the analyzer's end;
#   - edge alone (into an empty stream), analyzer alone (over a full stream): each role's rate;
# alternating, $REPEAT rounds; lines/s, the ratio, and bytes per line on the wire.
#
#   scripts/cluster-bench.sh                     # 2 M gen-authlog lines
#   LINES=500000 REPEAT=1 scripts/cluster-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

LINES=${LINES:-2000000}
REPEAT=${REPEAT:-2}
OUT=${OUT:-bench-out}
VIGIL=${VIGIL:-.build/release/vigil}
GEN=${GEN:-../shared/tools/gen-authlog.py}
[ -f "$GEN" ] || GEN=/work/shared/tools/gen-authlog.py
[ -x "$VIGIL" ] || swift build -c release --product vigil
SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
if [ ! -s "$OUT/auth-$LINES.log" ]; then
    echo "generating $LINES lines with $GEN" >&2
    python3 "$GEN" -n "$LINES" --out "$OUT/auth-$LINES" >/dev/null 2>&1
fi
LOG="$OUT/auth-$LINES.log"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-cluster-bench.XXXXXX")
SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill $SERVER_PID 2>/dev/null; rm -rf "$WORK"' EXIT
seconds() { date +%s.%N; }
rate() { python3 -c "print(f'{$LINES / ($2 - $1) / 1e6:.3f}')"; }
fresh_server() {
    [ -n "$SERVER_PID" ] && { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; }
    rm -rf "$WORK/store"
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    URL="nats://127.0.0.1:$PORT"
    "$SERVER" -js -a 127.0.0.1 -p "$PORT" -sd "$WORK/store" >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
    "$VIGIL" cluster init --nats "$URL" >/dev/null
}
analyze() { "$VIGIL" cluster analyze --nats "$URL" --drain --rules rules/sigma --year 2025 --state-dir "$WORK/analyzer-$1" >"$WORK/alerts-$1.jsonl" 2>/dev/null; }

single=(); cluster=(); edge=(); analyzer=()
for round in $(seq "$REPEAT"); do
    start=$(seconds)
    "$VIGIL" run --rules rules/sigma --year 2025 --state-dir "$WORK/single-$round" "$LOG" >"$WORK/single.jsonl" 2>/dev/null
    single+=("$(rate "$start" "$(seconds)")")

    fresh_server
    start=$(seconds)
    analyze "c$round" &
    analyzer_pid=$!
    "$VIGIL" cluster edge --nats "$URL" --year 2025 "$LOG" >/dev/null 2>&1
    wait "$analyzer_pid"
    cluster+=("$(rate "$start" "$(seconds)")")

    fresh_server
    start=$(seconds)
    "$VIGIL" cluster edge --nats "$URL" --year 2025 "$LOG" >/dev/null 2>&1
    edge+=("$(rate "$start" "$(seconds)")")
    start=$(seconds)
    analyze "a$round"
    analyzer+=("$(rate "$start" "$(seconds)")")
    echo "round $round: single ${single[-1]}, cluster ${cluster[-1]}, edge alone ${edge[-1]}, analyzer alone ${analyzer[-1]} M lines/s" >&2
done
wire=$("$VIGIL" cluster status --nats "$URL" | awk '/^stream VIGIL_RAW:/ {print $5}')
echo "file: $LOG ($LINES lines, $(stat -L -c %s "$LOG") bytes)"
echo "single vigil run:           ${single[*]} M lines/s"
echo "cluster (edge + analyzer):  ${cluster[*]} M lines/s"
echo "edge alone:                 ${edge[*]} M lines/s"
echo "analyzer alone:             ${analyzer[*]} M lines/s"
python3 - "$wire" "$LINES" "$(stat -L -c %s "$LOG")" "${single[*]}" "${cluster[*]}" <<'PY'
import sys
wire, lines, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
single = [float(x) for x in sys.argv[4].split()]
cluster = [float(x) for x in sys.argv[5].split()]
print(f"raw stream: {wire} bytes, {wire / lines:.1f} bytes per line on the wire ({size / lines:.1f} as read, 1/{size / wire:.2f})")
best_s, best_c = max(single), max(cluster)
print(f"cluster / single (best of each): {best_c / best_s:.2f}; per line: {1 / best_c - 1 / best_s:+.3f} us more")
PY
cmp <(python3 -c "import json,sys; print('\n'.join(sorted(json.loads(l)['id'] for l in open('$WORK/single.jsonl'))))") \
    <(python3 -c "import json,sys; print('\n'.join(sorted(json.loads(l)['id'] for l in open('$WORK/alerts-c1.jsonl'))))") \
    && echo "alerts: the cluster path's equal the single run's" || echo "alerts: DIFFERENT"
