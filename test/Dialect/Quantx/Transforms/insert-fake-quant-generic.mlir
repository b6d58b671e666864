// RUN: quantx-opt %s --quantx-insert-fake-quant="weights=ste activations=ste weight-bits=4 activation-bits=4 first-last-bits=0" | FileCheck %s

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
