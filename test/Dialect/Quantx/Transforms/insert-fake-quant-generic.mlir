// RUN: quantx-opt %s --quantx-insert-fake-quant="weights=ste activations=ste weight-bits=4 activation-bits=4 first-last-bits=0" | FileCheck %s
// RUN: quantx-opt %s --quantx-insert-fake-quant="weights=lsq activations=lsq first-last-bits=0" | FileCheck %s --check-prefix=LSQ

// A dense layer written as a contraction linalg.generic (y[n, j] +=
// x[n, k] w[j, k]: the weights transposed) is quantized like a matmul: its
// weights per output channel, dimension 0 of w here.
// CHECK-LABEL: func.func @generic_dense
//       CHECK:   %[[W:.*]] = ml_program.global_load @w
//       CHECK:   %[[WQ:.*]] = quantx.scaled_fake_quant %[[W]], %{{.*}} to !quantx.fixed<i4<-7:7>:f32, ?> axis 0 : tensor<3x4xf32>, tensor<3xf32>
//       CHECK:   %[[XQ:.*]] = quantx.scaled_fake_quant %arg0, %{{.*}} zero_point %{{.*}} : tensor<f32> to !quantx.fixed<u4:f32, ?> : tensor<?x4xf32>, tensor<f32>
//       CHECK:   linalg.generic {{.*}} ins(%[[XQ]], %[[WQ]] :
ml_program.global private mutable @w : tensor<3x4xf32>
func.func @generic_dense(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %w = ml_program.global_load @w : tensor<3x4xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(n, j, k) -> (n, k)>, affine_map<(n, j, k) -> (j, k)>, affine_map<(n, j, k) -> (n, j)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x4xf32>, tensor<3x4xf32>) outs(%f : tensor<?x3xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// Layers of two float types: LSQ steps and their "initialized" flag in each
// type, kept positive within that type's range.
// LSQ-DAG: ml_program.global private mutable @lsq_initialized(dense<0.000000e+00> : tensor<f32>) : tensor<f32> {quantx.buffer}
// LSQ-DAG: ml_program.global private mutable @lsq_initialized_{{[0-9]+}}(dense<0.000000e+00> : tensor<f16>) : tensor<f16> {quantx.buffer}
// LSQ-DAG: tensor<3xf16> {quantx.clip = array<f64: 6.103515625E-5, 6.550400e+04>, quantx.weight_decay = 0.000000e+00 : f64}
ml_program.global private mutable @h : tensor<4x3xf16>
func.func @half(%x: tensor<5x4xf16>) -> tensor<5x3xf16> {
  %zero = arith.constant 0.0 : f16
  %h = ml_program.global_load @h : tensor<4x3xf16>
  %e = tensor.empty() : tensor<5x3xf16>
  %f = linalg.fill ins(%zero : f16) outs(%e : tensor<5x3xf16>) -> tensor<5x3xf16>
  %y = linalg.matmul ins(%x, %h : tensor<5x4xf16>, tensor<4x3xf16>) outs(%f : tensor<5x3xf16>) -> tensor<5x3xf16>
  return %y : tensor<5x3xf16>
}
