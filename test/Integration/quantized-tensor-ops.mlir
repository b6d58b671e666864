// REQUIRES: quantx-jit
// Ops with regions over quantized element types (linalg named ops and
// generics, tensor.pad, tensor.generate) move the codes; the lowering
// converts their block arguments too. Codes 1 byte each (i4 with zero point
// 1 and scale 0.5: 1.3 quantizes to round(2.6) + 1 = 4).
// RUN: quantx-runner run %s -e transpose --input %S/Inputs/codes_2x3_i4.npy | FileCheck %s --check-prefix=TRANSPOSE
// TRANSPOSE: result #0: tensor<3x2x!quantx.fixed<i4:f32, 0.5:1>> = {{\[\[}}-8, 3], [-1, 5], [0, 7]]
// RUN: quantx-runner run %s -e fill --input %S/Inputs/f32_1p3.npy | FileCheck %s --check-prefix=FILL
// FILL: result #0: tensor<5x!quantx.fixed<i4:f32, 0.5:1>> = [4, 4, 4, 4, 4]
// RUN: quantx-runner run %s -e copy --input %S/Inputs/codes_2x3_i4.npy | FileCheck %s --check-prefix=COPY
// COPY: result #0: tensor<?x3x!quantx.fixed<i4:f32, 0.5:1>> = {{\[\[}}-8, -1, 0], [3, 5, 7]]
// RUN: quantx-runner run %s -e generic --input %S/Inputs/codes_2x3_i4.npy | FileCheck %s --check-prefix=GENERIC
// GENERIC: result #0: tensor<2x3xf32> = {{\[\[}}-4.5, -1, -0.5], [1, 2, 3]]
// RUN: quantx-runner run %s -e pad --input %S/Inputs/codes_2x3_i4.npy --input %S/Inputs/f32_1p3.npy | FileCheck %s --check-prefix=PAD
// PAD: result #0: tensor<3x4x!quantx.fixed<i4:f32, 0.5:1>> = {{\[\[}}4, 4, 4, 4], [4, -8, -1, 0], [4, 3, 5, 7]]
// RUN: quantx-runner run %s -e generate --input %S/Inputs/f32_1p3.npy | FileCheck %s --check-prefix=GENERATE
// GENERATE: result #0: tensor<3x!quantx.fixed<i4:f32, 0.5:1>> = [4, 4, 4]
// RUN: quantx-runner run %s -e transpose --vectorize=false --input %S/Inputs/codes_2x3_i4.npy | FileCheck %s --check-prefix=TRANSPOSE

!F = !quantx.fixed<i4:f32, 0.5:1>
func.func @transpose(%q: tensor<2x3x!F>) -> tensor<3x2x!F> {
  %e = tensor.empty() : tensor<3x2x!F>
  %t = linalg.transpose ins(%q : tensor<2x3x!F>) outs(%e : tensor<3x2x!F>) permutation = [1, 0]
  return %t : tensor<3x2x!F>
}
func.func @fill(%x: f32) -> tensor<5x!F> {
  %s = quantx.quantize %x : f32 to !F
  %e = tensor.empty() : tensor<5x!F>
  %f = linalg.fill ins(%s : !F) outs(%e : tensor<5x!F>) -> tensor<5x!F>
  return %f : tensor<5x!F>
}
func.func @copy(%q: tensor<?x3x!F>) -> tensor<?x3x!F> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %q, %c0 : tensor<?x3x!F>
  %e = tensor.empty(%n) : tensor<?x3x!F>
  %t = linalg.copy ins(%q : tensor<?x3x!F>) outs(%e : tensor<?x3x!F>) -> tensor<?x3x!F>
  return %t : tensor<?x3x!F>
}
func.func @generic(%q: tensor<2x3x!F>) -> tensor<2x3xf32> {
  %e = tensor.empty() : tensor<2x3xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%q : tensor<2x3x!F>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%v: !F, %o: f32):
    %d = quantx.dequantize %v : !F to f32
    linalg.yield %d : f32
  } -> tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}
func.func @pad(%q: tensor<2x3x!F>, %x: f32) -> tensor<3x4x!F> {
  %s = quantx.quantize %x : f32 to !F
  %p = tensor.pad %q low[1, 1] high[0, 0] {
  ^bb0(%i: index, %j: index):
    tensor.yield %s : !F
  } : tensor<2x3x!F> to tensor<3x4x!F>
  return %p : tensor<3x4x!F>
}
func.func @generate(%x: f32) -> tensor<3x!F> {
  %g = tensor.generate {
  ^bb0(%i: index):
    %s = quantx.quantize %x : f32 to !F
    tensor.yield %s : !F
  } : tensor<3x!F>
  return %g : tensor<3x!F>
}
