#!/usr/bin/env python3
"""Derives events from the Sigma rule subset (../shared/data/sigma-rules-subset) so that every rule
has events that should hit it and near misses: per rule, one event per selection (every item
satisfied with its first value), one per keyword and per listed value, and one with all selections
together. Writes linux.jsonl, webserver.jsonl, zeek.jsonl and dns.jsonl. Deterministic."""
import glob
import json
import os

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SUBSET = os.environ.get("VIGIL_SHARED_DATA", "/work/shared/data") + "/sigma-rules-subset/rules"


def unescape(value):
    """Sigma escapes to plain text; wildcards become a filler."""
    out, i, s = [], 0, str(value)
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s) and s[i + 1] in "*?\\":
            out.append(s[i + 1])
            i += 2
            continue
        out.append({"*": "xyz", "?": "q"}.get(c, c))
        i += 1
    return "".join(out)


def satisfy(modifiers, value):
    v = unescape(value)
    if "re" in modifiers or "cidr" in modifiers or "base64offset" in modifiers or "base64" in modifiers:
        return None
    if "contains" in modifiers:
        return "pre " + v + " post"
    if "startswith" in modifiers:
        return v + " tail"
    if "endswith" in modifiers:
        return "head " + v
    return v


def events_for_rule(rule):
    detection = rule["detection"]
    selections = {k: v for k, v in detection.items() if k not in ("condition", "timeframe")}
    events, merged = [], {}
    for name, body in selections.items():
        maps = body if isinstance(body, list) and all(isinstance(x, dict) for x in body) else [body]
        if isinstance(body, list) and not all(isinstance(x, dict) for x in body):
            for keyword in body:
                events.append({"message": "log line " + unescape(keyword) + " end"})
            continue
        if isinstance(body, (str, int)):
            events.append({"message": "log line " + unescape(body) + " end"})
            continue
        for m in maps:
            event = {}
            for key, value in m.items():
                field, *mods = key.split("|")
                values = value if isinstance(value, list) else [value]
                if field == "":
                    text = " ".join(unescape(v) for v in values)
                    event["message"] = "log line " + text + " end"
                    continue
                if "all" in mods:
                    parts = [satisfy(mods, v) for v in values]
                    if None in parts:
                        continue
                    event[field] = " ".join(parts)
                else:
                    first = satisfy(mods, values[0])
                    if first is None:
                        continue
                    event[field] = first if not isinstance(values[0], int) or mods else values[0]
                    for other in values[1:4]:
                        alt = satisfy(mods, other)
                        if alt is not None:
                            events.append({field: alt})
            if event:
                events.append(event)
                if not name.startswith(("filter", "exclude", "falsepositive")):
                    merged.update(event)
    if merged:
        events.append(merged)
    return events


def main():
    targets = {"linux": [], "webserver": [], "zeek": [], "dns": []}
    for path in sorted(glob.glob(SUBSET + "/**/*.yml", recursive=True)):
        with open(path) as f:
            rule = yaml.safe_load(f)
        ls = rule.get("logsource", {})
        if ls.get("product") == "linux":
            target = "linux"
        elif ls.get("category") == "webserver":
            target = "webserver"
        elif ls.get("product") == "zeek":
            target = "zeek"
        elif ls.get("category") == "dns":
            target = "dns"
        else:
            continue
        for event in events_for_rule(rule):
            if ls.get("product") == "zeek" and ls.get("service"):
                event = {"_path": ls["service"], **event}
            targets[target].append(event)
    # Benign neighbours so that rules also see events they must not match.
    targets["webserver"] += [
        {"cs-method": "GET", "cs-uri-query": "/index.html", "sc-status": 200, "cs-user-agent": "Mozilla/5.0"},
        {"cs-method": "POST", "cs-uri-query": "/login?user=alice", "sc-status": 302, "cs-user-agent": "curl/8.0"},
        {"cs-method": "GET", "cs-uri-query": "/search?q=union+select+1", "sc-status": 404, "cs-user-agent": "sqlmap/1.7"},
    ]
    targets["linux"] += [{"message": "sshd[1]: Accepted publickey for alice"}, {"message": "CRON[2]: (root) CMD (run-parts)"}]
    for name, events in targets.items():
        with open(os.path.join(HERE, name + ".jsonl"), "w") as out:
            for event in events:
                out.write(json.dumps(event, ensure_ascii=False, sort_keys=True) + "\n")
        print(name, len(events))


if __name__ == "__main__":
    main()
