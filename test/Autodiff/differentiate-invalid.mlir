// RUN: quantx-opt %s --quantx-differentiate --split-input-file --verify-diagnostics

// An op without a gradient rule is an error naming it, never a silent zero.
func.func @no_rule(%x: tensor<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{no gradient rule for 'tensor.extract'}}
  %0 = tensor.extract %x[%c0] : tensor<4xf32>
  return %0 : f32
}

// -----

// Scalar ops inside a body are checked the same way.
func.func @no_scalar_rule(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    // expected-error @+1 {{no gradient rule for 'math.sin' in the body of 'linalg.generic'}}
    %s = math.sin %a : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// A reduction must combine its accumulator by a sum, max or min.
func.func @product(%x: tensor<4xf32>, %init: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{cannot differentiate this reduction: result #0 must combine its accumulator once, by addf, maximumf, maxnumf, minimumf or minnumf}}
  %r = linalg.reduce ins(%x : tensor<4xf32>) outs(%init : tensor<f32>) dimensions = [0]
    (%in: f32, %acc: f32) {
      %m = arith.mulf %in, %acc : f32
      linalg.yield %m : f32
    }
  return %r : tensor<f32>
}

// -----

// expected-error @+1 {{cannot differentiate a function with control flow (more than one block)}}
func.func @branches(%x: f32) -> f32 {
  cf.br ^bb1
^bb1:
  return %x : f32
}

// -----

// A body may not capture a value that depends on the arguments.
func.func @captured(%x: tensor<4xf32>, %s: f32) -> tensor<4xf32> {
  %t = arith.mulf %s, %s : f32
  %e = tensor.empty() : tensor<4xf32>
  // expected-error @+1 {{cannot differentiate 'linalg.generic': its region uses a value that depends on the differentiated arguments; pass it as an operand}}
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %t : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// Maps must be sums of loops with constant factors.
func.func @floordiv(%x: tensor<8xf32>, %k: tensor<2xf32>, %o: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{cannot differentiate: indexing map affine_map<(d0, d1) -> (d0 floordiv 2 + d1)> is not a sum of loops with constant factors}}
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i floordiv 2 + j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x, %k : tensor<8xf32>, tensor<2xf32>) outs(%o : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// A window loop is unrolled, so its size must be static.
func.func @dynamic_window(%x: tensor<?xf32>, %k: tensor<?xf32>, %o: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{cannot differentiate: window loop #1 has a dynamic size}}
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i + j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x, %k : tensor<?xf32>, tensor<?xf32>) outs(%o : tensor<?xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

// A diagonal read has no slice form.
func.func @trace(%x: tensor<3x3xf32>, %o: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{cannot differentiate: indexing map affine_map<(d0) -> (d0, d0)> reads a diagonal once the window is fixed}}
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i, i)>, affine_map<(i) -> ()>],
                       iterator_types = ["reduction"]}
      ins(%x : tensor<3x3xf32>) outs(%o : tensor<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// Every window point becomes code: windows are bounded.
func.func @huge_window(%x: tensor<1x200x200x1xf32>, %w: tensor<70x70x1x1xf32>, %o: tensor<1x131x131x1xf32>) -> tensor<1x131x131x1xf32> {
  // expected-error @+1 {{cannot differentiate: the window has 4900 points, more than 4096}}
  %r = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x200x200x1xf32>, tensor<70x70x1x1xf32>) outs(%o : tensor<1x131x131x1xf32>) -> tensor<1x131x131x1xf32>
  return %r : tensor<1x131x131x1xf32>
}

// -----

// The codes of a quantization carry no gradient: when the result depends on
// them other than through a dequantization into the same float type, the
// gradient would silently be zero.
func.func @codes_reshaped(%x: tensor<4x4xf32>) -> tensor<16xf32> {
  // expected-error @+1 {{the gradient cannot pass through the codes of 'quantx.quantize'; dequantize them straight into 'tensor<4x4xf32>' (a straight-through estimator, as quantx.fake_quant) or use quantx.fake_quant}}
  %q = quantx.quantize %x : tensor<4x4xf32> to tensor<4x4x!quantx.fixed<i8:f32, 0.1>>
  %c = tensor.collapse_shape %q [[0, 1]] : tensor<4x4x!quantx.fixed<i8:f32, 0.1>> into tensor<16x!quantx.fixed<i8:f32, 0.1>>
  %d = quantx.dequantize %c : tensor<16x!quantx.fixed<i8:f32, 0.1>> to tensor<16xf32>
  return %d : tensor<16xf32>
}

// -----

func.func @other_float_type(%x: tensor<4xf32>) -> tensor<4xf16> {
  // expected-error @+1 {{the gradient cannot pass through the codes of 'quantx.quantize'}}
  %q = quantx.quantize %x : tensor<4xf32> to tensor<4x!quantx.float<e4m3>>
  %d = quantx.dequantize %q : tensor<4x!quantx.float<e4m3>> to tensor<4xf16>
  return %d : tensor<4xf16>
}

// -----

// An argument that reaches the result only through integers gets a zero
// gradient, which is right for a step function but rarely what a model
// means: a warning names the argument.
// expected-warning @+1 {{argument #1 reaches no result through differentiable operations (not at all, or only through integers or comparisons): its gradient is zero}}
func.func @through_integers(%x: f32, %y: f32) -> f32 {
  %i = arith.fptosi %y : f32 to i32
  %f = arith.sitofp %i : i32 to f32
  %r = arith.mulf %x, %f : f32
  return %r : f32
}
