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

// -----

// A function named like a C library function the buffers' code calls
// would take its place: an error naming it.
// expected-error @+1 {{@write is the name of the C library function that allocating and checking buffers calls; rename this symbol}}
func.func @write(%n: index) -> memref<?xf32> {
  %m = memref.alloc(%n) : memref<?xf32>
  return %m : memref<?xf32>
}

// -----

// expected-error @+1 {{@malloc is the name of the C library function}}
func.func private @malloc(i64) -> !llvm.ptr
func.func @uses_alloc() -> memref<4xf32> {
  %m = memref.alloc() : memref<4xf32>
  return %m : memref<4xf32>
}

// -----

// An existing declaration of the C function itself is fine.
llvm.func @abort()
func.func @declared_abort(%n: index) -> memref<?xf32> {
  %m = memref.alloc(%n) : memref<?xf32>
  return %m : memref<?xf32>
}

// -----

// A stack buffer larger than 1 MiB would overflow the stack: an error at
// compile time (this one is 4 MiB).
func.func @large_stack_buffer() {
  // expected-error @+1 {{a stack buffer of type 'memref<1048576xf32>' needs more than 1048576 bytes, the most quantx puts on the stack; allocate it with memref.alloc}}
  %m = memref.alloca() : memref<1048576xf32>
  return
}
