#!/usr/bin/env bash
# A/B of two vigil builds on the same input, alternating runs so that machine noise hits both alike.
# Prints each configuration's median wall time and CPU time (user+sys) for A and B, and B/A.
#
#   scripts/bench-ab.sh OLD_BINARY NEW_BINARY                # the bench-rules configurations, 5 rounds
#   ROUNDS=3 CONFIGS="decoders rules" scripts/bench-ab.sh A B
#
# Release builds only: speed claims come from here (or bench-rules.sh), never from timed unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."
A=${1:?old vigil binary}
B=${2:?new vigil binary}
ROUNDS=${ROUNDS:-5}
LINES=${LINES:-2000000}
OUT=${OUT:-bench-out}
SHARED=${VIGIL_SHARED:-../shared}
[ -d "$SHARED/tools" ] || SHARED=/work/shared
SUBSET=$SHARED/data/sigma-rules-subset/rules
mkdir -p "$OUT"
AUTH=$OUT/auth-$LINES.log
[ -s "$AUTH" ] || python3 "$SHARED/tools/gen-authlog.py" -n "$LINES" --out "${AUTH%.log}" >/dev/null 2>&1
[ -d "$OUT/variants-1000" ] || python3 scripts/make-rule-variants.py "$SUBSET" 1000 "$OUT/variants-1000"
CONFIGS=${CONFIGS:-"parse decoders subset variants1000 correlation rules"}

args() {
    case $1 in
    parse) echo "--no-decoders $AUTH" ;;
    decoders) echo "$AUTH" ;;
    subset) echo "--rules $SUBSET $AUTH" ;;
    variants1000) echo "--rules $OUT/variants-1000 $AUTH" ;;
    correlation) echo "--rules $SUBSET --rules rules/sigma/correlation $AUTH" ;;
    rules) echo "--rules rules/sigma $AUTH" ;;
    *) echo "unknown configuration $1" >&2; exit 2 ;;
    esac
}

# One run: "wall cpu" in seconds.
once() {
    local bin=$1
    shift
    /usr/bin/time -f "%e %U %S" -o "$OUT/ab-time.txt" "$bin" run --workers 2 "$@" >/dev/null 2>"$OUT/ab-summary.txt"
    awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$OUT/ab-time.txt"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

printf '%-14s %9s %9s %7s   %9s %9s %7s\n' config "A wall" "B wall" "B/A" "A cpu" "B cpu" "B/A"
for config in $CONFIGS; do
    read -r -a arguments <<<"$(args "$config")"
    wa=() wb=() ca=() cb=()
    for _ in $(seq "$ROUNDS"); do
        read -r w c < <(once "$A" "${arguments[@]}"); wa+=("$w"); ca+=("$c")
        read -r w c < <(once "$B" "${arguments[@]}"); wb+=("$w"); cb+=("$c")
    done
    mwa=$(printf '%s\n' "${wa[@]}" | median); mwb=$(printf '%s\n' "${wb[@]}" | median)
    mca=$(printf '%s\n' "${ca[@]}" | median); mcb=$(printf '%s\n' "${cb[@]}" | median)
    awk -v n="$config" -v wa="$mwa" -v wb="$mwb" -v ca="$mca" -v cb="$mcb" \
        'BEGIN { printf "%-14s %9.3f %9.3f %7.3f   %9.3f %9.3f %7.3f\n", n, wa, wb, wb / wa, ca, cb, cb / ca }'
done
