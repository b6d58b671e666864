// RUN: quantx-opt %s | FileCheck %s
// RUN: quantx-opt %s | quantx-opt | FileCheck %s
// RUN: quantx-opt %s --mlir-print-op-generic | quantx-opt | FileCheck %s

// CHECK-LABEL: func.func @unpack
// CHECK: quantx.unpack %{{.*}} : tensor<2xi8> to tensor<2x2xi4>
// CHECK: quantx.unpack %{{.*}} : tensor<1xi8> to tensor<3xi2>
// CHECK: quantx.unpack %{{.*}} : tensor<2xi8> to tensor<9xi1>
// CHECK: quantx.unpack %{{.*}} : tensor<1xi8> to tensor<1xi6>
func.func @unpack(%p: tensor<2xi8>, %q: tensor<1xi8>) -> (tensor<2x2xi4>, tensor<3xi2>, tensor<9xi1>, tensor<1xi6>) {
  %a = quantx.unpack %p : tensor<2xi8> to tensor<2x2xi4>
  %b = quantx.unpack %q : tensor<1xi8> to tensor<3xi2>
  %c = quantx.unpack %p : tensor<2xi8> to tensor<9xi1>
  %d = quantx.unpack %q : tensor<1xi8> to tensor<1xi6>
  return %a, %b, %c, %d : tensor<2x2xi4>, tensor<3xi2>, tensor<9xi1>, tensor<1xi6>
}
