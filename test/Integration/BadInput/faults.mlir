// REQUIRES: quantx-jit
// Faults inside compiled code end the runner with an error line of its own
// (exit 1), after whatever the program printed, not with a crash report.
// RUN: not quantx-runner run %s -e divide --input %S/../Inputs/i32_7.npy --input %S/../Inputs/i32_0.npy 2>&1 | FileCheck %s --check-prefix=FPE
// FPE: quantx-runner: error: the compiled code stopped on an arithmetic fault (an integer division by zero or overflow)
// FPE-NOT: PLEASE
// RUN: quantx-runner run %s -e divide --input %S/../Inputs/i32_7.npy --input %S/../Inputs/i32_7.npy | FileCheck %s --check-prefix=OK
// OK: result #0: i32 = 1
// An assertion's message (printed to stdout by the upstream lowering) is
// flushed before the runner's line, also into a pipe.
// RUN: not quantx-runner run %s -e check --input %S/../Inputs/i32_0.npy > %t.out 2> %t.err
// RUN: FileCheck %s --check-prefix=MSG < %t.out
// MSG: the count must be positive
// RUN: FileCheck %s --check-prefix=ABORT < %t.err
// ABORT: quantx-runner: error: the compiled code stopped (reason above)

func.func @divide(%a: i32, %b: i32) -> i32 {
  %q = arith.divsi %a, %b : i32
  return %q : i32
}
func.func @check(%n: i32) -> i32 {
  %zero = arith.constant 0 : i32
  %ok = arith.cmpi sgt, %n, %zero : i32
  cf.assert %ok, "the count must be positive"
  return %n : i32
}
