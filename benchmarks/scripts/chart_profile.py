#!/usr/bin/env python3
"""The JVM profiles the Helm chart ships, for run.sh (read from the chart, never copied).

Usage: chart_profile.py VALUES.yaml gateway|sidecar   -> "FLAGS|LIMIT_MIB|REQUEST_MIB"
       chart_profile.py --image-env Dockerfile        -> NAME=VALUE lines the runtime image sets (but NEXUS_JVM_OPTS)

gateway: .proxy.jvmOptions and the gateway container's .resources; sidecar: .injector.sidecar.jvmOptions and
.injector.sidecar.resources. FLAGS ends with -XX:MaxRAM=<the memory limit>, so the JVM sizes itself as it
would inside that container.
"""
import re
import shlex
import sys

UNITS = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "K": 1000 / 2**20, "M": 10**6 / 2**20, "G": 10**9 / 2**20, "": 1 / 2**20}


def mib(quantity):
    match = re.fullmatch(r"([0-9.]+)(Ki|Mi|Gi|K|M|G|)", str(quantity))
    if not match:
        raise SystemExit(f"chart_profile.py: cannot read memory quantity {quantity!r}")
    return int(float(match.group(1)) * UNITS[match.group(2)])


def profile(values_path, name):
    import yaml
    values = yaml.safe_load(open(values_path))
    if name == "gateway":
        options, resources = values["proxy"]["jvmOptions"], values["resources"]
    elif name == "sidecar":
        options, resources = values["injector"]["sidecar"]["jvmOptions"], values["injector"]["sidecar"]["resources"]
    else:
        raise SystemExit(f"chart_profile.py: unknown profile {name}")
    limit = mib(resources["limits"]["memory"])
    request = mib(resources.get("requests", {}).get("memory", resources["limits"]["memory"]))
    return f"{options} -XX:MaxRAM={limit}m|{limit}|{request}"


def image_env(dockerfile):
    lines, current = [], ""
    for raw in open(dockerfile):
        line = raw.strip()
        if line.startswith("#") or not (line or current):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        lines.append(current + line)
        current = ""
    last_from = max(i for i, line in enumerate(lines) if line.upper().startswith("FROM "))
    for line in lines[last_from:]:
        if line.upper().startswith("ENV "):
            for word in shlex.split(line[4:]):
                name, _, value = word.partition("=")
                if name != "NEXUS_JVM_OPTS":
                    print(f"{name}={value}")


if sys.argv[1] == "--image-env":
    image_env(sys.argv[2])
else:
    print(profile(sys.argv[1], sys.argv[2]))
