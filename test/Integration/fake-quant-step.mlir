// REQUIRES: quantx-jit
// The step counter of stochastic rounding is defined for every float
// value: NaN and negative steps read as step 0, steps past 2^63 as 2^63
// (an unclamped conversion would be poison and give values off the grid).
// Each function returns the same rounding at two steps that must agree.
// RUN: quantx-runner run %s -e nan_is_zero | FileCheck %s --check-prefix=SAME
// RUN: quantx-runner run %s -e negative_is_zero | FileCheck %s --check-prefix=SAME
// RUN: quantx-runner run %s -e huge_is_top | FileCheck %s --check-prefix=SAME
// RUN: quantx-runner run %s -e steps_differ | FileCheck %s --check-prefix=DIFFER
// SAME: result #0: i1 = True
// DIFFER: result #0: i1 = False

func.func @round(%step: tensor<f32>) -> tensor<64xf32> {
  %x = arith.constant dense<0.3> : tensor<64xf32>
  %f = quantx.fake_quant %x to !quantx.float<e2m1> rounding<stochastic> seed 3 step %step : tensor<f32> : tensor<64xf32>
  return %f : tensor<64xf32>
}

func.func @same(%a: tensor<f32>, %b: tensor<f32>) -> i1 {
  %ra = func.call @round(%a) : (tensor<f32>) -> tensor<64xf32>
  %rb = func.call @round(%b) : (tensor<f32>) -> tensor<64xf32>
  %true = arith.constant true
  %init = tensor.from_elements %true : tensor<i1>
  %all = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> ()>], iterator_types = ["reduction"]}
      ins(%ra, %rb : tensor<64xf32>, tensor<64xf32>) outs(%init : tensor<i1>) {
  ^bb0(%u: f32, %v: f32, %acc: i1):
    %eq = arith.cmpf oeq, %u, %v : f32
    %and = arith.andi %acc, %eq : i1
    linalg.yield %and : i1
  } -> tensor<i1>
  %r = tensor.extract %all[] : tensor<i1>
  return %r : i1
}

func.func @nan_is_zero() -> i1 {
  %nan = arith.constant dense<0x7FC00000> : tensor<f32>
  %zero = arith.constant dense<0.0> : tensor<f32>
  %r = func.call @same(%nan, %zero) : (tensor<f32>, tensor<f32>) -> i1
  return %r : i1
}

func.func @negative_is_zero() -> i1 {
  %neg = arith.constant dense<-5.0> : tensor<f32>
  %zero = arith.constant dense<0.0> : tensor<f32>
  %r = func.call @same(%neg, %zero) : (tensor<f32>, tensor<f32>) -> i1
  return %r : i1
}

func.func @huge_is_top() -> i1 {
  %huge = arith.constant dense<1.0e30> : tensor<f32>
  %top = arith.constant dense<0x5F000000> : tensor<f32>
  %r = func.call @same(%huge, %top) : (tensor<f32>, tensor<f32>) -> i1
  return %r : i1
}

func.func @steps_differ() -> i1 {
  %one = arith.constant dense<1.0> : tensor<f32>
  %zero = arith.constant dense<0.0> : tensor<f32>
  %r = func.call @same(%one, %zero) : (tensor<f32>, tensor<f32>) -> i1
  return %r : i1
}
