#!/usr/bin/env python3
"""Writes N Sigma rules made from the Sigma subset's Linux rules: every quoted value gets a variant
suffix, ids are fresh, titles numbered. Same shapes and literal statistics as the originals, but rules
that (mostly) never match, so `vigil run` measures the cost of rules an event does not trigger.

    scripts/make-rule-variants.py SUBSET_RULES_DIR COUNT OUT_DIR
"""
import os
import sys
import uuid

subset, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sources = []
for root, _, files in os.walk(os.path.join(subset, "linux")):
    for name in sorted(files):
        if name.endswith(".yml"):
            sources.append(open(os.path.join(root, name), encoding="utf-8").read())
sources.sort()
os.makedirs(out, exist_ok=True)
for index in range(count):
    lines = []
    for line in sources[index % len(sources)].split("\n"):
        if line.startswith("id: "):
            line = "id: " + str(uuid.UUID(int=index + 1))
        elif line.startswith("title: "):
            line += f" (variant {index})"
        elif (line.strip().startswith("- '") or ": '" in line) and line.endswith("'"):
            line = line[:-1] + f" v{index}'"
        lines.append(line)
    with open(os.path.join(out, f"variant_{index:04d}.yml"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
