// Bad options and models of quantx-insert-fake-quant: one located error each.
// RUN: not quantx-opt %s --quantx-insert-fake-quant="weights=int4" 2>&1 | FileCheck %s --check-prefix=UNKNOWN-W
// UNKNOWN-W: error: quantx-insert-fake-quant: unknown weights scheme 'int4' (expected none, ste, sawb, lsq, binary, xnor or twn)
// RUN: not quantx-opt %s --quantx-insert-fake-quant="activations=relu" 2>&1 | FileCheck %s --check-prefix=UNKNOWN-A
// UNKNOWN-A: error: quantx-insert-fake-quant: unknown activations scheme 'relu' (expected none, ste, pact, lsq or sign)
// RUN: not quantx-opt %s --quantx-insert-fake-quant="weights=lsq weight-bits=1" 2>&1 | FileCheck %s --check-prefix=LSQ1-W
// LSQ1-W: error: quantx-insert-fake-quant: weights=lsq needs at least 2 bits (a signed grid around zero); for 1 bit use weights=binary
// RUN: not quantx-opt %s --quantx-insert-fake-quant="activations=lsq activation-bits=1" 2>&1 | FileCheck %s --check-prefix=LSQ1-A
// LSQ1-A: error: quantx-insert-fake-quant: activations=lsq needs at least 2 bits; for 1 bit use activations=sign
// RUN: not quantx-opt %s --quantx-insert-fake-quant="weights=sawb weight-bits=9" 2>&1 | FileCheck %s --check-prefix=SAWB9
// SAWB9: error: quantx-insert-fake-quant: weights=sawb has coefficients for 2..8 bits (docs/QAT.md), got weight-bits=9
// RUN: not quantx-opt %s --quantx-insert-fake-quant="activations=pact pact-decay=-1" 2>&1 | FileCheck %s --check-prefix=DECAY
// DECAY: error: quantx-insert-fake-quant: pact-decay must be >= 0 and finite, got -1
// RUN: not quantx-opt %s --quantx-insert-fake-quant="weight-bits=0" 2>&1 | FileCheck %s --check-prefix=BITS0
// BITS0: error: quantx-insert-fake-quant: weight-bits must be in 1..16, got 0
// RUN: not quantx-opt %s --quantx-insert-fake-quant="activations=pact activation-bits=17" 2>&1 | FileCheck %s --check-prefix=BITS17
// BITS17: error: quantx-insert-fake-quant: activation-bits must be in 1..16, got 17
// RUN: not quantx-opt %s --quantx-insert-fake-quant="first-last-bits=1" 2>&1 | FileCheck %s --check-prefix=EDGE1
// EDGE1: error: quantx-insert-fake-quant: first-last-bits must be 0 or in 2..16, got 1
// RUN: not quantx-opt %s --quantx-insert-fake-quant="weights=binary weight-bits=4" 2>&1 | FileCheck %s --check-prefix=BINARY4
// BINARY4: error: quantx-insert-fake-quant: weights=binary has 1 bit, got weight-bits=4
// RUN: not quantx-opt %s --quantx-insert-fake-quant="weights=twn weight-bits=3" 2>&1 | FileCheck %s --check-prefix=TWN3
// TWN3: error: quantx-insert-fake-quant: weights=twn has 2 bits (three levels), got weight-bits=3
// RUN: not quantx-opt %s --quantx-insert-fake-quant="weights=ste weight-bits=1" 2>&1 | FileCheck %s --check-prefix=STE1
// STE1: error: quantx-insert-fake-quant: weights=ste needs at least 2 bits (a signed grid around zero); for 1 bit use weights=binary
// RUN: not quantx-opt %s --quantx-insert-fake-quant="activations=sign activation-bits=2" 2>&1 | FileCheck %s --check-prefix=SIGN2
// SIGN2: error: quantx-insert-fake-quant: activations=sign has 1 bit, got activation-bits=2
// RUN: not quantx-opt %s --quantx-insert-fake-quant="activations=pact pact-init=0" 2>&1 | FileCheck %s --check-prefix=PACT0
// PACT0: error: quantx-insert-fake-quant: pact-init must be positive and finite as an f32, got 0
// RUN: not quantx-opt %s --quantx-insert-fake-quant="activations=pact pact-init=1e-320" 2>&1 | FileCheck %s --check-prefix=PACT-TINY
// PACT-TINY: error: quantx-insert-fake-quant: pact-init must be positive and finite as an f32, got 0.000000
// RUN: quantx-opt %s --quantx-insert-fake-quant="weights=binary" > /dev/null

ml_program.global private mutable @w : tensor<4x3xf32>
func.func @forward(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %w = ml_program.global_load @w : tensor<4x3xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %m = linalg.matmul ins(%x, %w : tensor<?x4xf32>, tensor<4x3xf32>) outs(%f : tensor<?x3xf32>) -> tensor<?x3xf32>
  return %m : tensor<?x3xf32>
}
