#!/usr/bin/env python3
"""Runs the pySigma oracle over the differential suites (suites.json) and writes golden/<suite>.json,
or with --check compares the oracle's answers with the committed golden files (exit 1 on a
difference). Usage: oracle_golden.py [--check] [--suite NAME]. Needs .venv-oracle (see the Makefile)."""
import argparse
import gzip
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "../../../.."))
SHARED = os.environ.get("VIGIL_SHARED_DATA") or os.path.abspath(os.path.join(ROOT, "../shared/data"))
if not os.path.isdir(SHARED):
    SHARED = "/work/shared/data"
ORACLE_DIR = os.path.join(os.path.dirname(SHARED), "tools", "sigma-oracle")
sys.path.insert(0, ORACLE_DIR)
import oracle  # noqa: E402


def resolve(path):
    return os.path.join(SHARED, path[len("shared:"):]) if path.startswith("shared:") else os.path.join(ROOT, path)


def convert(spec, out_dir, index):
    """Writes the suite's event file as JSON lines, as the Swift test builds it."""
    source = resolve(spec["path"])
    target = os.path.join(out_dir, f"{index}.jsonl")
    if spec["convert"] == "lines":
        with open(source, encoding="utf-8", errors="replace") as f, open(target, "w") as out:
            for line in f.read().split("\n"):
                if line.strip():
                    out.write(json.dumps({"message": line}) + "\n")
    elif spec["convert"] == "jsonl-gz":
        with gzip.open(source, "rt", encoding="utf-8") as f, open(target, "w") as out:
            out.write(f.read())
    else:
        target = source
    return f"{target}@{spec['logsource']}"


def run_suite(suite):
    with tempfile.TemporaryDirectory() as tmp:
        specs = [convert(e, tmp, i) for i, e in enumerate(suite["events"])]
        rules = [resolve(r) for r in suite["rules"]]
        results, events, errors = oracle.run(rules, specs, strict_logsource=True)
    matched = {}
    for r in results:
        if "matched" in r:
            matched.setdefault(r["id"], set()).update(r["matched"])
    return {
        "suite": suite["name"],
        "events": len(events),
        "matched": {k: sorted(v) for k, v in sorted(matched.items())},
        "errors": sorted(f"{where}: {err}".replace(ROOT + "/", "").replace(SHARED + "/", "shared:") for where, err in errors),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--suite")
    args = ap.parse_args()
    with open(os.path.join(HERE, "suites.json")) as f:
        suites = json.load(f)["suites"]
    os.makedirs(os.path.join(HERE, "golden"), exist_ok=True)
    failed = False
    for suite in suites:
        if args.suite and suite["name"] != args.suite:
            continue
        result = run_suite(suite)
        path = os.path.join(HERE, "golden", f"{suite['name']}.json")
        text = json.dumps(result, indent=1, sort_keys=True) + "\n"
        if args.check:
            with open(path) as f:
                if f.read() != text:
                    print(f"golden/{suite['name']}.json differs from the oracle's answers; run make oracle-refresh")
                    failed = True
        else:
            with open(path, "w") as f:
                f.write(text)
            print(f"{suite['name']}: {result['events']} events, {sum(map(len, result['matched'].values()))} matches, "
                  f"{len(result['errors'])} oracle errors")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
