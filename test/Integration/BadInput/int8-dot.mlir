// REQUIRES: quantx-jit
// UNSUPPORTED: cpu-avx512_vnni
// A forced int8 dot product the host cannot execute is an error at compile
// time, before any code runs; an unknown one too. (This host lacks
// AVX-512 VNNI; hosts that have it skip the test.)
// RUN: not quantx-runner run %s -e f --input %S/../Inputs/x_2x3_f32.npy --int8-dot=avx512-vnni 2>&1 | FileCheck %s --check-prefix=LACKS
// LACKS: quantx-runner: error: int8 dot product 'avx512-vnni' needs CPU features this host lacks (avx512f, avx512bw, avx512vnni)
// LACKS-NOT: result #0
// RUN: not quantx-runner run %s -e f --input %S/../Inputs/x_2x3_f32.npy --int8-dot=sse4 2>&1 | FileCheck %s --check-prefix=NAME
// NAME: quantx-runner: error: int8 dot product 'sse4' is not one of generic, avx2, avx-vnni, avx512-vnni
// The portable kernels run everywhere.
// RUN: quantx-runner run %s -e f --input %S/../Inputs/x_2x3_f32.npy --int8-dot=generic | FileCheck %s --check-prefix=OK
// OK: result #0: tensor<2x3xf32> = {{\[\[}}0.30000001, -1.26, 100], [0.25, 0.001, 500]]
func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
