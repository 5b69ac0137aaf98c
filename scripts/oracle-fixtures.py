#!/usr/bin/env python3
"""Golden outputs of the Sigma reference oracle for vigil's correlation differential tests.

Each case is a folder of Tests/Fixtures/Correlate/oracle with rules.yml (detection and correlation
rules) and events.jsonl. This script
  1. writes the generated cases (rules and a seeded random event stream per correlation type),
  2. runs ../shared/tools/sigma-oracle/oracle.py on every case: once with all rules (correlation
     windows), once with the detection rules only (which events each detection rule matches),
  3. writes expected.json per case (or, with --check, compares with the committed one).

    make oracle-fixtures          # refresh (creates .venv-oracle with pySigma if missing)
    make oracle-check             # fail if the committed goldens differ from a live oracle run

Only the standard library is needed here; the oracle itself runs under the venv's Python.
"""
import argparse, hashlib, json, os, random, subprocess, sys, tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "Tests/Fixtures/Correlate/oracle"
ORACLE = Path(os.environ.get("VIGIL_SHARED_TOOLS", ROOT.parent / "shared/tools")) / "sigma-oracle/oracle.py"
if not ORACLE.exists():
    ORACLE = Path("/work/shared/tools/sigma-oracle/oracle.py")

BASE_RULES = """\
title: Login failed
id: 0b6a7f10-0000-4000-8000-000000000001
name: login_failed
logsource: {product: vigiltest}
detection: {selection: {action: failed}, condition: selection}
---
title: Login accepted
id: 0b6a7f10-0000-4000-8000-000000000002
name: login_accepted
logsource: {product: vigiltest}
detection: {selection: {action: accepted}, condition: selection}
---
title: Web request
id: 0b6a7f10-0000-4000-8000-000000000003
name: web_request
logsource: {product: vigiltest}
detection: {selection: {action: request}, condition: selection}
---
title: Recon A
id: 0b6a7f10-0000-4000-8000-00000000000a
name: recon_a
logsource: {product: vigiltest}
detection: {selection: {action: recon_a}, condition: selection}
---
title: Recon B
id: 0b6a7f10-0000-4000-8000-00000000000b
name: recon_b
logsource: {product: vigiltest}
detection: {selection: {action: recon_b}, condition: selection}
---
title: Recon C
id: 0b6a7f10-0000-4000-8000-00000000000c
name: recon_c
logsource: {product: vigiltest}
detection: {selection: {action: recon_c}, condition: selection}
"""


def corr(n, title, body):
    return f"---\ntitle: {title}\nid: 0b6a7f10-0000-4000-8000-0000000001{n:02d}\n{body.strip()}\n"


