// RUN: quantx-opt %s | FileCheck %s
// RUN: quantx-opt %s | quantx-opt | FileCheck %s
// RUN: quantx-opt %s --mlir-print-op-generic | quantx-opt | FileCheck %s

// CHECK-LABEL: func.func @binary
// CHECK: quantx.pack_signs %{{.*}} : tensor<?x100xf32> to tensor<?x2xi64>
// CHECK: quantx.pack_signs %{{.*}} : tensor<10x100xf32> to tensor<10x2xi64>
// CHECK: quantx.binary_matmul %{{.*}}, %{{.*}} k 100 : tensor<?x2xi64>, tensor<10x2xi64> -> tensor<?x10xi32>
func.func @binary(%x: tensor<?x100xf32>, %w: tensor<10x100xf32>) -> tensor<?x10xi32> {
  %a = quantx.pack_signs %x : tensor<?x100xf32> to tensor<?x2xi64>
  %b = quantx.pack_signs %w : tensor<10x100xf32> to tensor<10x2xi64>
  %d = quantx.binary_matmul %a, %b k 100 : tensor<?x2xi64>, tensor<10x2xi64> -> tensor<?x10xi32>
  return %d : tensor<?x10xi32>
}

// Any rank and float type; one word.
// CHECK-LABEL: func.func @shapes
// CHECK: quantx.pack_signs %{{.*}} : tensor<2x?x3x64xbf16> to tensor<2x?x3x1xi64>
// CHECK: quantx.pack_signs %{{.*}} : tensor<1xf64> to tensor<1xi64>
func.func @shapes(%x: tensor<2x?x3x64xbf16>, %y: tensor<1xf64>) -> (tensor<2x?x3x1xi64>, tensor<1xi64>) {
  %a = quantx.pack_signs %x : tensor<2x?x3x64xbf16> to tensor<2x?x3x1xi64>
  %b = quantx.pack_signs %y : tensor<1xf64> to tensor<1xi64>
  return %a, %b : tensor<2x?x3x1xi64>, tensor<1xi64>
}

// Signed integers: x >= 0 is +1.
// CHECK-LABEL: func.func @integers
// CHECK: quantx.pack_signs %{{.*}} : tensor<?x144xi8> to tensor<?x3xi64>
// CHECK: quantx.pack_signs %{{.*}} : tensor<5xi64> to tensor<1xi64>
func.func @integers(%x: tensor<?x144xi8>, %y: tensor<5xi64>) -> (tensor<?x3xi64>, tensor<1xi64>) {
  %a = quantx.pack_signs %x : tensor<?x144xi8> to tensor<?x3xi64>
  %b = quantx.pack_signs %y : tensor<5xi64> to tensor<1xi64>
  return %a, %b : tensor<?x3xi64>, tensor<1xi64>
}

// Ternary rows in two planes; products with a ternary side or both.
// CHECK-LABEL: func.func @ternary
// CHECK: quantx.pack_ternary %{{.*}} : tensor<?x100xi8> to tensor<?x2x2xi64>
// CHECK: quantx.pack_ternary %{{.*}} : tensor<10x100xi2> to tensor<10x2x2xi64>
// CHECK: quantx.ternary_matmul %{{.*}}, %{{.*}} k 100 : tensor<?x2x2xi64>, tensor<10x2x2xi64> -> tensor<?x10xi32>
// CHECK: quantx.ternary_matmul %{{.*}}, %{{.*}} k 100 : tensor<?x2xi64>, tensor<10x2x2xi64> -> tensor<?x10xi32>
// CHECK: quantx.ternary_matmul %{{.*}}, %{{.*}} k 100 : tensor<?x2x2xi64>, tensor<10x2xi64> -> tensor<?x10xi32>
func.func @ternary(%x: tensor<?x100xi8>, %w: tensor<10x100xi2>, %s: tensor<?x100xf32>, %v: tensor<10x100xf32>) -> (tensor<?x10xi32>, tensor<?x10xi32>, tensor<?x10xi32>) {
  %a = quantx.pack_ternary %x : tensor<?x100xi8> to tensor<?x2x2xi64>
  %b = quantx.pack_ternary %w : tensor<10x100xi2> to tensor<10x2x2xi64>
  %sa = quantx.pack_signs %s : tensor<?x100xf32> to tensor<?x2xi64>
  %sb = quantx.pack_signs %v : tensor<10x100xf32> to tensor<10x2xi64>
  %d = quantx.ternary_matmul %a, %b k 100 : tensor<?x2x2xi64>, tensor<10x2x2xi64> -> tensor<?x10xi32>
  %e = quantx.ternary_matmul %sa, %b k 100 : tensor<?x2xi64>, tensor<10x2x2xi64> -> tensor<?x10xi32>
  %f = quantx.ternary_matmul %a, %sb k 100 : tensor<?x2x2xi64>, tensor<10x2xi64> -> tensor<?x10xi32>
  return %d, %e, %f : tensor<?x10xi32>, tensor<?x10xi32>, tensor<?x10xi32>
}

// Float rows by binary or ternary weights.
// CHECK-LABEL: func.func @signs_by_floats
// CHECK: quantx.sign_matmul %{{.*}}, %{{.*}} : tensor<?x100xf32>, tensor<10x2xi64> -> tensor<?x10xf32>
// CHECK: quantx.sign_matmul %{{.*}}, %{{.*}} : tensor<3x64xf32>, tensor<?x2x1xi64> -> tensor<3x?xf32>
func.func @signs_by_floats(%x: tensor<?x100xf32>, %w: tensor<10x2xi64>, %y: tensor<3x64xf32>, %t: tensor<?x2x1xi64>) -> (tensor<?x10xf32>, tensor<3x?xf32>) {
  %a = quantx.sign_matmul %x, %w : tensor<?x100xf32>, tensor<10x2xi64> -> tensor<?x10xf32>
  %b = quantx.sign_matmul %y, %t : tensor<3x64xf32>, tensor<?x2x1xi64> -> tensor<3x?xf32>
  return %a, %b : tensor<?x10xf32>, tensor<3x?xf32>
}
