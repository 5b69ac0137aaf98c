#!/usr/bin/env bash
# Instructions executed (valgrind callgrind, --workers 1) by two vigil builds per configuration: a
# figure machine load does not move, for A/B checks on a busy machine. Wall time still comes from
# bench-ab.sh / bench-rules.sh on a quiet one; this says whether the work per line changed.
#
#   scripts/bench-instructions.sh OLD_BINARY NEW_BINARY          # parse, decoders, subset on 200 k lines
#   LINES=100000 CONFIGS="parse decoders" scripts/bench-instructions.sh A B
set -euo pipefail
cd "$(dirname "$0")/.."
A=${1:?old vigil binary}
B=${2:?new vigil binary}
LINES=${LINES:-200000}
OUT=${OUT:-bench-out}
SHARED=${VIGIL_SHARED:-../shared}
[ -d "$SHARED/tools" ] || SHARED=/work/shared
SUBSET=$SHARED/data/sigma-rules-subset/rules
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
mkdir -p "$OUT"
AUTH=$OUT/auth-$LINES.log
[ -s "$AUTH" ] || python3 "$SHARED/tools/gen-authlog.py" -n "$LINES" --out "${AUTH%.log}" >/dev/null 2>&1
CONFIGS=${CONFIGS:-"parse decoders subset correlation"}

args() {
    case $1 in
    parse) echo "--no-decoders $AUTH" ;;
    decoders) echo "$AUTH" ;;
    subset) echo "--rules $SUBSET $AUTH" ;;
    correlation) echo "--rules $SUBSET --rules rules/sigma/correlation $AUTH" ;;
    *) echo "unknown configuration $1" >&2; exit 2 ;;
    esac
}

# Valgrind gives up on the debug info of Swift release binaries: it runs stripped copies.
mkdir -p "$OUT/stripped"
strip -o "$OUT/stripped/a" "$A"
strip -o "$OUT/stripped/b" "$B"
A=$OUT/stripped/a
B=$OUT/stripped/b

instructions() {
    local bin=$1
    shift
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" run --workers 1 "$@" 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

printf '%-12s %16s %16s %10s %10s\n' configuration "A instr/line" "B instr/line" "B/A" ""
for config in $CONFIGS; do
    # shellcheck disable=SC2046
    a=$(instructions "$A" $(args "$config"))
    # shellcheck disable=SC2046
    b=$(instructions "$B" $(args "$config"))
    awk -v c="$config" -v a="$a" -v b="$b" -v n="$LINES" \
        'BEGIN { printf "%-12s %16.0f %16.0f %10.3f\n", c, a / n, b / n, b / a }'
done
