#!/usr/bin/env bash
# A/B of two vigil builds on the same input, alternating runs so that machine noise hits both alike.
# Prints each configuration's median wall time and CPU time (user+sys) for A and B, and B/A, and the
# CPU per event past loading: (CPU of the run - CPU of the same run on an empty input) / events, in
# microseconds. The empty run takes out loading and the fixed cost after it for binaries of any age
# (load_seconds.cpu, which bench-rules.sh subtracts, is newer than some builds worth comparing); it
# is a second run, so its noise adds up: with a load of seconds (10,000 rules) on 200 k events, run
# more ROUNDS or read bench-rules.sh's figure.
#
#   scripts/bench-ab.sh OLD_BINARY NEW_BINARY                # the bench-rules configurations, 5 rounds
#   ROUNDS=3 CONFIGS="decoders rules" scripts/bench-ab.sh A B
#   CONFIGS="many100 many10000" scripts/bench-ab.sh A B      # generated rules (make-many-rules.py) on
#                                                            # $MANY_LINES lines
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
MANY_LINES=${MANY_LINES:-200000}
MANY_INPUT=$OUT/auth-$MANY_LINES.log
CONFIGS=${CONFIGS:-"parse decoders subset variants1000 correlation rules"}
for config in $CONFIGS; do
    case $config in
    variants*) [ -d "$OUT/variants-${config#variants}" ] || python3 scripts/make-rule-variants.py "$SUBSET" "${config#variants}" "$OUT/variants-${config#variants}" ;;
    many*)
        [ -d "$OUT/many-${config#many}" ] || python3 scripts/make-many-rules.py "${config#many}" "$OUT/many-${config#many}"
        [ -s "$MANY_INPUT" ] || python3 "$SHARED/tools/gen-authlog.py" -n "$MANY_LINES" --out "${MANY_INPUT%.log}" >/dev/null 2>&1
        ;;
    esac
done

args() {
    case $1 in
    parse) echo "--no-decoders $AUTH" ;;
    decoders) echo "$AUTH" ;;
    subset) echo "--rules $SUBSET $AUTH" ;;
    variants*) echo "--rules $OUT/variants-${1#variants} $AUTH" ;;
    many*) echo "--rules $OUT/many-${1#many} $MANY_INPUT" ;;
    correlation) echo "--rules $SUBSET --rules rules/sigma/correlation $AUTH" ;;
    rules) echo "--rules rules/sigma $AUTH" ;;
    *) echo "unknown configuration $1" >&2; exit 2 ;;
    esac
}

: >"$OUT/empty.log"

# One run: "wall cpu" in seconds, and the CPU past loading per event in microseconds (the last
# argument is the input; the run is repeated on an empty one for the fixed cost).
once() {
    local bin=$1
    shift
    /usr/bin/time -f "%e %U %S" -o "$OUT/ab-time.txt" "$bin" run --workers 2 --stats-json "$OUT/ab-stats.json" "$@" \
        >/dev/null 2>"$OUT/ab-summary.txt"
    /usr/bin/time -f "%e %U %S" -o "$OUT/ab-time-empty.txt" "$bin" run --workers 2 "${@:1:$#-1}" "$OUT/empty.log" \
        >/dev/null 2>"$OUT/ab-summary-empty.txt"
    python3 -c 'import json, sys
wall, user, system = map(float, open(sys.argv[1]).read().split())
_, user0, system0 = map(float, open(sys.argv[2]).read().split())
events = json.load(open(sys.argv[3]))["events"]
print("%.3f %.3f %.4f" % (wall, user + system, (user + system - user0 - system0) / max(events, 1) * 1e6))' \
        "$OUT/ab-time.txt" "$OUT/ab-time-empty.txt" "$OUT/ab-stats.json"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

printf '%-14s %9s %9s %7s   %9s %9s %7s   %9s %9s %7s\n' config "A wall" "B wall" "B/A" "A cpu" "B cpu" "B/A" \
    "A us/ev" "B us/ev" "B/A"
for config in $CONFIGS; do
    read -r -a arguments <<<"$(args "$config")"
    wa=() wb=() ca=() cb=() ea=() eb=()
    for _ in $(seq "$ROUNDS"); do
        read -r w c e < <(once "$A" "${arguments[@]}"); wa+=("$w"); ca+=("$c"); ea+=("$e")
        read -r w c e < <(once "$B" "${arguments[@]}"); wb+=("$w"); cb+=("$c"); eb+=("$e")
    done
    mwa=$(printf '%s\n' "${wa[@]}" | median); mwb=$(printf '%s\n' "${wb[@]}" | median)
    mca=$(printf '%s\n' "${ca[@]}" | median); mcb=$(printf '%s\n' "${cb[@]}" | median)
    mea=$(printf '%s\n' "${ea[@]}" | median); meb=$(printf '%s\n' "${eb[@]}" | median)
    awk -v n="$config" -v wa="$mwa" -v wb="$mwb" -v ca="$mca" -v cb="$mcb" -v ea="$mea" -v eb="$meb" \
        'BEGIN { printf "%-14s %9.3f %9.3f %7.3f   %9.3f %9.3f %7.3f   %9.4f %9.4f %7.3f\n", n, wa, wb, wb / wa, ca, cb, cb / ca, ea, eb, eb / ea }'
    [ -z "${VERBOSE:-}" ] || echo "    A wall ${wa[*]} | B wall ${wb[*]} | A us/ev ${ea[*]} | B us/ev ${eb[*]}"
done
