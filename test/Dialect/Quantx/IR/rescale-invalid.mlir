// RUN: quantx-opt %s --split-input-file --verify-diagnostics

func.func @float_with_multiplier(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error @+1 {{rescale_c1: rounding<float> takes `scale` and no `multiplier` or `shift`}}
  %y = quantx.rescale %x rounding<float> multiplier [1073741824] shift [31] zero_points (0, 0) clamp [-128, 127] : tensor<4xi32> to tensor<4xi8>
  return %y : tensor<4xi8>
}

// -----

func.func @fixed_with_scale(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error @+1 {{rescale_c1: rounding<gemmlowp> takes `multiplier` and `shift` and no `scale`}}
  %y = quantx.rescale %x rounding<gemmlowp> scale [0.5] zero_points (0, 0) clamp [-128, 127] : tensor<4xi32> to tensor<4xi8>
  return %y : tensor<4xi8>
}

// -----

func.func @lengths(%x: tensor<4x2xi32>) -> tensor<4x2xi8> {
  // expected-error @+1 {{rescale_c1: expected as many shifts as multipliers, got 1 and 2}}
  %y = quantx.rescale %x rounding<single_round> multiplier [1073741824, 1073741824] shift [31] axis 1 zero_points (0, 0) clamp [-128, 127] : tensor<4x2xi32> to tensor<4x2xi8>
  return %y : tensor<4x2xi8>
}

// -----

func.func @bad_shift(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error @+1 {{rescale_c1: channel 0: a shift must be in [1, 62], got 63}}
  %y = quantx.rescale %x rounding<single_round> multiplier [1073741824] shift [63] zero_points (0, 0) clamp [-128, 127] : tensor<4xi32> to tensor<4xi8>
  return %y : tensor<4xi8>
}

// -----

func.func @bad_multiplier(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error @+1 {{rescale_c1: channel 0: a multiplier must be positive, got -5}}
  %y = quantx.rescale %x rounding<double_round> multiplier [-5] shift [31] zero_points (0, 0) clamp [-128, 127] : tensor<4xi32> to tensor<4xi8>
  return %y : tensor<4xi8>
}

// -----

func.func @bad_scale(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error @+1 {{rescale_c1: channel 0: a scale must be positive and finite, got 0}}
  %y = quantx.rescale %x rounding<float> scale [0.0] zero_points (0, 0) clamp [-128, 127] : tensor<4xi32> to tensor<4xi8>
  return %y : tensor<4xi8>
}

// -----

func.func @channels_without_axis(%x: tensor<4x2xi32>) -> tensor<4x2xi8> {
  // expected-error @+1 {{rescale_c2: expected one value without an axis, got 2}}
  %y = quantx.rescale %x rounding<float> scale [0.5, 0.25] zero_points (0, 0) clamp [-128, 127] : tensor<4x2xi32> to tensor<4x2xi8>
  return %y : tensor<4x2xi8>
}

// -----

func.func @channel_count(%x: tensor<4x2xi32>) -> tensor<4x2xi8> {
  // expected-error @+1 {{rescale_c2: expected 2 values (dimension 1), got 3}}
  %y = quantx.rescale %x rounding<float> scale [0.5, 0.25, 1.0] axis 1 zero_points (0, 0) clamp [-128, 127] : tensor<4x2xi32> to tensor<4x2xi8>
  return %y : tensor<4x2xi8>
}

// -----

func.func @dynamic_axis(%x: tensor<?x2xi32>) -> tensor<?x2xi8> {
  // expected-error @+1 {{rescale_c2: dimension 0 (the axis) must be static}}
  %y = quantx.rescale %x rounding<float> scale [0.5, 0.25] axis 0 zero_points (0, 0) clamp [-128, 127] : tensor<?x2xi32> to tensor<?x2xi8>
  return %y : tensor<?x2xi8>
}

// -----

func.func @bad_axis(%x: tensor<4x2xi32>) -> tensor<4x2xi8> {
  // expected-error @+1 {{rescale_c2: axis 2 is not a dimension of 'tensor<4x2xi32>'}}
  %y = quantx.rescale %x rounding<float> scale [0.5] axis 2 zero_points (0, 0) clamp [-128, 127] : tensor<4x2xi32> to tensor<4x2xi8>
  return %y : tensor<4x2xi8>
}

// -----

func.func @clamp_too_wide(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error @+1 {{rescale_c3: the clamp [-128, 255] is not a range of 8-bit codes}}
  %y = quantx.rescale %x rounding<float> scale [0.5] zero_points (0, 0) clamp [-128, 255] : tensor<4xi32> to tensor<4xi8>
  return %y : tensor<4xi8>
}

// -----

func.func @clamp_empty(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error @+1 {{rescale_c3: the clamp [5, 4] is not a range of 8-bit codes}}
  %y = quantx.rescale %x rounding<float> scale [0.5] zero_points (0, 0) clamp [5, 4] : tensor<4xi32> to tensor<4xi8>
  return %y : tensor<4xi8>
}

// -----

func.func @shapes(%x: tensor<4xi32>) -> tensor<5xi8> {
  // expected-error @+1 {{requires the same shape for all operands and results}}
  %y = quantx.rescale %x rounding<float> scale [0.5] zero_points (0, 0) clamp [-128, 127] : tensor<4xi32> to tensor<5xi8>
  return %y : tensor<5xi8>
}

// -----

func.func @wide_input(%x: tensor<4xi128>) -> tensor<4xi8> {
  // expected-error @+1 {{rescale_c4: expected integers of at most 64 bits, got 'i128' to 'i8'}}
  %y = quantx.rescale %x rounding<float> scale [0.5] zero_points (0, 0) clamp [-128, 127] : tensor<4xi128> to tensor<4xi8>
  return %y : tensor<4xi8>
}

// -----

func.func @wide_result(%x: tensor<4xi32>) -> tensor<4xi128> {
  // expected-error @+1 {{rescale_c4: expected integers of at most 64 bits, got 'i32' to 'i128'}}
  %y = quantx.rescale %x rounding<float> scale [0.5] zero_points (0, 0) clamp [-128, 127] : tensor<4xi32> to tensor<4xi128>
  return %y : tensor<4xi128>
}

// -----

func.func @dynamic_result(%x: tensor<4xi32>) -> tensor<?xi8> {
  // expected-error @+1 {{rescale_c4: expected the input's shape for the result, got 'tensor<4xi32>' to 'tensor<?xi8>'}}
  %y = quantx.rescale %x rounding<float> scale [0.5] zero_points (0, 0) clamp [-128, 127] : tensor<4xi32> to tensor<?xi8>
  return %y : tensor<?xi8>
}
