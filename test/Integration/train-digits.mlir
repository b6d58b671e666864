// REQUIRES: dataset-digits
// Trains examples/mlp-digits.mlir with the command of its TRAIN line, then
// evaluates the saved model: the fp32 MLP must reach 96% test accuracy on
// the 359 held-out digits, and the saved parameters must give the same
// accuracy when read back.
// RUN: quantx-runner train %examples/mlp-digits.mlir --dataset digits --epochs 30 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 -o %t.trained.mlir > %t.train.txt
// RUN: FileCheck %s --check-prefix=TRAIN < %t.train.txt
// TRAIN: dataset digits: 1438 train, 359 test samples, 10 classes; batch 32
// TRAIN: parameters: @w1 (64, 64) @b1 (64,) @w2 (64, 10) @b2 (10,)
// TRAIN: epoch 1/30: train-loss {{[0-9.]+}} test-accuracy {{[0-9.]+}}
// TRAIN: epoch 30/30: train-loss [[LOSS:[0-9.]+]] test-accuracy [[ACC:0\.9[6-9][0-9]*]]
// TRAIN: saved the trained model to
// TRAIN: test-accuracy: [[ACC]]
// RUN: quantx-runner eval %t.trained.mlir --dataset digits --batch-size 32 | grep '^test-accuracy' > %t.eval.txt
// RUN: grep '^test-accuracy' %t.train.txt | diff - %t.eval.txt
//
// The trained model is the input file with values in its globals.
// RUN: FileCheck %s --check-prefix=SAVED < %t.trained.mlir
// SAVED: ml_program.global private mutable @w1(dense<{{.*}}> : tensor<64x64xf32>) : tensor<64x64xf32>
// SAVED: func.func @forward(
//
// Adam and plain SGD train too (fewer epochs).
// RUN: quantx-runner train %examples/mlp-digits.mlir --dataset digits --epochs 10 --batch-size 32 --optimizer adam --lr 0.003 | FileCheck %s --check-prefix=ADAM
// ADAM: test-accuracy: 0.9{{[3-9]}}
// RUN: quantx-runner train %examples/mlp-digits.mlir --dataset digits --epochs 10 --batch-size 16 --optimizer sgd --lr 0.1 --weight-decay 0.0001 | FileCheck %s --check-prefix=SGD
// SGD: test-accuracy: 0.9{{[3-9]}}
//
// Flushing subnormals (the default) leaves a normal run unchanged.
// RUN: quantx-runner train %examples/mlp-digits.mlir --dataset digits --epochs 3 --batch-size 32 --optimizer adam --lr 0.003 --seed 2 > %t.ftz.txt
// RUN: quantx-runner train %examples/mlp-digits.mlir --dataset digits --epochs 3 --batch-size 32 --optimizer adam --lr 0.003 --seed 2 --flush-denormals=false > %t.ieee.txt
// RUN: grep -o 'train-loss.*test-accuracy [0-9.]*' %t.ftz.txt > %t.ftz.loss
// RUN: grep -o 'train-loss.*test-accuracy [0-9.]*' %t.ieee.txt | diff %t.ftz.loss -
// RUN: FileCheck %s --check-prefix=FTZ < %t.ftz.loss
// FTZ-COUNT-3: train-loss
//
// Schedules: the rate of each epoch's first batch is printed; cosine decay
// reaches 96% too.
// RUN: quantx-runner train %examples/mlp-digits.mlir --dataset digits --epochs 30 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 --lr-schedule cosine | FileCheck %s --check-prefix=COSINE
// COSINE: epoch 1/30: train-loss {{[0-9.]+}} test-accuracy {{[0-9.]+}} lr 0.05 (
// COSINE: epoch 16/30: train-loss {{[0-9.]+}} test-accuracy {{[0-9.]+}} lr 0.025 (
// COSINE: test-accuracy: 0.9{{[6-9][0-9]*}}
// RUN: quantx-runner train %examples/mlp-digits.mlir --dataset digits --epochs 5 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 --lr-schedule step --lr-step-epochs 2 --lr-gamma 0.5 | FileCheck %s --check-prefix=STEP
// STEP: epoch 1/5: {{.*}} lr 0.05 (
// STEP: epoch 2/5: {{.*}} lr 0.05 (
// STEP: epoch 3/5: {{.*}} lr 0.025 (
// STEP: epoch 5/5: {{.*}} lr 0.0125 (
