// REQUIRES: dataset-fashion-mnist
// A short run of examples/cnn-bn-fashion.mlir (convolutions and a dense
// layer, each followed by quantx.batch_norm) with its TRAIN line's options,
// stopped after 150 steps: the step trains with batch statistics and
// returns the running ones, which evaluation uses. 150 steps of 64 samples
// reach about 0.82 (the full five epochs: docs/Training.md); the check
// requires 0.78. The saved model holds the running statistics (the
// variances are no longer their initial ones) and evaluates to the same
// accuracy; folding its batch norms keeps it.
// RUN: quantx-runner train %examples/cnn-bn-fashion.mlir --dataset fashion-mnist --epochs 5 --max-steps 150 --batch-size 64 --optimizer momentum --lr 0.05 --lr-schedule cosine --seed 1 -o %t.trained.mlir > %t.train.txt
// RUN: FileCheck %s < %t.train.txt
// CHECK: parameters: @k1 (3, 3, 1, 16) @g1 (16,) @b1 (16,) @k2 (3, 3, 16, 32) @g2 (32,) @b2 (32,) @w3 (1568, 128) @g3 (128,) @b3 (128,) @w4 (128, 10) @b4 (10,)
// CHECK: model state: @mean1 (16,) @var1 (16,) @mean2 (32,) @var2 (32,) @mean3 (128,) @var3 (128,)
// CHECK: epoch 1/5: train-loss {{[0-9.]+}} test-accuracy [[ACC:0\.(7[89]|8[0-9]|9[0-9])[0-9]*]]
// CHECK-NEXT: stopped after 150 training steps (--max-steps)
// CHECK: test-accuracy: [[ACC]]
// RUN: quantx-runner eval %t.trained.mlir --dataset fashion-mnist | grep '^test-accuracy' > %t.eval.txt
// RUN: grep '^test-accuracy' %t.train.txt | diff - %t.eval.txt
// RUN: FileCheck %s --check-prefix=STATE < %t.trained.mlir
// STATE: ml_program.global private mutable @var1(dense<[{{[^]]*}}]> : tensor<16xf32>) : tensor<16xf32> {quantx.buffer, quantx.init = "ones"}
// STATE-NOT: @var1(dense<1.000000e+00>
// RUN: quantx-opt %t.trained.mlir --quantx-fold-batch-norm > %t.folded.mlir
// RUN: FileCheck %s --check-prefix=FOLDED < %t.folded.mlir
// FOLDED-NOT: quantx.batch_norm
// RUN: quantx-runner eval %t.folded.mlir --dataset fashion-mnist | FileCheck %s --check-prefix=EVAL
// EVAL: test-accuracy: 0.{{(7[89]|8[0-9]|9[0-9])}}
