#!/usr/bin/env bash
# The archive's figures on the 2 M-line gen-authlog file (issue 15, docs/PERFORMANCE.md), release build:
#   - vigil run with every shipped rule, without and with --archive, alternating, $REPEAT times each:
#     lines/s and the ratio;
#   - archive size against the raw file (and what lz4 -1 gives the raw file);
#   - lz4 -1 of the raw file (the command line's speed, the bar for the writer);
#   - vigil search --where src_ip=IP against lz4 -dc SEGMENTS | grep -F IP (same answer, timed);
#   - a one-minute --from/--to search: blocks read of all blocks.
#
#   scripts/bench-archive.sh           # or: make bench-archive
#   LINES=500000 REPEAT=1 scripts/bench-archive.sh
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
if ! command -v lz4 >/dev/null; then
    echo "installing lz4 (apt-get): the bar the archive is measured against" >&2
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq lz4 >/dev/null
fi

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
if [ ! -s "$OUT/auth-$LINES.log" ]; then
    echo "generating $LINES lines with $GEN" >&2
    python3 "$GEN" -n "$LINES" --out "$OUT/auth-$LINES" >/dev/null 2>&1
fi
LOG="$OUT/auth-$LINES.log"
ARCHIVE="$OUT/archive"
seconds() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.3f}')"; }

plain=(); archived=()
for i in $(seq "$REPEAT"); do
    rm -rf "$ARCHIVE" "$OUT/state"
    t0=$(seconds); "$VIGIL" run --workers "$WORKERS" --rules rules/sigma --year 2026 --state-dir "$OUT/state" --alerts /dev/null "$LOG" 2>/dev/null; t1=$(seconds)
    plain+=("$(elapsed "$t0" "$t1")")
    t0=$(seconds); "$VIGIL" run --workers "$WORKERS" --rules rules/sigma --year 2026 --state-dir "$OUT/state" --alerts /dev/null --archive "$ARCHIVE" "$LOG" 2>/dev/null; t1=$(seconds)
    archived+=("$(elapsed "$t0" "$t1")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
P=$(median "${plain[@]}"); A=$(median "${archived[@]}")
RAW=$(stat -L -c %s "$LOG")
STORED=$(du -cbL "$ARCHIVE"/segments/*.vseg | tail -1 | cut -f1)
INDEX=$(du -cb "$ARCHIVE"/segments/*.vidx 2>/dev/null | tail -1 | cut -f1 || echo 0)
t0=$(seconds); lz4 -1 -c -q "$LOG" > "$OUT/raw.lz4"; t1=$(seconds)
LZ4S=$(elapsed "$t0" "$t1"); LZ4SIZE=$(stat -c %s "$OUT/raw.lz4")
# A rare address (the bar is for finding a needle): the first one seen in at most 3 lines.
IP=$(grep -oE 'from [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+' "$LOG" | cut -d' ' -f2 | sort | uniq -c | awk '$1 <= 3 && ip == "" {ip = $2} END {print ip}')
COMMON=$(grep -oE 'from [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+' "$LOG" | sed -n '777p' | cut -d' ' -f2)
t0=$(seconds); N1=$("$VIGIL" search --archive "$ARCHIVE" --where "src_ip=$IP" --arrival-order 2>/dev/null | wc -l); t1=$(seconds)
WHERE=$(elapsed "$t0" "$t1")
t0=$(seconds); N2=$(lz4 -dc -q "$OUT/raw.lz4" | grep -cF "$IP" || true); t1=$(seconds)
GREPS=$(elapsed "$t0" "$t1")
t0=$(seconds); C1=$("$VIGIL" search --archive "$ARCHIVE" --where "src_ip=$COMMON" --arrival-order 2>/dev/null | wc -l); t1=$(seconds)
CWHERE=$(elapsed "$t0" "$t1")
t0=$(seconds); C2=$(lz4 -dc -q "$OUT/raw.lz4" | grep -cF "$COMMON" || true); t1=$(seconds)
CGREP=$(elapsed "$t0" "$t1")
echo "search --where src_ip=$COMMON (a common one): $CWHERE s, $C1 lines; lz4 -dc | grep -F: $CGREP s, $C2 lines"
FROM=$(head -1 "$LOG" | cut -c1-15)
MINUTE=$("$VIGIL" search --archive "$ARCHIVE" --from 2026-"$(date -d "$FROM 2026" +%m-%dT%H:%M:00Z)" \
    --to 2026-"$(date -d "$FROM 2026 + 1 minute" +%m-%dT%H:%M:00Z)" 2>&1 >/dev/null | tail -1)
python3 - "$LINES" "$P" "$A" "$RAW" "$STORED" "$INDEX" "$LZ4S" "$LZ4SIZE" "$WHERE" "$GREPS" "$N1" "$N2" "$IP" "$MINUTE" <<'PY'
import sys
lines, p, a, raw, stored, index, lz4s, lz4size, where, greps, n1, n2, ip, minute = sys.argv[1:]
lines = int(lines); p, a = float(p), float(a); raw, stored, index, lz4size = int(raw), int(stored), int(index), int(lz4size)
print(f"vigil run, shipped rules:    {lines/p/1e6:6.2f} M lines/s ({p:.2f} s)")
print(f"vigil run --archive:         {lines/a/1e6:6.2f} M lines/s ({a:.2f} s)  {p/a*100:.0f} % of the run without archive")
print(f"archive size:                {stored/1e6:8.1f} MB segments + {index/1e6:.1f} MB index for {raw/1e6:.1f} MB raw: 1/{raw/stored:.2f}")
print(f"lz4 -1 of the raw file:      {lz4size/1e6:8.1f} MB (1/{raw/lz4size:.2f}), {raw/float(lz4s)/1e6:.0f} MB/s")
print(f"search --where src_ip={ip}: {float(where):.2f} s, {n1} lines; lz4 -dc | grep -F: {float(greps):.2f} s, {n2} lines; {float(greps)/max(float(where),1e-3):.1f}x")
print(f"one-minute search:           {minute}")
PY