GENERATED = {
    "gen-event_count": (["failed", "failed", "failed", "accepted"], [
        corr(1, "EC gte 3 per src_ip in 60s", "correlation: {type: event_count, rules: [login_failed], group-by: [src_ip], timespan: 60s, condition: {gte: 3}}"),
        corr(2, "EC gt 4 per src_ip and user in 2m", "correlation: {type: event_count, rules: [login_failed], group-by: [src_ip, user], timespan: 2m, condition: {gt: 4}}"),
        corr(3, "EC lt 2 per src_ip in 30s", "correlation: {type: event_count, rules: [login_failed], group-by: [src_ip], timespan: 30s, condition: {lt: 2}}"),
        corr(4, "EC lte 1 per user in 45s", "correlation: {type: event_count, rules: [login_failed], group-by: [user], timespan: 45s, condition: {lte: 1}}"),
        corr(5, "EC eq 2 per src_ip in 40s", "correlation: {type: event_count, rules: [login_failed], group-by: [src_ip], timespan: 40s, condition: {eq: 2}}"),
        corr(6, "EC neq 1 over two rules in 20s", "correlation: {type: event_count, rules: [login_failed, login_accepted], group-by: [src_ip], timespan: 20s, condition: {neq: 1}}"),
        corr(7, "EC gte 10 overall in 90s", "correlation: {type: event_count, rules: [login_failed], timespan: 90s, condition: {gte: 10}}"),
        corr(8, "EC gte 2.5 per src_ip in 1m", "correlation: {type: event_count, rules: [login_failed], group-by: [src_ip], timespan: 1m, condition: {gte: 2.5}}"),
    ]),
    "gen-value_count": (["failed", "failed", "accepted", "blocked"], [
        corr(11, "VC distinct users per src_ip gte 3 in 5m", "correlation: {type: value_count, rules: [login_failed], group-by: [src_ip], timespan: 5m, condition: {field: user, gte: 3}}"),
        corr(12, "VC distinct ports per src_ip gt 2 in 2m", "correlation: {type: value_count, rules: [login_failed, login_accepted], group-by: [src_ip], timespan: 2m, condition: {field: port, gt: 2}}"),
        corr(13, "VC distinct users lt 2 in 1m", "correlation: {type: value_count, rules: [login_failed], group-by: [src_ip], timespan: 1m, condition: {field: user, lt: 2}}"),
        corr(14, "VC distinct src_ip per user eq 2 in 3m", "correlation: {type: value_count, rules: [login_failed], group-by: [user], timespan: 3m, condition: {field: src_ip, eq: 2}}"),
    ]),
    "gen-temporal": (["failed", "accepted", "recon_a", "recon_b", "recon_c"], [
        corr(21, "T failed and accepted per src_ip in 10m", "correlation: {type: temporal, rules: [login_failed, login_accepted], group-by: [src_ip], timespan: 10m}"),
        corr(22, "T two of three recon per host in 5m", "correlation: {type: temporal, rules: [recon_a, recon_b, recon_c], group-by: [host], timespan: 5m, condition: {gte: 2}}"),
        corr(23, "T fewer than two recon per host in 1m", "correlation: {type: temporal, rules: [recon_a, recon_b, recon_c], group-by: [host], timespan: 1m, condition: {lt: 2}}"),
        corr(24, "T all three recon per host and user in 4m", "correlation: {type: temporal, rules: [recon_a, recon_b, recon_c], group-by: [host, user], timespan: 4m}"),
    ]),
    "gen-temporal_ordered": (["recon_a", "recon_b", "recon_c", "failed", "accepted"], [
        corr(31, "TO a then b then c per host in 5m", "correlation: {type: temporal_ordered, rules: [recon_a, recon_b, recon_c], group-by: [host], timespan: 5m}"),
        corr(32, "TO two of a b c in order per host in 3m", "correlation: {type: temporal_ordered, rules: [recon_a, recon_b, recon_c], group-by: [host], timespan: 3m, condition: {gte: 2}}"),
        corr(33, "TO failed then accepted per src_ip in 2m", "correlation: {type: temporal_ordered, rules: [login_failed, login_accepted], group-by: [src_ip], timespan: 2m}"),
        corr(34, "TO more than one of c b a per host in 4m", "correlation: {type: temporal_ordered, rules: [recon_c, recon_b, recon_a], group-by: [host], timespan: 4m, condition: {gt: 1}}"),
    ]),
    "gen-numeric": (["request", "request", "request", "failed"], [
        corr(41, "SUM bytes per c-ip gt 30000 in 10m", "correlation: {type: value_sum, rules: [web_request], group-by: [c-ip], timespan: 10m, condition: {field: bytes, gt: 30000}}"),
        corr(42, "SUM bytes lt 5000 in 2m", "correlation: {type: value_sum, rules: [web_request], group-by: [c-ip], timespan: 2m, condition: {field: bytes, lt: 5000}}"),
        corr(43, "AVG bytes gte 6000 in 5m", "correlation: {type: value_avg, rules: [web_request], group-by: [c-ip], timespan: 5m, condition: {field: bytes, gte: 6000}}"),
        corr(44, "MEDIAN bytes gt 5000 in 5m", "correlation: {type: value_median, rules: [web_request], group-by: [c-ip], timespan: 5m, condition: {field: bytes, gt: 5000}}"),
        corr(45, "P90 bytes gte 8000 in 10m", "correlation: {type: value_percentile, rules: [web_request], group-by: [c-ip], timespan: 10m, condition: {field: bytes, percentile: 90, gte: 8000}}"),
        corr(46, "P25 bytes lte 3000 in 3m", "correlation: {type: value_percentile, rules: [web_request], group-by: [c-ip], timespan: 3m, condition: {field: bytes, percentile: 25, lte: 3000}}"),
    ]),
    "gen-extended": (["failed", "failed", "accepted", "recon_a", "recon_b", "recon_c"], [
        corr(51, "X failed and not accepted per src_ip in 2m", "correlation: {type: temporal, rules: [login_failed, login_accepted], group-by: [src_ip], timespan: 2m, condition: login_failed and not login_accepted}"),
        corr(52, "X a and b and not c per host in 3m", "correlation: {type: temporal, rules: [recon_a, recon_b, recon_c], group-by: [host], timespan: 3m, condition: recon_a and recon_b and not recon_c}"),
        corr(53, "X a or (b and not c) per host in 2m", "correlation: {type: temporal, rules: [recon_a, recon_b, recon_c], group-by: [host], timespan: 2m, condition: recon_a or (recon_b and not recon_c)}"),
        corr(54, "X ordered a then b, not c, per host in 4m", "correlation: {type: temporal_ordered, rules: [recon_a, recon_b, recon_c], group-by: [host], timespan: 4m, condition: recon_a and recon_b and not recon_c}"),
        corr(55, "X a and b per host in 1m", "correlation: {type: temporal, group-by: [host], timespan: 1m, condition: recon_a and recon_b}"),
        corr(56, "X not (a or b) and c per host in 2m", "correlation: {type: temporal, rules: [recon_a, recon_b, recon_c], group-by: [host], timespan: 2m, condition: not (recon_a or recon_b) and recon_c}"),
    ]),
    "gen-aliases": (["failed", "request", "accepted"], [
        corr(61, "AL web client then ssh failure per ip in 10m", """
correlation:
    type: temporal
    rules: [web_request, login_failed]
    group-by: [ip]
    timespan: 10m
    aliases: {ip: {web_request: c-ip, login_failed: src_ip}}"""),
        corr(62, "AL events per ip over two rules gte 4 in 3m", """
correlation:
    type: event_count
    rules: [web_request, login_failed]
    group-by: [ip]
    timespan: 3m
    condition: {gte: 4}
    aliases: {ip: {web_request: c-ip, login_failed: src_ip}}"""),
        corr(63, "AL distinct users per ip gte 2 in 5m", """
correlation:
    type: value_count
    rules: [web_request, login_failed]
    group-by: [ip]
    timespan: 5m
    condition: {field: who, gte: 2}
    aliases:
        ip: {web_request: c-ip, login_failed: src_ip}
        who: {web_request: cs-username, login_failed: user}"""),
    ]),
    "gen-chained": (["failed", "failed", "failed", "accepted"], [
        corr(71, "CH many failed (child)", "name: many_failed\ncorrelation: {type: event_count, rules: [login_failed], group-by: [src_ip], timespan: 1m, condition: {gte: 3}}"),
        corr(72, "CH repeated bursts per src_ip gte 3 in 5m", "correlation: {type: event_count, rules: [many_failed], group-by: [src_ip], timespan: 5m, condition: {gte: 3}}"),
        corr(73, "CH burst then accepted per src_ip in 10m", "correlation: {type: temporal_ordered, rules: [many_failed, login_accepted], group-by: [src_ip], timespan: 10m}"),
        corr(74, "CH child (2)", "name: failed_users\ncorrelation: {type: value_count, rules: [login_failed], group-by: [src_ip], timespan: 2m, condition: {field: user, gte: 2}}"),
        corr(75, "CH sum of child counts per src_ip gt 6 in 5m", "correlation: {type: value_sum, rules: [failed_users], group-by: [src_ip], timespan: 5m, condition: {field: value_count, gt: 6}}"),
        corr(76, "CH chained three levels", "correlation: {type: event_count, rules: [many_failed_2], group-by: [src_ip], timespan: 30m, condition: {gte: 2}}"),
        corr(77, "CH level 2 child", "name: many_failed_2\ncorrelation: {type: event_count, rules: [many_failed_b], group-by: [src_ip], timespan: 5m, condition: {gte: 4}}"),
        corr(78, "CH level 1 child", "name: many_failed_b\ncorrelation: {type: event_count, rules: [login_failed], group-by: [src_ip], timespan: 2m, condition: {gte: 2}}"),
    ]),
}


