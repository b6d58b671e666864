#!/usr/bin/env python3
"""Checks that no library includes a layer above it (docs/Architecture.md).

Each directory of lib/ and include/quantx/ is a layer; a file may include
quantx headers only from the layers listed for its own. Also checks that
only the target description, the runtime and the tools ask the host CPU:
no pass output may depend on the machine the pass runs on.
"""
import os
import re
import sys

# Layer -> the layers its files may include (itself included).
ALLOWED = {
    "Numerics": {"Numerics"},
    "Interfaces": {"Interfaces"},
    "Utils": {"Utils"},
    "Dialect": {"Numerics", "Interfaces", "Utils", "Dialect"},
    "Autodiff": {"Numerics", "Interfaces", "Utils", "Dialect", "Autodiff"},
    "Conversion": {"Numerics", "Utils", "Dialect", "Conversion"},
    "CodeGen": {"Numerics", "Utils", "CodeGen"},
    "Pipelines": {"Numerics", "Utils", "Dialect", "Conversion", "CodeGen",
                  "Pipelines"},
    "Registration": {"Numerics", "Interfaces", "Utils", "Dialect", "Autodiff",
                     "Conversion", "CodeGen", "Pipelines", "Registration"},
    "Runtime": {"Numerics", "Interfaces", "Utils", "Dialect", "Autodiff",
                "Conversion", "CodeGen", "Pipelines", "Registration",
                "Runtime"},
}
# Header paths outside a layer directory.
HEADER_LAYER = {"InitQuantx.h": "Registration"}
# Files that may ask the host CPU.
HOST_QUERY_ALLOWED = {"lib/CodeGen/Target.cpp"}
HOST_QUERY = re.compile(r"getHostCPU(Features|Name)|detectHost\(|TargetParser/Host\.h")
INCLUDE = re.compile(r'^\s*#\s*include\s+"quantx/([^"]+)"', re.M)


def layer_of_header(path):
    first = path.split("/")[0]
    return HEADER_LAYER.get(path, first)


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    errors = []
    checked = 0
    for top in ("lib", "include/quantx"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            rel_dir = os.path.relpath(dirpath, os.path.join(root, top))
            for name in files:
                if not name.endswith((".cpp", ".h", ".td")):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), root)
                layer = rel_dir.split(os.sep)[0]
                if rel_dir == ".":
                    layer = HEADER_LAYER.get(name)
                if layer not in ALLOWED:
                    errors.append(f"{rel}: not in a known layer")
                    continue
                text = open(os.path.join(dirpath, name), encoding="utf-8").read()
                checked += 1
                for included in INCLUDE.findall(text):
                    target = layer_of_header(included)
                    if target not in ALLOWED[layer]:
                        errors.append(f"{rel}: layer {layer} includes "
                                      f"quantx/{included} (layer {target})")
                if (layer not in ("Runtime",) and rel not in HOST_QUERY_ALLOWED
                        and HOST_QUERY.search(text)):
                    errors.append(f"{rel}: asks the host CPU; only "
                                  "CpuTarget::getHost, the runtime and the "
                                  "tools may")
    for message in errors:
        print("layers-check: " + message)
    if errors:
        return 1
    print(f"layers-check: {checked} files respect the layers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
