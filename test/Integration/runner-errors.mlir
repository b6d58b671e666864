// REQUIRES: quantx-jit
// Every failure is one line naming the file or function and the reason.
// RUN: not quantx-runner run %s -e f 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: quantx-runner: error: @f takes 1 argument(s), got 0 input(s)
// RUN: not quantx-runner run %s -e missing 2>&1 | FileCheck %s --check-prefix=ENTRY
// ENTRY: quantx-runner: error: {{.*}}runner-errors.mlir: no function @missing is defined
// RUN: not quantx-runner run %s -e f --input %S/Inputs/x_2x3_f64.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: quantx-runner: error: input #0 of @f must be tensor<2x3xf32>, got a f64 array of shape (2, 3)
// RUN: not quantx-runner run %s -e f --input %S/Inputs/scalar_f32.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: quantx-runner: error: input #0 of @f must be tensor<2x3xf32>, got a f32 array of shape ()
// RUN: not quantx-runner run %s -e f --input %S/Inputs/not_npy.npy 2>&1 | FileCheck %s --check-prefix=MAGIC
// MAGIC: quantx-runner: error: {{.*}}not_npy.npy: not a .npy file (bad magic string)
// RUN: not quantx-runner run %s -e f --input %t.missing.npy 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: quantx-runner: error: {{.*}}missing.npy: cannot open file
// RUN: not quantx-runner run %s -e f --input %S/Inputs/x_2x3_f32.npy --output %t.a.npy --output %t.b.npy 2>&1 | FileCheck %s --check-prefix=OUTPUTS
// OUTPUTS: quantx-runner: error: @f returns 1 result(s), but 2 --output file(s) were given
// RUN: not quantx-runner run %s -e unranked 2>&1 | FileCheck %s --check-prefix=UNRANKED
// UNRANKED: quantx-runner: error: argument #0 of @unranked has type tensor<*xf32>; only ranked tensors and scalars can be passed
// RUN: not quantx-runner run %s -e bf16 2>&1 | FileCheck %s --check-prefix=BF16
// BF16: quantx-runner: error: argument #0 of @bf16 has type tensor<2xbf16>, whose element type .npy cannot hold
// RUN: not quantx-runner run %t.nofile.mlir 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: quantx-runner: error: {{.*}}nofile.mlir: cannot open file
// RUN: not quantx-runner bench %s -e f --input %S/Inputs/x_2x3_f32.npy --runs 0 2>&1 | FileCheck %s --check-prefix=RUNS
// RUNS: quantx-runner: error: --runs must be at least 1

func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
func.func @unranked(%x: tensor<*xf32>) {
  return
}
func.func @bf16(%x: tensor<2xbf16>) {
  return
}