SPEC = Path(os.environ.get("VIGIL_SHARED_DATA", ROOT.parent / "shared/data")) / "sigma-specification"
if not SPEC.exists():
    SPEC = Path("/work/shared/data/sigma-specification")


def base(title, ref, action):
    key = "id" if "-" in ref and len(ref) == 36 else "name"
    digest = int(hashlib.sha1(ref.encode()).hexdigest()[:10], 16)
    extra = "" if key == "id" else f"id: 0b6a7f10-0000-4000-8000-{digest % 10**12:012d}\n"
    return f"title: {title}\n{key}: {ref}\n{extra}logsource: {{product: vigiltest}}\ndetection: {{selection: {{action: {action}}}, condition: selection}}\n"


def spec_events(seed, kind, count=600):
    r = random.Random(seed)
    t = datetime(2026, 2, 1, 8, 0, 0, tzinfo=timezone.utc)
    computers = ["WS-001", "ws-001", "WS-002", "SRV-9"]
    out = []
    for _ in range(count):
        t += timedelta(seconds=r.choice([0, 1, 2, 4, 7, 12, 20, 45]) if kind not in ("value_avg",) else r.choice([60, 600, 3600]))
        e = {"_logsource": {"product": "vigiltest"}, "timestamp": t.strftime("%Y-%m-%dT%H:%M:%SZ")}
        if kind in ("event_count", "event_count_ecs", "value_count"):
            e["action"] = "failed"
            e["ComputerName"] = r.choice(computers)
            e["WorkstationName"] = r.choice(["A", "B"])
            e["User"] = f"user{r.randint(0, 160)}"
            if kind == "event_count_ecs":
                e["dns"] = {"question": {"name": r.choice(["a.example", "B.example", "c.example"])}}
        elif kind in ("temporal", "temporal_ordered"):
            e["action"] = r.choice(["recon_a", "recon_b", "recon_c"])
            e["ComputerName"] = r.choice(computers[:2])
            e["User"] = r.choice(["alice", "bob"])
        elif kind == "value_sum":
            e["action"] = "access"
            e["SourceIP"] = r.choice(["10.1.1.1", "10.1.1.2"])
            e["User"] = r.choice(["alice", "bob"])
            e["bytes_sent"] = r.randint(0, 40000)
        elif kind == "value_avg":
            e["action"] = "net"
            e["SourceIP"] = r.choice(["10.1.1.1", "10.1.1.2"])
            e["User"] = r.choice(["alice", "bob"])
            e["BytesOut"] = r.randint(0, 1100)
        elif kind == "value_percentile":
            e["action"] = "process"
            e["ComputerName"] = r.choice(computers)
            e["Image"] = r.choice(["C:\\a.exe", "C:\\b.exe"])
        out.append(e)
    return out


