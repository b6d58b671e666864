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
  // expected-error @+1 {{'quantx.accumulate' belongs on a contraction: a linalg op with reduction loops whose body yields the sum of its accumulator and one term}}
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
