#!/usr/bin/env python3
"""Writes the generated differential fixtures: rules exercising every modifier and condition form
(rules/*.yml) and events that hit and miss them (events.jsonl). Deterministic; rerun after editing,
then `make oracle-refresh` to record pySigma's answers in golden/."""
import base64
import json
import os
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
NS = uuid.UUID("6b0f0c1e-52d7-4e36-9a4e-7a1f2b3c4d5e")

EVENTS = [
    {"Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd.exe /c whoami", "User": "alice", "Count": 5, "IP": "10.1.2.3",
     "Path": "C:\\temp\\a*b.txt", "Flag": True, "Empty": "", "Time": "2024-03-04T10:15:00Z", "TargetUser": "alice"},
    {"Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "CommandLine": "powershell -enc SQBFAFgA -w hidden",
     "User": "Bob", "Count": 12, "IP": "192.168.1.7", "Path": "C:\\temp\\aXb.txt", "Empty": "x", "NullField": None,
     "Time": "2024-12-30 23:59:59", "TargetUser": "bobby"},
    {"Image": "C:\\Tools\\CMD.EXE", "CommandLine": "CMD.EXE /C WHOAMI /ALL", "User": "ADMIN", "Count": "7", "IP": "fe80::1",
     "Path": "C:\\temp\\*", "Flag": False, "Time": "2023-01-01T00:00:00Z", "TargetUser": "admin"},
    {"Image": "/usr/bin/bash", "CommandLine": "bash -c 'echo d2hvYW1p | base64 -d'", "User": "admin", "Count": 0,
     "IP": "2001:db8::42", "Time": "2024-07-15T08:05:00+02:00", "TargetUser": "root"},
    {"Image": "C:\\Windows\\System32\\net.exe", "CommandLine": "net user /add eve", "User": "eve", "Count": 100,
     "IP": "10.255.255.255", "Empty": "", "Time": "2025-02-28T12:30:00Z"},
    {"Image": "C:\\Windows\\System32\\rundll32.exe", "CommandLine": "rundll32.exe comsvcs.dll MiniDump 624 C:\\t\\l.dmp full",
     "User": "SYSTEM", "Count": -3, "IP": "11.0.0.1", "Flag": True},
    {"Image": "C:\\Windows\\System32\\reg.exe", "CommandLine": "reg.exe add HKLM\\x /f", "User": "adm1n", "Count": 5,
     "IP": "172.16.0.1", "TargetUser": "ADM1N"},
    {"Image": "C:\\x\\powershell.exe", "CommandLine": "powershell /exec bypass -nop", "User": "carol", "Count": 6,
     "IP": "192.168.1.200"},
    {"Image": "C:\\x\\powershell.exe", "CommandLine": "powershell \u2013exec bypass", "User": "dave", "Count": 13},
    {"Image": "C:\\x\\powershell.exe", "CommandLine": "powershell \u2014exec bypass \u2015nop", "User": "dave"},
    {"CommandLine": "line one\nline two: secret", "User": "multi", "Count": 1},
    {"CommandLine": "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA", "User": "b64", "Count": 2},
    {"CommandLine": "prefixSW52b2tlLU1pbWlrYXR6suffix", "User": "b64off"},
    {"CommandLine": "xxaQBuAHYAbwBrAGUALQBtAGkAbQBpAGsAYQB0AHoAyy", "User": "wideoff"},
    {"CommandLine": "AGkAbgB2AG8AawBlAC0AbQBpAG0AaQBrAGEAdAB6", "User": "utf16be"},
    {"Message": "Failed password for root from 1.2.3.4", "User": "kw1"},
    {"Message": "Accepted password for alice", "User": "kw2", "Detail": "session opened"},
    {"Message": "nothing to see", "User": "kw3"},
    {"User": "Alice", "TargetUser": "ALICE", "Count": 4},
    {"Image": "C:\\foo-bar\\tool.exe", "CommandLine": "tool.exe foo-bar", "User": "dash"},
    {"CommandLine": "//5JAEUAWAA=", "User": "utf16bom"},
    {"CommandLine": "tool.exe foo/bar", "User": "\u00e4rger"},
    {"User": "\u00c4RGER", "Count": 8},
]

RULES = {}


def rule(name, detection, extra=""):
    rid = str(uuid.uuid5(NS, name))
    RULES[name] = f"title: {name}\nid: {rid}\nlogsource:\n    product: test\ndetection:\n{detection}\nlevel: low\n{extra}"


