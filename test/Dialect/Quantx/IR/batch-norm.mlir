// RUN: quantx-opt %s | FileCheck %s
// RUN: quantx-opt %s | quantx-opt | FileCheck %s
// RUN: quantx-opt %s --mlir-print-op-generic | quantx-opt | FileCheck %s

// Inference (running statistics), the default epsilon and momentum.
// CHECK-LABEL: func.func @inference
// CHECK: = quantx.batch_norm %arg0, %arg1, %arg2, %arg3, %arg4 : tensor<?x28x28x16xf32>, tensor<16xf32>
func.func @inference(%x: tensor<?x28x28x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>,
                     %m: tensor<16xf32>, %v: tensor<16xf32>) -> tensor<?x28x28x16xf32> {
  %y, %nm, %nv = quantx.batch_norm %x, %g, %b, %m, %v : tensor<?x28x28x16xf32>, tensor<16xf32>
  return %y : tensor<?x28x28x16xf32>
}

// Training, explicit epsilon and momentum, dense features, f64.
// CHECK-LABEL: func.func @training
// CHECK: quantx.batch_norm %arg0, %arg1, %arg2, %arg3, %arg4 training {epsilon = 1.000000e-03 : f64, momentum = 1.000000e-02 : f64} : tensor<8x4xf64>, tensor<4xf64>
func.func @training(%x: tensor<8x4xf64>, %g: tensor<4xf64>, %b: tensor<4xf64>,
                    %m: tensor<4xf64>, %v: tensor<4xf64>) -> (tensor<8x4xf64>, tensor<4xf64>, tensor<4xf64>) {
  %y, %nm, %nv = quantx.batch_norm %x, %g, %b, %m, %v training {epsilon = 1.0e-3 : f64, momentum = 0.01 : f64}
      : tensor<8x4xf64>, tensor<4xf64>
  return %y, %nm, %nv : tensor<8x4xf64>, tensor<4xf64>, tensor<4xf64>
}

// Dynamic features.
// CHECK-LABEL: func.func @dynamic_features
// CHECK: quantx.batch_norm {{.*}} : tensor<2x?xf32>, tensor<?xf32>
func.func @dynamic_features(%x: tensor<2x?xf32>, %g: tensor<?xf32>) -> tensor<2x?xf32> {
  %y, %nm, %nv = quantx.batch_norm %x, %g, %g, %g, %g training : tensor<2x?xf32>, tensor<?xf32>
  return %y : tensor<2x?xf32>
}
