// REQUIRES: quantx-jit
// Buffers that cannot exist stop the compiled code with a message naming the
// buffer's type and source line, and the runner with an error; nothing
// crashes or writes out of bounds.
// RUN: not quantx-runner run %s -e huge 2>&1 | FileCheck %s --check-prefix=HUGE
// HUGE: quantx: cannot allocate a buffer of type memref<1000000x1000000x1000xf32> ({{.*}}allocation.mlir:{{[0-9]+}}:8): out of memory
// HUGE-NEXT: quantx-runner: error: the compiled code stopped (reason above)
// A dynamic size whose byte count wraps 64 bits (2^33 x 2^33 x 4 bytes).
// RUN: not quantx-runner run %s -e square --input %S/../Inputs/n_2pow33.npy 2>&1 | FileCheck %s --check-prefix=WRAP
// WRAP: quantx: cannot allocate a buffer of type memref<?x?xf32> ({{.*}}allocation.mlir:{{[0-9]+}}:{{[0-9]+}}): its size in bytes does not fit in 63 bits
// WRAP-NEXT: quantx-runner: error: the compiled code stopped (reason above)
// The same function with a size that fits runs.
// RUN: quantx-runner run %s -e square --input %S/../Inputs/n_3.npy | FileCheck %s --check-prefix=OK
// OK: result #0: tensor<?x?xf32> = {{\[\[}}1, 1, 1], [1, 1, 1], [1, 1, 1]]
// An empty buffer (malloc(0) may return null) is not an allocation failure;
// an empty result prints as its shape.
// RUN: quantx-runner run %s -e square --input %S/../Inputs/n_0.npy | FileCheck %s --check-prefix=EMPTY
// EMPTY: result #0: tensor<?x?xf32> shape (0, 0)
// A stack buffer of a dynamic size is checked against 1 MiB before it is
// made (here 2^33 floats), and one that fits runs.
// RUN: not quantx-runner run %s -e stack --input %S/../Inputs/n_2pow33.npy 2>&1 | FileCheck %s --check-prefix=STACK
// STACK: quantx: cannot make a stack buffer of type memref<?xf32> ({{.*}}allocation.mlir:{{[0-9]+}}:{{[0-9]+}}): it needs more than 1048576 bytes
// STACK-NEXT: quantx-runner: error: the compiled code stopped (reason above)
// RUN: quantx-runner run %s -e stack --input %S/../Inputs/n_3.npy | FileCheck %s --check-prefix=STACKOK
// STACKOK: result #0: f32 = 2

func.func @huge() -> tensor<1000000x1000000x1000xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<1000000x1000000x1000xf32>
  %f = linalg.fill ins(%one : f32) outs(%e : tensor<1000000x1000000x1000xf32>) -> tensor<1000000x1000000x1000xf32>
  return %f : tensor<1000000x1000000x1000xf32>
}
func.func @square(%n: i64) -> tensor<?x?xf32> {
  %one = arith.constant 1.0 : f32
  %i = arith.index_cast %n : i64 to index
  %e = tensor.empty(%i, %i) : tensor<?x?xf32>
  %f = linalg.fill ins(%one : f32) outs(%e : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %f : tensor<?x?xf32>
}
func.func @stack(%n: i64) -> f32 {
  %i = arith.index_cast %n : i64 to index
  %m = memref.alloca(%i) : memref<?xf32>
  %c0 = arith.constant 0 : index
  %two = arith.constant 2.0 : f32
  memref.store %two, %m[%c0] : memref<?xf32>
  %r = memref.load %m[%c0] : memref<?xf32>
  return %r : f32
}