# ---- values, wildcards, escapes, lists and maps
rule("eq_plain", "    sel:\n        Image: 'C:\\Windows\\System32\\cmd.exe'\n    condition: sel")
rule("eq_case_insensitive", "    sel:\n        User: 'ADMIN'\n    condition: sel")
rule("wildcard_star", "    sel:\n        Image: '*\\cmd.exe'\n    condition: sel")
rule("wildcard_question", "    sel:\n        User: 'adm?n'\n    condition: sel")
rule("wildcard_middle", "    sel:\n        CommandLine: 'powershell*bypass*'\n    condition: sel")
rule("escape_star", "    sel:\n        Path|contains: 'a\\*b'\n    condition: sel")
rule("escape_backslash_star", "    sel:\n        Path|endswith: 'temp\\\\\\*'\n    condition: sel")
rule("list_or", "    sel:\n        User:\n            - alice\n            - eve\n    condition: sel")
rule("map_and", "    sel:\n        User: alice\n        Count: 5\n    condition: sel")
rule("list_of_maps", "    sel:\n        - User: eve\n        - Image|endswith: '\\reg.exe'\n    condition: sel")
rule("number_as_string", "    sel:\n        Count: 5\n    condition: sel")
rule("number_string_value", "    sel:\n        Count: '7'\n    condition: sel")
rule("bool_value", "    sel:\n        Flag: true\n    condition: sel")
rule("empty_value", "    sel:\n        Empty: ''\n    condition: sel")
rule("null_value", "    sel:\n        NullField: null\n        User|startswith: 'b'\n    condition: sel")
rule("star_any", "    sel:\n        TargetUser: '*'\n    condition: sel")
# ---- generic modifiers
rule("contains", "    sel:\n        CommandLine|contains: 'whoami'\n    condition: sel")
rule("startswith", "    sel:\n        Image|startswith: 'c:\\windows\\'\n    condition: sel")
rule("endswith", "    sel:\n        Image|endswith: '\\powershell.exe'\n    condition: sel")
rule("contains_all", "    sel:\n        CommandLine|contains|all:\n            - '-enc'\n            - 'hidden'\n    condition: sel")
rule("exists_true", "    sel:\n        Flag|exists: true\n    condition: sel")
rule("exists_false", "    sel:\n        TargetUser|exists: false\n        Count|exists: true\n    condition: sel")
rule("cased", "    sel:\n        Image|endswith|cased: '\\CMD.EXE'\n    condition: sel")
rule("neq", "    sel:\n        User|neq: alice\n        Count|exists: true\n    condition: sel")
rule("neq_list", "    sel:\n        TargetUser|neq:\n            - alice\n            - root\n    condition: sel")
# ---- numbers
rule("gt", "    sel:\n        Count|gt: 10\n    condition: sel")
rule("gte", "    sel:\n        Count|gte: 12\n    condition: sel")
rule("lt", "    sel:\n        Count|lt: 1\n    condition: sel")
rule("lte", "    sel:\n        Count|lte: 0\n    condition: sel")
# ---- regular expressions
rule("re", "    sel:\n        CommandLine|re: '-e(nc)?\\s'\n    condition: sel")
rule("re_i", "    sel:\n        CommandLine|re|i: '^cmd\\.exe /c who'\n    condition: sel")
rule("re_m", "    sel:\n        CommandLine|re|m: '^line two'\n    condition: sel")
rule("re_s", "    sel:\n        CommandLine|re|s: 'one.line'\n    condition: sel")
# ---- IP
rule("cidr_v4", "    sel:\n        IP|cidr: '10.0.0.0/8'\n    condition: sel")
rule("cidr_v4_list", "    sel:\n        IP|cidr:\n            - '192.168.1.0/25'\n            - '172.16.0.0/12'\n    condition: sel")
rule("cidr_v6", "    sel:\n        IP|cidr: '2001:db8::/32'\n    condition: sel")
# ---- encodings
rule("base64", f"    sel:\n        CommandLine|base64|contains: 'whoami'\n    condition: sel")
rule("base64offset", "    sel:\n        CommandLine|base64offset|contains: 'Invoke-Mimikatz'\n    condition: sel")
rule("wide_base64offset", "    sel:\n        CommandLine|wide|base64offset|contains: 'invoke-mimikatz'\n    condition: sel")
rule("utf16be_base64offset", "    sel:\n        CommandLine|utf16be|base64offset|contains: 'invoke-mimikatz'\n    condition: sel")
rule("utf16_base64", "    sel:\n        CommandLine|utf16|base64: 'IEX'\n    condition: sel")
rule("windash", "    sel:\n        CommandLine|windash|contains: ' -exec'\n    condition: sel")
# ---- field references
rule("fieldref", "    sel:\n        User|fieldref: TargetUser\n    condition: sel")
rule("fieldref_startswith", "    sel:\n        TargetUser|fieldref|startswith: User\n    condition: sel")
# ---- date parts
rule("hour", "    sel:\n        Time|hour: 10\n    condition: sel")
rule("minute", "    sel:\n        Time|minute: 30\n    condition: sel")
rule("day", "    sel:\n        Time|day: 4\n    condition: sel")
rule("month", "    sel:\n        Time|month: 12\n    condition: sel")
rule("year", "    sel:\n        Time|year: 2024\n    condition: sel")
rule("week", "    sel:\n        Time|week: 10\n    condition: sel")

