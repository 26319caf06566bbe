#!/usr/bin/env python3
"""Puts a new report on top of benchmarks/RESULTS.md, keeping every previous result below it.

Usage: update_results.py RESULTS.md REPORT.md
The file's introduction (everything before the first "## " heading) stays first.
"""
import os
import sys

results_path, report_path = sys.argv[1], sys.argv[2]
report = open(report_path).read().strip() + "\n"
if os.path.exists(results_path):
    text = open(results_path).read()
else:
    text = "# Benchmark results\n\nNewest first. Produced by `benchmarks/run.sh` (see README.md).\n"
marker = text.find("\n## ")
intro, previous = (text, "") if marker < 0 else (text[:marker + 1], text[marker + 1:])
with open(results_path, "w") as out:
    out.write(intro.rstrip() + "\n\n" + report + ("\n" + previous if previous else ""))