SPEC_CASES = {
    "event_count": base("Failed login", "5638f7c0-ac70-491d-8465-2a65075e0d86", "failed"),
    "event_count_ecs": base("Failed login", "5638f7c0-ac70-491d-8465-2a65075e0d86", "failed"),
    "value_count": base("Failed login", "5638f7c0-ac70-491d-8465-2a65075e0d86", "failed"),
    "temporal": "---\n".join(base(f"Recon {x}", f"recon_cmd_{x}", f"recon_{x}") for x in "abc"),
    "temporal_ordered": "---\n".join(base(f"Recon {x}", f"recon_cmd_{x}", f"recon_{x}") for x in "abc"),
    "value_sum": base("Website access", "website_access", "access"),
    "value_avg": base("Network traffic", "rule_a_id", "net"),
    "value_percentile": base("Process creation", "process_creation", "process"),
}


def write_spec_cases():
    for i, (kind, rules) in enumerate(sorted(SPEC_CASES.items())):
        folder = CASES / f"spec-{kind}"
        folder.mkdir(parents=True, exist_ok=True)
        spec_rule = (SPEC / "tests/schema/correlation" / f"{kind}.yml").read_text().rstrip() + "\n"
        (folder / "rules.yml").write_text(
            f"# Generated by scripts/oracle-fixtures.py. The correlation is the Sigma specification's example\n"
            f"# tests/schema/correlation/{kind}.yml (public domain), verbatim; the detection rules are ours.\n"
            + rules + "---\n" + spec_rule)
        events = spec_events(2000 + i, kind, count=1500 if kind == "value_count" else 600)
        (folder / "events.jsonl").write_text("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events))
    # The spec's complete example (failed logins followed by a successful login), chained.
    text = (SPEC / "specification/sigma-correlation-rules-specification.md").read_text()
    block = text.split("### Failed Logins Followed by Successful Login", 1)[1].split("```yml", 1)[1].split("```", 1)[0]
    folder = CASES / "spec-example-chain"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rules.yml").write_text(
        "# The Sigma specification's complete example (public domain), verbatim; generated by scripts/oracle-fixtures.py.\n"
        + block.lstrip("\n"))
    r = random.Random(3000)
    t = datetime(2026, 3, 1, 9, 0, 0, tzinfo=timezone.utc)
    events = []
    for _ in range(500):
        t += timedelta(seconds=r.choice([1, 2, 3, 5, 10, 30, 120]))
        user = r.choice(["alice", "Bob", "bob", "carol"])
        event_id = r.choice([4625, 4625, 4625, 529, 4624, 528]) if user != "carol" else r.choice([4624, 4625])
        events.append({"_logsource": {"product": "windows", "service": "security"}, "timestamp": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "EventID": event_id, "User": user, "ComputerName": r.choice(["PC1", "PC2"])})
    (folder / "events.jsonl").write_text("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events))


def generate_events(seed, actions, count=420):
    r = random.Random(seed)
    ips = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "192.0.2.7", "198.51.100.20"]
    users = ["alice", "Alice", "bob", "carol", "root", "ADMIN", "admin"]
    hosts = ["web-01", "web-02", "db-01"]
    t = datetime(2026, 1, 10, 10, 0, 0, tzinfo=timezone.utc)
    out = []
    for i in range(count):
        # Bursts (equal or close times) and gaps, so that windows both qualify and expire.
        step = r.choice([0, 0, 1, 2, 3, 5, 8, 13, 30, 70]) if r.random() < 0.93 else r.choice([200, 400, 900])
        t += timedelta(seconds=step, microseconds=r.choice([0, 0, 0, 250000, 500000]))
        action = r.choice(actions)
        ip = r.choice(ips[:3] if r.random() < 0.7 else ips)
        e = {"_logsource": {"product": "vigiltest"}, "timestamp": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "action": action,
             "host": r.choice(hosts), "user": r.choice(users)}
        if action == "request":
            e["c-ip"] = ip
            e["cs-username"] = r.choice(users)
            roll = r.random()
            e["bytes"] = (r.randint(0, 12000) if roll < 0.8 else str(r.randint(0, 12000)) if roll < 0.9
                          else r.choice(["n/a", "", " 1500 ", "1e3", "0x10"]))
        else:
            if r.random() < 0.95:
                e["src_ip"] = ip
            e["port"] = r.choice([22, 22, 2222, "22", 80, 443])
        out.append(e)
    return out


