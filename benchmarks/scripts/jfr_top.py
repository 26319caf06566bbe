#!/usr/bin/env python3
"""Summarises a JFR recording's CPU samples: the hottest frames where time is spent (self), the hottest
nexus-proxy frames on the stack (the first dev.nexus frame of each sample), and the share per package group.

Usage: jfr_top.py RECORDING.jfr [TOP]
"""
import re
import subprocess
import sys
from collections import Counter

recording = sys.argv[1]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 20
text = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth", "64", recording],
                      capture_output=True, text=True, check=True).stdout
self_frames, nexus_frames, groups = Counter(), Counter(), Counter()
samples = 0
for block in text.split("jdk.ExecutionSample")[1:]:
    if "stackTrace = [" not in block:
        continue
    frames = [re.sub(r"\s+line:.*$", "", f.strip()) for f in block.split("stackTrace = [", 1)[1].split("]\n")[0].splitlines()]
    frames = [f for f in frames if f and f != "..."]
    if not frames:
        continue
    samples += 1
    self_frames[frames[0]] += 1
    first_nexus = next((f for f in frames if f.startswith("dev.nexus.")), None)
    if first_nexus:
        nexus_frames[first_nexus] += 1
    leaf = frames[0]
    group = ("netty" if leaf.startswith("io.netty.") else "nexus" if leaf.startswith("dev.nexus.")
             else "jdk" if leaf.startswith(("java.", "jdk.", "sun.")) else leaf.split(".")[0])
    groups[group] += 1


def show(title, counter):
    print(f"{title} ({samples} samples)")
    for frame, n in counter.most_common(top):
        print(f"{100 * n / samples:5.1f}%  {frame}")
    print()


print("Leaf frame by package group: " + ", ".join(f"{g} {100 * n / samples:.0f}%" for g, n in groups.most_common()))
print()
show("Hottest leaf frames (self time)", self_frames)
show("Innermost dev.nexus frame on the stack (where nexus code leads to the time)", nexus_frames)
