#!/usr/bin/env bash
# Writes every `// -----` chunk of the lit tests to DIR, one file each: the
# text seeds of the IR and pipeline fuzzers (regenerated, never committed),
# without those that can reach a known upstream crash.
set -euo pipefail
dir=$1
mkdir -p "$dir"
find test -name '*.mlir' | sort | while read -r file; do
  awk -v out="$dir/$(echo "$file" | tr '/' '_')" \
    'BEGIN { n = 0 } /^\/\/ -----/ { n++; next } { print > (out "." n) }' \
    "$file"
done
# Chunks that can reach a known upstream crash (fuzz/common/FuzzContext.h).
grep -l -E 'linalg\.(transpose|reduce|broadcast)' "$dir"/* 2>/dev/null | xargs -r rm -f
