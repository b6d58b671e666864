// RUN: quantx-opt %s --quantx-make-train-step --split-input-file --verify-diagnostics
// RUN: not quantx-opt %s --quantx-make-train-step="optimizer=rmsprop" --split-input-file 2>&1 | FileCheck %s --check-prefix=OPTIMIZER
// RUN: not quantx-opt %s --quantx-make-train-step="model=missing" --split-input-file 2>&1 | FileCheck %s --check-prefix=MODEL

// OPTIMIZER: for the --optimizer option: Cannot find option named 'rmsprop'!
// MODEL: error: quantx-make-train-step: no function @missing is defined (choose it with model=NAME)

// expected-error @+1 {{the model reads no mutable float ml_program.global: it has no parameters to train}}
func.func @forward(%x: tensor<8x3xf32>) -> tensor<8x3xf32> {
  return %x : tensor<8x3xf32>
}

// -----

// expected-error @+1 {{the model must take one tensor [N, ...] and return float logits [N, C], got '(tensor<8x3xf32>) -> tensor<8xf32>'}}
func.func @forward(%x: tensor<8x3xf32>) -> tensor<8xf32> {
  %c = arith.constant dense<0.0> : tensor<8xf32>
  return %c : tensor<8xf32>
}

// -----

ml_program.global private mutable @w : tensor<3xf32>
ml_program.global private mutable @k : tensor<3xi32>
func.func @forward(%x: tensor<8x3xf32>) -> tensor<8x3xf32> {
  %w = ml_program.global_load @w : tensor<3xf32>
  %k = ml_program.global_load @k : tensor<3xi32>
  // expected-error @+1 {{the model may store only into parameters and model state (mutable float tensor globals)}}
  ml_program.global_store @k = %k : tensor<3xi32>
  return %x : tensor<8x3xf32>
}

// -----

ml_program.global private mutable @w : tensor<3xf32>
func.func @forward(%x: tensor<8x3xf32>) -> tensor<8x3xf32> {
  %w = ml_program.global_load @w : tensor<3xf32>
  ml_program.global_store @w = %w : tensor<3xf32>
  // expected-error @+1 {{@w is stored more than once by the model}}
  ml_program.global_store @w = %w : tensor<3xf32>
  return %x : tensor<8x3xf32>
}

// -----

// Model state is stored at the top level, where the step can return it.
ml_program.global private mutable @w : tensor<3xf32>
ml_program.global private mutable @s : tensor<3xf32> {quantx.buffer}
func.func @forward(%x: tensor<8x3xf32>) -> tensor<8x3xf32> {
  %w = ml_program.global_load @w : tensor<3xf32>
  %p = arith.constant true
  scf.if %p {
    // expected-error @+1 {{parameters and model state must be stored at the top level of the model, not inside a region}}
    ml_program.global_store @s = %w : tensor<3xf32>
  }
  return %x : tensor<8x3xf32>
}

// -----

// RUN: not quantx-opt %s --quantx-make-train-step="batch-size=4" --split-input-file 2>&1 | FileCheck %s --check-prefix=BATCH
// BATCH: error: the model's batch dimension is static (8); batch-size 4 must equal it, or make the dimension dynamic
ml_program.global private mutable @w : tensor<3xf32>
func.func @forward(%x: tensor<8x3xf32>) -> tensor<8x3xf32> {
  %w = ml_program.global_load @w : tensor<3xf32>
  %e = tensor.empty() : tensor<8x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %w : tensor<8x3xf32>, tensor<3xf32>) outs(%e : tensor<8x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<8x3xf32>
  return %r : tensor<8x3xf32>
}

// -----

// A parameter that reaches the loss only through integers never trains: a
// warning on the parameter says so (the step is still built).
// expected-warning @+1 {{parameter @scale reaches the loss through no differentiable operation (not at all, or only through integers or comparisons): its gradient is zero and training does not change it}}
ml_program.global private mutable @scale : tensor<3xf32>
ml_program.global private mutable @w : tensor<3xf32>
func.func @forward(%x: tensor<8x3xf32>) -> tensor<8x3xf32> {
  %w = ml_program.global_load @w : tensor<3xf32>
  %s = ml_program.global_load @scale : tensor<3xf32>
  %e = tensor.empty() : tensor<8x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %w, %s : tensor<8x3xf32>, tensor<3xf32>, tensor<3xf32>) outs(%e : tensor<8x3xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32, %o: f32):
    %i = arith.fptosi %c : f32 to i32
    %f = arith.sitofp %i : i32 to f32
    %m = arith.mulf %a, %b : f32
    %n = arith.mulf %m, %f : f32
    linalg.yield %n : f32
  } -> tensor<8x3xf32>
  return %r : tensor<8x3xf32>
}
