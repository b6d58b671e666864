// RUN: quantx-opt %s --split-input-file --verify-diagnostics

func.func @chunk(%a: tensor<4x16xf32>, %b: tensor<16x8xf32>, %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{an accumulation chunk must be at least 1 term, got 0}}
  %0 = linalg.matmul {quantx.accumulate = #quantx.accumulation<!quantx.float<e5m10>, chunk = 0>}
      ins(%a, %b : tensor<4x16xf32>, tensor<16x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @format(%a: tensor<4x16xf32>, %b: tensor<16x8xf32>, %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{an accumulation format must be a !quantx.float, got 'f16'}}
  %0 = linalg.matmul {quantx.accumulate = #quantx.accumulation<f16, chunk = 8>}
      ins(%a, %b : tensor<4x16xf32>, tensor<16x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @kind(%a: tensor<4x16xf32>, %b: tensor<16x8xf32>, %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'quantx.accumulate' must be a #quantx.accumulation, got 64 : i64}}
  %0 = linalg.matmul {quantx.accumulate = 64}
      ins(%a, %b : tensor<4x16xf32>, tensor<16x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// No reduction: nothing is accumulated.
func.func @elementwise(%a: tensor<4xf32>, %c: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'quantx.accumulate' belongs on a contraction: a linalg op on tensors with reduction loops whose body yields the sum of its float accumulator and one term}}
  %0 = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%a : tensor<4xf32>) outs(%c : tensor<4xf32>)
      attrs = {quantx.accumulate = #quantx.accumulation<!quantx.float<e5m10>, chunk = 8>} {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %acc, %x : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A max reduction is not a sum.
func.func @max(%a: tensor<4x16xf32>, %c: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'quantx.accumulate' belongs on a contraction}}
  %0 = linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%a : tensor<4x16xf32>) outs(%c : tensor<4xf32>)
      attrs = {quantx.accumulate = #quantx.accumulation<!quantx.float<e5m10>, chunk = 8>} {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.maximumf %acc, %x : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error @+1 {{'quantx.accumulate' belongs on a contraction}}
func.func @function() attributes {quantx.accumulate = #quantx.accumulation<!quantx.float<e5m10>, chunk = 8>} {
  return
}

// -----

// The sum must only be yielded: the expansion replaces it.
func.func @sum_used_twice(%a: tensor<4x16xf32>, %c: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'quantx.accumulate' belongs on a contraction: a linalg op on tensors with reduction loops whose body yields the sum of its float accumulator and one term}}
  %0 = linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%a : tensor<4x16xf32>) outs(%c : tensor<4xf32>)
      attrs = {quantx.accumulate = #quantx.accumulation<!quantx.float<e5m10>, chunk = 8>} {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %acc, %x : f32
    %dead = arith.mulf %s, %s : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// The chunk sums are added in the accumulator's type: f32 or f64.
func.func @bf16_accumulator(%a: tensor<3xbf16>, %b: tensor<3xbf16>, %c: tensor<bf16>) -> tensor<bf16> {
  // expected-error @+1 {{accumulates in 'bf16': a contraction with 'quantx.accumulate' must accumulate in f32 or f64 (its chunk sums are added in that type)}}
  %0 = linalg.dot {quantx.accumulate = #quantx.accumulation<!quantx.float<e5m10>, chunk = 64>}
      ins(%a, %b : tensor<3xbf16>, tensor<3xbf16>) outs(%c : tensor<bf16>) -> tensor<bf16>
  return %0 : tensor<bf16>
}

// -----

// Values beyond f32's range.
func.func @beyond_f32(%a: tensor<4x16xf32>, %b: tensor<16x8xf32>, %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{accumulates onto '!quantx.float<e5m2, bias = -200>', whose values 'f32' does not hold exactly}}
  %0 = linalg.matmul {quantx.accumulate = #quantx.accumulation<!quantx.float<e5m2, bias = -200>, chunk = 8>}
      ins(%a, %b : tensor<4x16xf32>, tensor<16x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @unsigned(%a: tensor<4x16xf32>, %b: tensor<16x8xf32>, %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{an accumulation format must be signed and hold zero, got '!quantx.float<e4m3, unsigned>'}}
  %0 = linalg.matmul {quantx.accumulate = #quantx.accumulation<!quantx.float<e4m3, unsigned>, chunk = 8>}
      ins(%a, %b : tensor<4x16xf32>, tensor<16x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
