// REQUIRES: quantx-jit
// Datasets given as npy:X,Y, sorted by label (180 samples, 3 classes of 60):
// training uses every sample unless a hold-out is asked for; the hold-out is
// a seeded random split of each class, printed; eval evaluates every sample
// it is given.
// RUN: quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --epochs 3 --batch-size 10 --lr 0.1 -o %t.trained.mlir | FileCheck %s --check-prefix=ALL
// ALL: dataset npy: 180 train, 0 test samples, 3 classes; batch 10
// ALL: no test split: reporting the accuracy on the training split (--holdout F holds some out)
// ALL: epoch 3/3: train-loss {{[0-9.]+}} train-accuracy {{[0-9.]+}}
// ALL: train-accuracy: {{1\.0000|0\.9[0-9]+}}
// RUN: quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --holdout 0.2 --seed 7 --epochs 3 --batch-size 10 --lr 0.1 | FileCheck %s --check-prefix=HOLDOUT
// HOLDOUT: dataset npy: 144 train, 36 test samples, 3 classes; batch 10
// HOLDOUT: hold-out: 0.2 of each class (seed 7) is the test split
// HOLDOUT: test-accuracy: {{1\.0000|0\.9[0-9]+}}
// RUN: quantx-runner eval %t.trained.mlir --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --batch-size 7 | FileCheck %s --check-prefix=EVAL
// EVAL: dataset npy: 0 train, 180 test samples, 3 classes; batch 7
// EVAL: test-accuracy: {{1\.0000|0\.9[0-9]+}}
//
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --holdout 1.5 2>&1 | FileCheck %s --check-prefix=RANGE
// RANGE: quantx-runner: error: the hold-out fraction must be in [0, 1), got 1.500000
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy,%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --holdout 0.2 2>&1 | FileCheck %s --check-prefix=FOUR
// FOUR: quantx-runner: error: a hold-out applies to npy:X,Y; npy:X,Y,TX,TY has a test split
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs,%S/../Inputs/sorted_y.npy 2>&1 | FileCheck %s --check-prefix=DIR
// DIR: quantx-runner: error: {{.*}}Inputs: not a regular file
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy 2>&1 | FileCheck %s --check-prefix=ONE
// ONE: quantx-runner: error: npy datasets are npy:X.npy,Y.npy or npy:X.npy,Y.npy,TEST_X.npy,TEST_Y.npy

ml_program.global private mutable @w : tensor<8x3xf32> {quantx.init = "xavier_uniform"}
ml_program.global private mutable @b : tensor<3xf32> {quantx.init = "zeros"}

func.func @forward(%x: tensor<?x8xf32>) -> tensor<?x3xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %w = ml_program.global_load @w : tensor<8x3xf32>
  %b = ml_program.global_load @b : tensor<3xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %m = linalg.matmul ins(%x, %w : tensor<?x8xf32>, tensor<8x3xf32>) outs(%f : tensor<?x3xf32>) -> tensor<?x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(n, j) -> (n, j)>, affine_map<(n, j) -> (j)>, affine_map<(n, j) -> (n, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m, %b : tensor<?x3xf32>, tensor<3xf32>) outs(%e : tensor<?x3xf32>) {
  ^bb0(%v: f32, %bb: f32, %o: f32):
    %s = arith.addf %v, %bb : f32
    linalg.yield %s : f32
  } -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}
