// REQUIRES: quantx-jit
// RUN: quantx-runner bench %s -e f --input %S/Inputs/x_2x3_f32.npy --warmup 1 --runs 5 | FileCheck %s
// CHECK: bench @f: 5 runs after 1 warm-up; min-ms: {{[0-9.]+}} p10-ms: {{[0-9.]+}} p90-ms: {{[0-9.]+}} max-ms: {{[0-9.]+}}
// CHECK-NEXT: median-ms: {{[0-9]+\.[0-9]+$}}
func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %f = quantx.fake_quant %x to !quantx.float<e5m2> : tensor<2x3xf32>
  return %f : tensor<2x3xf32>
}