# ---- cases where vigil follows the spec and pySigma/SQLite differ (see spec-deviations.json)
rule("dev_week_iso", "    sel:\n        Time|week: 1\n    condition: sel")
rule("dev_hour_as_written", "    sel:\n        Time|hour: 8\n    condition: sel")
rule("dev_windash_midword", "    sel:\n        CommandLine|windash|contains: 'foo-bar'\n    condition: sel")
rule("dev_unicode_fold", "    sel:\n        User: '\u00c4RGER'\n    condition: sel")
rule("dev_utf16le", "    sel:\n        CommandLine|utf16le|base64offset|contains: 'invoke-mimikatz'\n    condition: sel")
rule("dev_expand", "    sel:\n        User|expand: '%Administrators%'\n    condition: sel")
# ---- keywords
rule("keywords", "    keywords:\n        - 'failed password'\n        - 'session opened'\n    condition: keywords")
rule("keywords_all", "    keywords:\n        '|all':\n            - 'password'\n            - 'alice'\n    condition: keywords")
rule("keywords_wildcard", "    keywords:\n        - 'accepted*for'\n    condition: keywords")
# ---- conditions
rule("cond_and_not", "    sel:\n        Image|endswith: '.exe'\n    filter:\n        User: alice\n    condition: sel and not filter")
rule("cond_or", "    a:\n        User: eve\n    b:\n        User: carol\n    condition: a or b")
rule("cond_parens", "    a:\n        Image|endswith: 'powershell.exe'\n    b:\n        User: carol\n    c:\n        User: dave\n    condition: a and (b or c)")
rule("cond_precedence", "    a:\n        User: eve\n    b:\n        User: carol\n    c:\n        Count: 6\n    condition: a or b and c")
rule("cond_not_precedence", "    a:\n        User: dave\n    b:\n        Count|exists: true\n    condition: not a and b")
rule("cond_one_of", "    sel_a:\n        User: alice\n    sel_b:\n        User: eve\n    other:\n        User: dave\n    condition: 1 of sel_*")
rule("cond_all_of", "    sel_a:\n        User: alice\n    sel_b:\n        Count: 5\n    condition: all of sel_*")
rule("cond_one_of_them", "    a:\n        User: eve\n    b:\n        User: carol\n    _helper:\n        User: alice\n    condition: 1 of them")
rule("cond_all_of_them", "    a:\n        Image|endswith: 'powershell.exe'\n    b:\n        User: carol\n    condition: all of them")
rule("cond_not_one_of", "    sel:\n        Image|endswith: 'powershell.exe'\n    filter_a:\n        User: carol\n    filter_b:\n        User: dave\n    condition: sel and not 1 of filter_*")
rule("cond_list", "    a:\n        User: eve\n    b:\n        User: carol\n    condition:\n        - a\n        - b")
rule("cond_nested", "    a:\n        Count|gte: 5\n    b:\n        User: alice\n    c:\n        User: carol\n    d:\n        Count: 12\n    condition: (a and not (b or c)) or (d and not a)")

# ---- a filter applied to a rule (spec: Sigma Filters)
FILTERED = "filtered_rule"
rule(FILTERED, "    sel:\n        Image|endswith: '.exe'\n    condition: sel")
FILTER = f"""title: filter out SYSTEM and alice
id: {uuid.uuid5(NS, 'filter')}
logsource:
    product: test
filter:
    rules:
        - {uuid.uuid5(NS, FILTERED)}
    selection:
        User:
            - SYSTEM
            - alice
    condition: not selection
"""


def main():
    rules_dir = os.path.join(HERE, "rules")
    os.makedirs(rules_dir, exist_ok=True)
    for f in os.listdir(rules_dir):
        os.remove(os.path.join(rules_dir, f))
    for name, text in RULES.items():
        with open(os.path.join(rules_dir, f"{name}.yml"), "w") as out:
            out.write(text)
    # pySigma 2.0.1 crashes applying filters (deepcopy of the detection policy), so the filter lives
    # apart from the rules the oracle reads; vigil's tests load both folders.
    filters_dir = os.path.join(HERE, "filters")
    os.makedirs(filters_dir, exist_ok=True)
    with open(os.path.join(filters_dir, "filter_system_alice.yml"), "w") as out:
        out.write(FILTER)
    with open(os.path.join(HERE, "events.jsonl"), "w") as out:
        for e in EVENTS:
            out.write(json.dumps(e, ensure_ascii=False) + "\n")
    print(f"{len(RULES)} rules, 1 filter, {len(EVENTS)} events")


if __name__ == "__main__":
    main()
