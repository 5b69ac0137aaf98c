#!/usr/bin/env bash
# Times parse-only throughput on 2 M generated lines (auth.log and JSON lines):
#   cat, vigil run --no-decoders, vigil run with the shipped decoders, vigil parse > /dev/null, and
#   syslog-ng 3.38 (plain RFC 3164 parse to a file).
# Prints lines/s (median of $REPEAT runs). Release build; run on a quiet machine for real figures.
#
#   scripts/bench-parse.sh            # or: make bench-parse
#   LINES=500000 REPEAT=1 WORKERS=2 scripts/bench-parse.sh
set -euo pipefail
cd "$(dirname "$0")/.."

LINES=${LINES:-2000000}
REPEAT=${REPEAT:-3}
WORKERS=${WORKERS:-2}
OUT=${OUT:-bench-out}
VIGIL=${VIGIL:-.build/release/vigil}
GEN=${GEN:-../shared/tools/gen-authlog.py}
[ -f "$GEN" ] || GEN=/work/shared/tools/gen-authlog.py

[ -x "$VIGIL" ] || swift build -c release --product vigil
if ! command -v syslog-ng >/dev/null; then
    echo "installing syslog-ng-core (apt-get)" >&2
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq syslog-ng-core >/dev/null
fi

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
if [ ! -s "$OUT/auth-$LINES.log" ] || [ ! -s "$OUT/auth-$LINES.jsonl" ]; then
    echo "generating $LINES lines with $GEN" >&2
    python3 "$GEN" -n "$LINES" --out "$OUT/auth-$LINES" >/dev/null 2>&1
fi
AUTH="$OUT/auth-$LINES.log"
JSONL="$OUT/auth-$LINES.jsonl"

cat > "$OUT/syslog-ng-parse.conf" <<CONF
@version: 3.38
# Plain RFC 3164 parse: read stdin, write every message with its parsed header fields to a file.
options { keep-hostname(yes); chain-hostnames(no); use-dns(no); use-fqdn(no); keep-timestamp(yes); stats-freq(0); };
source s_in { stdin(); };
destination d_out { file("$OUT/syslog-ng.out" template("\${ISODATE} \${HOST} \${PROGRAM} \${PID} \${MESSAGE}\n")); };
log { source(s_in); destination(d_out); };
CONF

now() { date +%s%N; }

# median_rate NAME LINES CMD...: runs CMD $REPEAT times, prints NAME and the median lines/s.
median_rate() {
    local name=$1 lines=$2
    shift 2
    local rates=()
    for _ in $(seq "$REPEAT"); do
        local start end
        start=$(now)
        if ! "$@" >/dev/null 2>"$OUT/last-error.txt"; then
            printf '%-34s failed: %s\n' "$name" "$(head -c 300 "$OUT/last-error.txt")"
            return 0
        fi
        end=$(now)
        rates+=("$(awk -v l="$lines" -v ns="$((end - start))" 'BEGIN { printf "%.0f", l / (ns / 1e9) }')")
    done
    local median
    median=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    printf '%-34s %12s lines/s   (%s)\n' "$name" "$median" "${rates[*]}"
}

syslog_ng() {
    rm -f "$OUT/syslog-ng.out"
    # Through a pipe: syslog-ng's stdin() source cannot poll a regular file.
    cat "$1" | syslog-ng -F --no-caps -f "$OUT/syslog-ng-parse.conf" --persist-file="$OUT/syslog-ng.persist" \
        --pidfile="$OUT/syslog-ng.pid" --control="$OUT/syslog-ng.ctl"
}

echo "parse-only throughput, $LINES lines, vigil --workers $WORKERS, median of $REPEAT (noisy if the machine is busy)"
for file in "$AUTH" "$JSONL"; do
    echo "== $(basename "$file") ($(du -h "$file" | cut -f1))"
    median_rate "cat" "$LINES" cat "$file"
    median_rate "vigil run --no-decoders" "$LINES" "$VIGIL" run --no-decoders --workers "$WORKERS" "$file"
    median_rate "vigil run --no-decoders (stdin)" "$LINES" sh -c "cat '$file' | '$VIGIL' run --no-decoders --workers $WORKERS"
    median_rate "vigil run (shipped decoders)" "$LINES" "$VIGIL" run --workers "$WORKERS" "$file"
    median_rate "vigil parse --no-decoders > /dev/null" "$LINES" "$VIGIL" parse --no-decoders --workers "$WORKERS" "$file"
    if [ "$file" = "$AUTH" ]; then
        median_rate "syslog-ng $(syslog-ng --version | head -1 | tr -d '()' | awk '{ print $3 }') (RFC 3164 to file)" "$LINES" syslog_ng "$file"
    fi
done
