// RUN: quantx-opt %s --split-input-file --quantx-insert-fake-quant="best-effort" --verify-diagnostics | FileCheck %s

// Best effort: a layer whose weights are no parameter stays float, with a
// remark; the other layer is quantized.
// CHECK-LABEL: func.func @partly
//       CHECK:   %[[Q:.*]] = quantx.scaled_fake_quant
//       CHECK:   linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x4xf32>, tensor<4x3xf32>)
//       CHECK:   linalg.matmul ins(%{{.*}}, %arg1 : tensor<2x3xf32>, tensor<3x3xf32>)
ml_program.global private mutable @v : tensor<4x3xf32>
func.func @partly(%x: tensor<2x4xf32>, %u: tensor<3x3xf32>) -> tensor<2x3xf32> {
  %zero = arith.constant 0.0 : f32
  %v = ml_program.global_load @v : tensor<4x3xf32>
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %h = linalg.matmul ins(%x, %v : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  // expected-remark @+1 {{quantx-insert-fake-quant: this layer stays float: neither operand of this contraction is loaded from a parameter (a mutable float ml_program.global): which one holds the weights is unknown}}
  %y = linalg.matmul ins(%h, %u : tensor<2x3xf32>, tensor<3x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Best effort where no layer can be quantized: the remark, then the error.
// expected-error @+1 {{quantx-insert-fake-quant: no layer was quantized}}
module {
  func.func @nothing(%x: tensor<2x4xf32>, %u: tensor<4x3xf32>) -> tensor<2x3xf32> {
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<2x3xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
    // expected-remark @+1 {{this layer stays float}}
    %y = linalg.matmul ins(%x, %u : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
    return %y : tensor<2x3xf32>
  }
}
