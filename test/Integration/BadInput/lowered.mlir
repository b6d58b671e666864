// REQUIRES: quantx-jit
// An already-lowered entry is called only through a signature it has: no
// arguments, and the result --entry-point-result names (as mlir-runner).
// RUN: quantx-runner %s -e answer --entry-point-result=i32 | FileCheck %s --check-prefix=OK
// OK: 42
// RUN: not quantx-runner %s -e answer --entry-point-result=f32 2>&1 | FileCheck %s --check-prefix=F32
// F32: quantx-runner: error: --entry-point-result is f32, but @answer returns i32
// RUN: not quantx-runner %s -e answer --entry-point-result=i64 2>&1 | FileCheck %s --check-prefix=I64
// I64: quantx-runner: error: --entry-point-result is i64, but @answer returns i32
// RUN: not quantx-runner %s -e answer --entry-point-result=void 2>&1 | FileCheck %s --check-prefix=VOID
// VOID: quantx-runner: error: --entry-point-result is void, but @answer returns i32
// RUN: not quantx-runner %s -e nothing --entry-point-result=i32 2>&1 | FileCheck %s --check-prefix=NOTHING
// NOTHING: quantx-runner: error: --entry-point-result is i32, but @nothing returns void
// RUN: not quantx-runner %s -e twice --entry-point-result=i32 2>&1 | FileCheck %s --check-prefix=ARGS
// ARGS: quantx-runner: error: @twice takes 1 argument(s); a lowered entry point is called without arguments
// RUN: not quantx-runner %s -e missing --entry-point-result=i32 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: quantx-runner: error: no function @missing is defined
// RUN: not quantx-runner %s -e answer --entry-point-result=i8 2>&1 | FileCheck %s --check-prefix=KIND
// KIND: quantx-runner: error: --entry-point-result must be void, i32, i64 or f32, got 'i8'

module {
  llvm.func @answer() -> i32 {
    %0 = llvm.mlir.constant(42 : i32) : i32
    llvm.return %0 : i32
  }
  llvm.func @nothing() {
    llvm.return
  }
  llvm.func @twice(%a: i32) -> i32 {
    %0 = llvm.add %a, %a : i32
    llvm.return %0 : i32
  }
}
