// RUN: quantx-opt %s --split-input-file --verify-diagnostics

// batch_norm_c1: a batch dimension and features.
func.func @rank_one(%x: tensor<16xf32>, %g: tensor<16xf32>) {
  // expected-error @+1 {{input must have rank 2 or more (a batch dimension and the features last), got 'tensor<16xf32>'}}
  %y, %m, %v = quantx.batch_norm %x, %g, %g, %g, %g : tensor<16xf32>, tensor<16xf32>
  return
}

// -----

// batch_norm_c2: one statistic per feature.
func.func @feature_count(%x: tensor<4x16xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{the input has 16 features (its last dimension) but scale, offset and running statistics have 8}}
  %y, %m, %v = quantx.batch_norm %x, %g, %g, %g, %g : tensor<4x16xf32>, tensor<8xf32>
  return
}

// -----

func.func @feature_rank(%x: tensor<4x16xf32>, %g: tensor<1x16xf32>) {
  // expected-error @+1 {{scale, offset and running statistics must have rank 1, got 'tensor<1x16xf32>'}}
  %y, %m, %v = quantx.batch_norm %x, %g, %g, %g, %g : tensor<4x16xf32>, tensor<1x16xf32>
  return
}

// -----

func.func @feature_type(%x: tensor<4x16xf32>, %g: tensor<16xf16>) {
  // expected-error @+1 {{scale, offset and running statistics must have the input's element type 'f32', got 'f16'}}
  %y, %m, %v = quantx.batch_norm %x, %g, %g, %g, %g : tensor<4x16xf32>, tensor<16xf16>
  return
}

// -----

// The statistics share one type (the parser infers the others from it).
func.func @mixed_statistics(%x: tensor<4x16xf32>, %g: tensor<16xf32>, %h: tensor<?xf32>) {
  // expected-error @+1 {{all of {scale, offset, running_mean, running_var, new_mean, new_var} have same type}}
  %y:3 = "quantx.batch_norm"(%x, %g, %h, %g, %g) : (tensor<4x16xf32>, tensor<16xf32>, tensor<?xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<4x16xf32>, tensor<16xf32>, tensor<16xf32>)
  return
}

// -----

// batch_norm_c3: epsilon and momentum.
func.func @epsilon_zero(%x: tensor<4x16xf32>, %g: tensor<16xf32>) {
  // expected-error @+1 {{epsilon must be positive and finite, got 0}}
  %y, %m, %v = quantx.batch_norm %x, %g, %g, %g, %g {epsilon = 0.0 : f64} : tensor<4x16xf32>, tensor<16xf32>
  return
}

// -----

func.func @epsilon_nan(%x: tensor<4x16xf32>, %g: tensor<16xf32>) {
  // expected-error @+1 {{epsilon must be positive and finite, got nan}}
  %y, %m, %v = quantx.batch_norm %x, %g, %g, %g, %g {epsilon = 0x7FF8000000000000 : f64} : tensor<4x16xf32>, tensor<16xf32>
  return
}

// -----

func.func @momentum_above_one(%x: tensor<4x16xf32>, %g: tensor<16xf32>) {
  // expected-error @+1 {{momentum must lie in [0, 1], got 1.5}}
  %y, %m, %v = quantx.batch_norm %x, %g, %g, %g, %g {momentum = 1.5 : f64} : tensor<4x16xf32>, tensor<16xf32>
  return
}

// -----

// batch_norm_c4: a training batch of one element per feature.
func.func @single_value_training(%x: tensor<1x1x1x16xf32>, %g: tensor<16xf32>) {
  // expected-error @+1 {{in training, the batch must hold more than one value per feature (its variance is undefined), got 'tensor<1x1x1x16xf32>'}}
  %y, %m, %v = quantx.batch_norm %x, %g, %g, %g, %g training : tensor<1x1x1x16xf32>, tensor<16xf32>
  return
}

// -----

func.func @integer_input(%x: tensor<4x16xi32>, %g: tensor<16xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %y, %m, %v = quantx.batch_norm %x, %g, %g, %g, %g : tensor<4x16xi32>, tensor<16xi32>
  return
}
