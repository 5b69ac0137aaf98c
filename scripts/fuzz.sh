#!/usr/bin/env bash
# Builds the libFuzzer harnesses in Fuzz/ (release, fuzzer + address sanitizers), makes seed corpora
# from samples/ and rules/ into .fuzz/ (git-ignored), and runs each harness for a while, one at a time.
#
#   scripts/fuzz.sh                      every harness, FUZZ_SECONDS (default 180) each
#   scripts/fuzz.sh FuzzBatchParser ...  only those
#   FUZZ_SECONDS=60 FUZZ_NO_BUILD=1 scripts/fuzz.sh
#
# Crashes land in .fuzz/artifacts/<harness>/; the log of each run in .fuzz/logs/<harness>.log.
# See docs/FUZZING.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${FUZZ_SECONDS:-180}
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
    harnesses=(FuzzBatchParser FuzzSyslogFramer FuzzDecode FuzzSigmaMatch FuzzDecoderLoad FuzzSigmaLoad)
fi

# SwiftPM hands swiftc `-sanitize=fuzzer -sanitize=address` as two flags and the last one wins, so Swift
# code would get no coverage counters; the combined -Xswiftc flag (it comes last) restores them.
build_flags=(-c release --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address)
if [ -z "${FUZZ_NO_BUILD:-}" ]; then
    # After vigil's types changed, an incremental build once kept a harness compiled against the old
    # layout of a struct (AddressSanitizer then reported a stack-buffer-overflow in its initializer):
    # the harness modules and the build plan are made anew each time; vigil's modules stay incremental.
    rm -rf Fuzz/.build/release.yaml Fuzz/.build/*/release/Fuzz*.build
    (cd Fuzz && swift build "${build_flags[@]}")
fi
bin=$(cd Fuzz && swift build "${build_flags[@]}" --show-bin-path)

# Seeds: the format/size choice bytes each harness reads first, then a slice of a sample file.
python3 - "$root" <<'PY'
import os, sys, glob
root = sys.argv[1]
out = os.path.join(root, ".fuzz", "seeds")
samples = sorted(glob.glob(os.path.join(root, "samples", "*.log")) + glob.glob(os.path.join(root, "samples", "*.jsonl")))
def write(harness, name, data):
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
chunks = []
for path in samples:
    lines = open(path, "rb").read().splitlines(keepends=True)
    for i in range(0, min(len(lines), 40), 8):
        chunks.append((os.path.basename(path) + f"-{i}", b"".join(lines[i:i + 8])))
for name, chunk in chunks:
    for choice in range(5):
        write("FuzzBatchParser", f"{name}-{choice}", bytes([choice * 2, 255]) + chunk)
        write("FuzzDecode", f"{name}-{choice}", bytes([choice]) + chunk)
    for choice in range(4):
        write("FuzzSigmaMatch", f"{name}-{choice}", bytes([choice]) + chunk)
    # Syslog over TCP: octet-counted and LF-framed streams, cut in two places.
    lines = chunk.splitlines()
    counted = b"".join(str(len(l)).encode() + b" " + l for l in lines)
    write("FuzzSyslogFramer", name + "-counted", bytes([255, 2, 7, 0, 40, 0]) + counted)
    write("FuzzSyslogFramer", name + "-lf", bytes([20, 1, 3, 0]) + chunk)
for path in glob.glob(os.path.join(root, "rules", "decoders", "*.yml")):
    write("FuzzDecoderLoad", os.path.basename(path), open(path, "rb").read())
for path in glob.glob(os.path.join(root, "rules", "sigma", "**", "*.yml"), recursive=True):
    write("FuzzSigmaLoad", os.path.relpath(path, root).replace("/", "_"), open(path, "rb").read())
# Nesting that once overflowed the stack (issue 12): parentheses and 'not' in a condition and in a
# correlation expression, and an expression whose normal form explodes; the limits must stop them.
rule = "title: t\nname: r\nlogsource: {product: linux}\ndetection:\n  sel: {a: b}\n  condition: %s\n"
write("FuzzSigmaLoad", "deep-parens.yml", (rule % ("(" * 2000 + "sel" + ")" * 2000)).encode())
write("FuzzSigmaLoad", "deep-not.yml", (rule % ("not " * 5000 + "sel")).encode())
corr = "---\ntitle: c\ncorrelation: {type: temporal, rules: [r], timespan: 1m, condition: %s}\n"
write("FuzzSigmaLoad", "deep-expression.yml", (rule % "sel" + corr % ("(" * 2000 + "r" + ")" * 2000)).encode())
write("FuzzSigmaLoad", "dnf-bomb.yml", (rule % "sel" + corr % " and ".join(["(r or r)"] * 30)).encode())
PY

# libFuzzer reports crashes itself; the Swift backtracer would only slow them down.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
status=0
for harness in "${harnesses[@]}"; do
    corpus=.fuzz/corpus/$harness
    artifacts=.fuzz/artifacts/$harness/
    mkdir -p "$corpus" "$artifacts" .fuzz/logs
    echo "== $harness: ${seconds}s"
    # -rss_limit_mb: the address sanitizer's shadow memory counts; -timeout flags hangs; -detect_leaks=0: the
    # leak checker reports buffers held by Foundation (String(contentsOfFile:)) and global caches.
    if ! "$bin/$harness" "$corpus" ".fuzz/seeds/$harness" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=3072 -max_len=65536 -detect_leaks=0 -artifact_prefix="$artifacts" -print_final_stats=1 \
        >".fuzz/logs/$harness.log" 2>&1; then
        echo "   FAILED, see .fuzz/logs/$harness.log and $artifacts"
        status=1
    fi
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|^#[0-9]+.*DONE' ".fuzz/logs/$harness.log" | sed 's/^/   /' || true
done
exit $status