def write_generated():
    for i, (name, (actions, rules)) in enumerate(sorted(GENERATED.items())):
        folder = CASES / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "rules.yml").write_text(
            "# Generated by scripts/oracle-fixtures.py: base detection rules, then the correlations under test.\n"
            + BASE_RULES + "".join(rules))
        events = generate_events(1000 + i, actions)
        (folder / "events.jsonl").write_text("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events))


def run_oracle(python, rules_path, events_path):
    proc = subprocess.run([python, str(ORACLE), "--rules", str(rules_path), "--events", str(events_path), "--json"],
                          capture_output=True, text=True)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR")]
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()], errors


def split_documents(text):
    docs, current = [], []
    for line in text.splitlines(keepends=True):
        if line.startswith("---"):
            docs.append("".join(current))
            current = []
        else:
            current.append(line)
    docs.append("".join(current))
    return [d for d in docs if d.strip() and not all(l.startswith("#") or not l.strip() for l in d.splitlines())]


def expected_for(python, folder):
    rules_text = (folder / "rules.yml").read_text()
    results, errors = run_oracle(python, folder / "rules.yml", folder / "events.jsonl")
    correlations = []
    for res in results:
        if "alerts" not in res:
            continue
        alerts = sorted(({"group": a["group_keys"], "start": a["window_start"], "end": a["window_end"],
                          "metric": a["metric_value"]} for a in res["alerts"]),
                        key=lambda a: (a["end"], json.dumps(a["group"], sort_keys=True), a["start"]))
        correlations.append({"id": res["id"], "title": res["title"], "alerts": alerts})
    detections = {}
    detection_docs = [d for d in split_documents(rules_text) if "\ndetection:" in "\n" + d or d.startswith("detection:")]
    with tempfile.TemporaryDirectory() as tmp:
        only = Path(tmp) / "detections.yml"
        only.write_text("---\n".join(detection_docs))
        det_results, det_errors = run_oracle(python, only, folder / "events.jsonl")
        for res in det_results:
            if "matched" in res:
                detections[res["id"]] = res["matched"]
    return {"correlations": sorted(correlations, key=lambda c: c["id"] or c["title"]), "detections": detections,
            "errors": sorted(e.split(": ", 1)[0] for e in errors)}


