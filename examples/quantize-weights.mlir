// The weights of a small dense layer (4 inputs, 3 outputs), quantized to
// four formats. `quantx-opt --canonicalize` folds every conversion through
// the Numerics library: the quantized weights become storage constants
// behind quantx.storage_cast, and the fake-quantized weights become the float
// values the formats can represent.
//
//   quantx-opt examples/quantize-weights.mlir --canonicalize

func.func @weights() -> (tensor<4x3x!quantx.fixed<i8:f32:1, {0.0079, 0.0157, 0.0039}>>,
                         tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>) {
  %w = arith.constant dense<[[ 0.62, -1.97,  0.11],
                             [-0.33,  0.58, -0.47],
                             [ 1.01,  0.07,  0.25],
                             [-0.05, -0.81,  0.49]]> : tensor<4x3xf32>

  // int8, per output channel: scale = max |w| / 127 of each column.
  %q8 = quantx.quantize %w : tensor<4x3xf32>
      to tensor<4x3x!quantx.fixed<i8:f32:1, {0.0079, 0.0157, 0.0039}>>

  // OCP FP8 E4M3, the forward format of hybrid FP8 training.
  %fp8 = quantx.fake_quant %w to !quantx.float<e4m3, special = fn> : tensor<4x3xf32>

  // Ternary with a TWN-style threshold of 0.35 (scale 0.7).
  %t = quantx.fake_quant %w to !quantx.ternary<f32, 0.7> : tensor<4x3xf32>

  // Radix-4 FP4 (1-3-0) of 4-bit training.
  %fp4 = quantx.fake_quant %w to !quantx.float<e3m0, radix = 4, special = none> : tensor<4x3xf32>

  return %q8, %fp8, %t, %fp4 : tensor<4x3x!quantx.fixed<i8:f32:1, {0.0079, 0.0157, 0.0039}>>,
                               tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>
}
