#!/usr/bin/env bash
# Adds up the GoogleTest and lit results of a `make check` run and prints one
# closing line: "check: N passed, N failed, N skipped".
set -euo pipefail
dir=$1
passed=0 failed=0 skipped=0
if [[ -f $dir/unittests.log ]]; then
  # GoogleTest: "[  PASSED  ] 77 tests.", "[  FAILED  ] 2 tests, ...".
  passed=$((passed + $(awk '/^\[  PASSED  \]/ {n += $4} END {print n + 0}' "$dir/unittests.log")))
  failed=$((failed + $(awk '/^\[  FAILED  \] [0-9]+ test/ {n += $4} END {print n + 0}' "$dir/unittests.log")))
  skipped=$((skipped + $(awk '/^\[  SKIPPED \] [0-9]+ test/ {n += $4} END {print n + 0}' "$dir/unittests.log")))
fi
if [[ -f $dir/lit.log ]]; then
  # lit: "  Passed: 9 (100.00%)", "  Failed: 1 (...)", "  Unsupported: 2 (...)".
  passed=$((passed + $(awk '$1 == "Passed:" {n += $2} END {print n + 0}' "$dir/lit.log")))
  failed=$((failed + $(awk '$1 == "Failed:" {n += $2} END {print n + 0}' "$dir/lit.log")))
  skipped=$((skipped + $(awk '$1 == "Unsupported:" {n += $2} END {print n + 0}' "$dir/lit.log")))
fi
echo
echo "check: $passed passed, $failed failed, $skipped skipped"
((failed == 0 && passed > 0))
