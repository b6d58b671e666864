#!/usr/bin/env bash
# Writes every `// -----` chunk of the lit tests to DIR, one file each: the
# text seeds of the IR and pipeline fuzzers (regenerated, never committed).
set -euo pipefail
dir=$1
mkdir -p "$dir"
find test -name '*.mlir' | sort | while read -r file; do
  awk -v out="$dir/$(echo "$file" | tr '/' '_')" \
    'BEGIN { n = 0 } /^\/\/ -----/ { n++; next } { print > (out "." n) }' \
    "$file"
done
