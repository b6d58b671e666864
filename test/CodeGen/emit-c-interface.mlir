// RUN: quantx-opt %s --quantx-emit-c-interface | FileCheck %s

// Public definitions get llvm.emit_c_interface; private functions and
// declarations do not.
// CHECK-LABEL: func.func @public
//  CHECK-SAME:   attributes {llvm.emit_c_interface}
func.func @public(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// CHECK-LABEL: func.func private @helper
//   CHECK-NOT:   llvm.emit_c_interface
func.func private @helper(%x: f32) -> f32 {
  return %x : f32
}

// CHECK-LABEL: func.func private @external
//   CHECK-NOT:   llvm.emit_c_interface
func.func private @external(f32) -> f32
