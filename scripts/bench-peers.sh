#!/usr/bin/env bash
# Peer comparison for issue 5: the same 2 M-line gen-authlog file and the same rule, "SSH brute force:
# 5 failed passwords from one source address within 60 s", run by
#   vigil      release build, shipped rule rules/sigma/correlation/mr_ssh_bruteforce.yml, --emit threshold
#   SEC 2.9    SingleWithThreshold on event time (../shared/bench/peers/SecEventTime.pm)
#   syslog-ng  3.38 grouping-by() (../shared/bench/peers/syslog-ng-ssh-bruteforce.conf)
# The peers alternate over ROUNDS rounds. Printed per peer: median lines/s, peak RSS (/usr/bin/time -v),
# alerts; then the ratios vigil/SEC and vigil/syslog-ng (goal: >= 7x and >= 3.5x) and the alert counts
# of ../shared/tools/truth-ssh-bruteforce.py for the same file.
#
#   make bench-peers                       # installs sec, syslog-ng-core and time if missing, builds release
#   LINES=200000 ROUNDS=1 scripts/bench-peers.sh
#   VIGIL_ARGS='run --rules ... FILE' scripts/bench-peers.sh   (FILE is replaced by the input path)
#
# Until `vigil run --rules` exists, vigil is skipped (or, if `vigil run` exists without rules, timed
# parse-only and marked so): the SEC and syslog-ng columns are measured either way.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${VIGIL_SHARED:-$ROOT/../shared}
[ -d "$SHARED/tools" ] || SHARED=/work/shared
LINES=${LINES:-2000000}
ROUNDS=${ROUNDS:-3}
SEED=${SEED:-42}
OUT=${OUT:-$ROOT/bench-out/peers}
VIGIL=${VIGIL:-$ROOT/.build/release/vigil}
PEERS=$SHARED/bench/peers
RULE=$ROOT/rules/sigma/correlation/mr_ssh_bruteforce.yml
mkdir -p "$OUT"

for tool in /usr/bin/time /usr/bin/sec /usr/sbin/syslog-ng perl python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool: run 'make bench-peers-deps'" >&2; exit 1; }
done

INPUT=$OUT/auth-$LINES-$SEED.log
if [ ! -s "$INPUT" ]; then
    echo "generating $LINES lines (seed $SEED) -> $INPUT" >&2
    python3 "$SHARED/tools/gen-authlog.py" -n "$LINES" --seed "$SEED" --out "${INPUT%.log}" >/dev/null 2>&1
fi
lines=$(wc -l <"$INPUT")
truth=$(python3 "$SHARED/tools/truth-ssh-bruteforce.py" "$INPUT")

# How vigil runs: the full rule if `vigil run` takes --rules, else parse-only, else not at all.
vigil_mode=skip
if [ -x "$VIGIL" ] && "$VIGIL" run --help >/dev/null 2>&1; then
    # Not `grep -q`: it exits at the first match, vigil then dies of SIGPIPE mid-help, and pipefail
    # made the test fail at random (vigil was timed parse-only).
    if "$VIGIL" run --help 2>&1 | grep -- '--rules' >/dev/null; then vigil_mode=rule; else vigil_mode=parse-only; fi
fi
if [ -n "${VIGIL_ARGS:-}" ]; then vigil_mode=custom; fi

peer_command() {
    case $1 in
    vigil)
        case $vigil_mode in
        rule) echo "'$VIGIL' run --rules '$RULE' --emit threshold '$INPUT' > '$OUT/vigil.alerts' 2> '$OUT/vigil.stderr'" ;;
        parse-only) echo "'$VIGIL' run '$INPUT' > '$OUT/vigil.alerts' 2> '$OUT/vigil.stderr'" ;;
        custom) echo "'$VIGIL' ${VIGIL_ARGS//FILE/$INPUT} > '$OUT/vigil.alerts' 2> '$OUT/vigil.stderr'" ;;
        esac
        ;;
    sec) echo "perl -I '$PEERS' -MSecEventTime /usr/bin/sec -conf='$PEERS/sec-ssh-bruteforce.conf' -input='$INPUT' -notail > '$OUT/sec.alerts'" ;;
    # syslog-ng's stdin() cannot poll a regular file: feed it through a pipe.
    syslog-ng)
        echo "rm -rf '$OUT/sng' && mkdir -p '$OUT/sng' && cat '$INPUT' | ALERTS='$OUT/syslog-ng.alerts' /usr/sbin/syslog-ng -F --no-caps" \
            "-f '$PEERS/syslog-ng-ssh-bruteforce.conf' -R '$OUT/sng/persist' -p '$OUT/sng/pid' -c '$OUT/sng/ctl' 2>/dev/null; rm -rf '$OUT/sng'"
        ;;
    esac
}

alerts_of() {
    case $1 in
    vigil) if [ "$vigil_mode" = parse-only ]; then echo "-"; else grep -c '"kind":"correlation"' "$OUT/vigil.alerts" || true; fi ;;
    sec) grep -c 'ALERT' "$OUT/sec.alerts" || true ;;
    syslog-ng) grep -c 'ALERT' "$OUT/syslog-ng.alerts" || true ;;
    esac
}

peers=(sec syslog-ng)
[ "$vigil_mode" != skip ] && peers=(vigil "${peers[@]}")
declare -A rates rss alerts
for round in $(seq 1 "$ROUNDS"); do
    for peer in "${peers[@]}"; do
        rm -f "$OUT/$peer.alerts"
        /usr/bin/time -v -o "$OUT/$peer.time" bash -c "$(peer_command "$peer")"
        elapsed=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$OUT/$peer.time")
        kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/$peer.time")
        rate=$(awk -v l="$lines" -v s="$elapsed" 'BEGIN {printf "%.0f", (s > 0 ? l / s : 0)}')
        rates[$peer]="${rates[$peer]:-} $rate"
        rss[$peer]=$(( ${rss[$peer]:-0} > kb ? ${rss[$peer]:-0} : kb ))
        alerts[$peer]=$(alerts_of "$peer")
        printf 'round %d  %-10s %10s lines/s  %6d MiB  %s alerts\n' "$round" "$peer" "$rate" $((kb / 1024)) "${alerts[$peer]}" >&2
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2))}'; }
echo
echo "input: $INPUT ($lines lines), $ROUNDS round(s), alternating"
echo "truth: $truth"
printf '%-10s %14s %12s %8s\n' peer "lines/s" "peak RSS" alerts
declare -A med
for peer in "${peers[@]}"; do
    med[$peer]=$(echo "${rates[$peer]}" | median)
    label=$peer
    [ "$peer" = vigil ] && [ "$vigil_mode" = parse-only ] && label="vigil*"
    printf '%-10s %14s %8d MiB %8s\n' "$label" "${med[$peer]}" $((rss[$peer] / 1024)) "${alerts[$peer]}"
done
if [ "$vigil_mode" = skip ]; then
    echo "vigil: not measured ($VIGIL has no 'run' command yet; build with 'make release')"
else
    [ "$vigil_mode" = parse-only ] && echo "* vigil ran parse-only: 'vigil run' does not take --rules yet"
    for peer in sec syslog-ng; do
        awk -v v="${med[vigil]}" -v p="${med[$peer]}" -v n="$peer" 'BEGIN {printf "vigil / %s: %.2fx\n", n, (p > 0 ? v / p : 0)}'
    done
fi
