// REQUIRES: dataset-digits
// Training in simulated low-precision floats end to end: quantx-mixed-
// precision rounds the digits MLP's contractions (examples/mlp-digits.mlir)
// and quantx-runner trains it with the example's own options for 30
// epochs. Measured here (fp32: 0.9666): fp16 forward and backward with
// dynamic loss scaling 0.9694 (scale 65536 throughout, no step skipped,
// 0.33% of the nonzero gradient values flushed to zero); the same without
// loss scaling 0.9694 with 5.24% flushed; HFP8 (e4m3 forward, e5m2
// backward, nearest) 0.9666. The checks leave a margin for other vector
// widths (another summation order).
// RUN: quantx-opt %examples/mlp-digits.mlir --quantx-mixed-precision="forward=f16 backward=f16 loss-scale=dynamic" | quantx-runner train - --dataset digits --epochs 30 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 | FileCheck %s --check-prefix=SCALED
// SCALED: epoch 1/30: train-loss {{[0-9.]+}} test-accuracy {{[0-9.]+}} loss-scale 65536 skipped-steps 0 gradient-underflow 0.{{[0-9]+}}% gradient-overflow 0 (
// SCALED: epoch 30/30: {{.*}} loss-scale 65536 skipped-steps 0 gradient-underflow 0.{{[0-9]+}}% gradient-overflow 0 (
// SCALED: test-accuracy: 0.9{{[5-9][0-9]*}}
// Without loss scaling, more than 1% of the gradient values underflow.
// RUN: quantx-opt %examples/mlp-digits.mlir --quantx-mixed-precision="forward=f16 backward=f16" | quantx-runner train - --dataset digits --epochs 30 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 | FileCheck %s --check-prefix=UNSCALED
// UNSCALED-NOT: loss-scale
// UNSCALED: epoch 30/30: {{.*}} gradient-underflow {{[1-9][0-9]*\.[0-9]+}}% gradient-overflow 0 (
// UNSCALED: test-accuracy: 0.9{{[5-9][0-9]*}}
// RUN: quantx-opt %examples/mlp-digits.mlir --quantx-mixed-precision="forward=e4m3 backward=e5m2" | quantx-runner train - --dataset digits --epochs 30 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 | FileCheck %s --check-prefix=HFP8
// HFP8: test-accuracy: 0.9{{[5-9][0-9]*}}
// A static scale that overflows e5m2 skips every step, and says so: the
// model does not train (it keeps its initial accuracy).
// RUN: quantx-opt %examples/mlp-digits.mlir --quantx-mixed-precision="forward=e4m3 backward=e5m2 loss-scale=static:1e30" | quantx-runner train - --dataset digits --epochs 1 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 | FileCheck %s --check-prefix=OVERFLOW
// OVERFLOW: epoch 1/1: {{.*}} loss-scale 1e+30 skipped-steps 44 gradient-underflow {{[0-9.]+}}% gradient-overflow {{[1-9][0-9]*}} (
