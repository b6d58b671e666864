// REQUIRES: quantx-jit
// Differential: the first run folds every quantx operation at compile time
// through the Numerics library, the second executes the lowered code; both
// must print the same values.
// RUN: quantx-opt %s --canonicalize --inline --canonicalize --quantx-to-llvm \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:       --shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s
// RUN: quantx-opt %s --quantx-to-llvm \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:       --shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s

// Keeps its argument opaque to the compiler in the second run (no inlining
// there), so the conversions execute at run time.
func.func @opaque(%x: tensor<8xf32>) -> tensor<8xf32> {
  return %x : tensor<8xf32>
}

func.func @show(%x: tensor<8xf32>) {
  %u = tensor.cast %x : tensor<8xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @main() {
  %c = arith.constant dense<[0.3, -1.26, 100.0, 0.25, -0.75, 1.0e-3, 500.0, 0x7FC00000]> : tensor<8xf32>
  %x = call @opaque(%c) : (tensor<8xf32>) -> tensor<8xf32>

  // int8, scale 0.5: ties to even, clamped to [-64, 63.5], NaN to 0.
  // CHECK: [0.5,  -1.5,  63.5,  0,  -1,  0,  63.5,  0]
  %0 = quantx.fake_quant %x to !quantx.fixed<i8:f32, 0.5> : tensor<8xf32>
  call @show(%0) : (tensor<8xf32>) -> ()

  // Narrow 2-bit {-3, 0, 3} with truncation.
  // CHECK: [0,  0,  3,  0,  0,  0,  3,  0]
  %1 = quantx.fake_quant %x to !quantx.fixed<i2<-1:1>:f32, 3.0> rounding<toward_zero> : tensor<8xf32>
  call @show(%1) : (tensor<8xf32>) -> ()

  // OCP E4M3 (fn): 500 overflows to NaN; 1e-3 rounds up to the smallest
  // subnormal, 2^-9.
  // CHECK: [0.3125,  -1.25,  96,  0.25,  -0.75,  0.00195312,  nan,  nan]
  %2 = quantx.fake_quant %x to !quantx.float<e4m3, special = fn> : tensor<8xf32>
  call @show(%2) : (tensor<8xf32>) -> ()

  // E5M2 saturating (max 57344): 500 -> 512; 1e-3 -> 2^-10.
  // CHECK: [0.3125,  -1.25,  96,  0.25,  -0.75,  0.000976562,  512,  nan]
  %3 = quantx.fake_quant %x to !quantx.float<e5m2, overflow = sat> : tensor<8xf32>
  call @show(%3) : (tensor<8xf32>) -> ()

  // Radix-4 FP4 without specials: {0, 1/16, 1/4, 1, 4, 16, 64, 256}; NaN -> 0.
  // CHECK: [0.25,  -1,  64,  0.25,  -1,  0,  256,  0]
  %4 = quantx.fake_quant %x to !quantx.float<e3m0, radix = 4, special = none> : tensor<8xf32>
  call @show(%4) : (tensor<8xf32>) -> ()

  // Binary and ternary with scale 0.5 (NaN -> +0.5 and 0).
  // CHECK: [0.5,  -0.5,  0.5,  0.5,  -0.5,  0.5,  0.5,  0.5]
  %5 = quantx.fake_quant %x to !quantx.binary<f32, 0.5> : tensor<8xf32>
  call @show(%5) : (tensor<8xf32>) -> ()
  // CHECK: [0.5,  -0.5,  0.5,  0,  -0.5,  0,  0.5,  0]
  %6 = quantx.fake_quant %x to !quantx.ternary<f32, 0.5> : tensor<8xf32>
  call @show(%6) : (tensor<8xf32>) -> ()
  return
}

func.func private @printMemrefF32(tensor<*xf32>)
