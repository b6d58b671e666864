// RUN: quantx-opt %s --quantx-check-allocations --split-input-file --verify-diagnostics

// A static size of 2^63 bytes or more wraps the malloc size: an error at
// compile time.
func.func @too_large() -> memref<4611686018427387904x4xf32> {
  // expected-error @+1 {{a buffer of type 'memref<4611686018427387904x4xf32>' needs 2^63 bytes or more; it cannot be allocated}}
  %m = memref.alloc() : memref<4611686018427387904x4xf32>
  return %m : memref<4611686018427387904x4xf32>
}

// -----

// Overflow in the static part of a dynamic buffer.
func.func @static_part_too_large(%n: index) -> memref<?x4611686018427387904x2xi16> {
  // expected-error @+1 {{needs 2^63 bytes or more}}
  %m = memref.alloc(%n) : memref<?x4611686018427387904x2xi16>
  return %m : memref<?x4611686018427387904x2xi16>
}
