// REQUIRES: quantx-jit
// Already-lowered input runs as under mlir-runner (-e, --entry-point-result,
// --shared-libs, -O levels).
// RUN: quantx-opt %s --quantx-to-llvm \
// RUN:   | quantx-runner -e main --entry-point-result=void -O0 \
// RUN:       --shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s
// RUN: quantx-opt %s --quantx-to-llvm \
// RUN:   | quantx-runner -e answer --entry-point-result=i32 \
// RUN:       --shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s --check-prefix=I32
// RUN: quantx-opt %s --quantx-to-llvm \
// RUN:   | not quantx-runner -e answer --entry-point-result=i8 \
// RUN:       --shared-libs=%mlir_runner_utils,%mlir_c_runner_utils 2>&1 \
// RUN:   | FileCheck %s --check-prefix=KIND
// Without the runtime libraries the JIT cannot resolve printMemrefF32.
// RUN: quantx-opt %s --quantx-to-llvm \
// RUN:   | not quantx-runner -e answer --entry-point-result=i32 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOLIBS
// NOLIBS: Symbols not found: [ printMemrefF32 ]
// NOLIBS-NEXT: quantx-runner: error: cannot call @answer: Failed to materialize symbols

// CHECK: [1,  -1.5,  0]
func.func @main() {
  %c = arith.constant dense<[1.2, -1.3, 0.1]> : tensor<3xf32>
  %f = quantx.fake_quant %c to !quantx.fixed<i4:f32, 0.5> rounding<nearest_away> : tensor<3xf32>
  %u = tensor.cast %f : tensor<3xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(tensor<*xf32>)

// I32: 42
func.func @answer() -> i32 {
  %c = arith.constant 42 : i32
  return %c : i32
}
// KIND: quantx-runner: error: --entry-point-result must be void, i32, i64 or f32, got 'i8'