def render(expected):
    """Stable text with one window per line, so that diffs stay readable."""
    compact = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"))
    lines = ["{", ' "correlations": [']
    for i, c in enumerate(expected["correlations"]):
        lines.append(f'  {{"id": {compact(c["id"])}, "title": {compact(c["title"])}, "alerts": [')
        lines += [f"   {compact(a)}" + ("," if j + 1 < len(c["alerts"]) else "") for j, a in enumerate(c["alerts"])]
        lines.append("  ]}" + ("," if i + 1 < len(expected["correlations"]) else ""))
    lines.append(" ],")
    lines.append(f' "detections": {compact(expected["detections"])},')
    lines.append(f' "errors": {compact(expected["errors"])}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", default=str(ROOT / ".venv-oracle/bin/python"))
    ap.add_argument("--check", action="store_true", help="compare with the committed goldens, write nothing")
    args = ap.parse_args()
    if not args.check:
        write_generated()
        write_spec_cases()
    stale = []
    for folder in sorted(p for p in CASES.iterdir() if (p / "rules.yml").exists()):
        expected = expected_for(args.python, folder)
        text = render(expected)
        target = folder / "expected.json"
        if args.check:
            if not target.exists() or target.read_text() != text:
                stale.append(folder.name)
        else:
            target.write_text(text)
        n = sum(len(c["alerts"]) for c in expected["correlations"])
        print(f"{folder.name}: {len(expected['correlations'])} correlations, {n} windows, {len(expected['errors'])} errors")
    if stale:
        print("stale goldens (run make oracle-fixtures): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
