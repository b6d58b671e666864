// REQUIRES: dataset-digits
// Trains examples/cnn-digits.mlir (convolution, ReLU, max pooling, dense)
// with the command of its TRAIN line: the backward pass goes through the
// convolution and pooling gradient rules. The CNN must reach 97% test
// accuracy on the 359 held-out digits, and the saved model must evaluate
// to the same accuracy.
// RUN: quantx-runner train %examples/cnn-digits.mlir --dataset digits --epochs 20 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 -o %t.trained.mlir > %t.train.txt
// RUN: FileCheck %s < %t.train.txt
// CHECK: dataset digits: 1438 train, 359 test samples, 10 classes; batch 32
// CHECK: parameters: @k1 (3, 3, 1, 8) @c1 (8,) @w2 (128, 10) @b2 (10,)
// CHECK: epoch 20/20: train-loss {{[0-9.]+}} test-accuracy [[ACC:0\.9[7-9][0-9]*]]
// CHECK: test-accuracy: [[ACC]]
// RUN: quantx-runner eval %t.trained.mlir --dataset digits --batch-size 32 | grep '^test-accuracy' > %t.eval.txt
// RUN: grep '^test-accuracy' %t.train.txt | diff - %t.eval.txt
