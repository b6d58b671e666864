// REQUIRES: dataset-digits, torch
// Quantization-aware training end to end: quantx-insert-fake-quant turns
// the float digits MLP (examples/mlp-digits.mlir) into a QAT model, and
// quantx-runner trains it with the example's own options. Both layers are
// quantized (first-last-bits=0). Measured here: W4A4 (ste weights, PACT
// activations) 0.9554, ternary weights (TWN) 0.9833, BinaryConnect 0.9415
// (fp32: 0.9666), W4A4 with observed activation ranges (activations=ste)
// 0.9610; the checks leave a margin for other vector widths. The
// learned PACT clipping levels are saved by -o and the saved model
// evaluates to the same accuracy.
// RUN: quantx-opt %examples/mlp-digits.mlir --quantx-insert-fake-quant="weights=ste activations=pact weight-bits=4 activation-bits=4 first-last-bits=0" -o %t.w4a4.mlir
// RUN: quantx-runner train %t.w4a4.mlir --dataset digits --epochs 30 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 -o %t.w4a4-trained.mlir > %t.w4a4.txt
// RUN: FileCheck %s --check-prefix=W4A4 < %t.w4a4.txt
// W4A4: parameters: @w1 (64, 64) @b1 (64,) @w2 (64, 10) @b2 (10,) @pact_alpha () @pact_alpha_0 ()
// W4A4: test-accuracy: 0.9{{[3-9][0-9]*}}
// RUN: FileCheck %s --check-prefix=ALPHA < %t.w4a4-trained.mlir
// ALPHA: ml_program.global private mutable @pact_alpha(dense<{{.*}}> : tensor<f32>) : tensor<f32>
// ALPHA-NOT: @pact_alpha(dense<6.000000e+00>
// RUN: quantx-runner eval %t.w4a4-trained.mlir --dataset digits --batch-size 32 | grep '^test-accuracy' > %t.w4a4-eval.txt
// RUN: grep '^test-accuracy' %t.w4a4.txt | diff - %t.w4a4-eval.txt
// RUN: quantx-opt %examples/mlp-digits.mlir --quantx-insert-fake-quant="weights=twn activations=none first-last-bits=0" | quantx-runner train - --dataset digits --epochs 30 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 -o %t.twn-trained.mlir | FileCheck %s --check-prefix=TWN
// TWN: test-accuracy: 0.9{{[6-9][0-9]*}}
// RUN: quantx-opt %examples/mlp-digits.mlir --quantx-insert-fake-quant="weights=binary activations=none first-last-bits=0" | quantx-runner train - --dataset digits --epochs 30 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 | FileCheck %s --check-prefix=BINARY
// BINARY: test-accuracy: 0.9{{[2-9][0-9]*}}
// RUN: quantx-opt %examples/mlp-digits.mlir --quantx-insert-fake-quant="weights=ste activations=ste weight-bits=4 activation-bits=4 first-last-bits=0" | quantx-runner train - --dataset digits --epochs 30 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 -o %t.observed-trained.mlir | FileCheck %s --check-prefix=OBSERVED
// OBSERVED: model state: @act_min () @act_max () @act_min_0 () @act_max_1 ()
// OBSERVED: test-accuracy: 0.9{{[3-9][0-9]*}}
// Learned step sizes (LSQ, 4-bit weights and activations, 0.9721 measured)
// are initialized from the first batch, then learned: the saved model
// holds the flag and learned steps, not their initial 1.0, and evaluates to
// the same accuracy. SAWB weights with PACT activations, both 4-bit,
// 0.9582.
// RUN: quantx-opt %examples/mlp-digits.mlir --quantx-insert-fake-quant="weights=lsq activations=lsq weight-bits=4 activation-bits=4 first-last-bits=0" -o %t.lsq.mlir
// RUN: quantx-runner train %t.lsq.mlir --dataset digits --epochs 30 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 -o %t.lsq-trained.mlir > %t.lsq.txt
// RUN: FileCheck %s --check-prefix=LSQ < %t.lsq.txt
// LSQ: parameters: @w1 (64, 64) @b1 (64,) @w2 (64, 10) @b2 (10,) @lsq_weight_step (64,) @lsq_act_step () @lsq_weight_step_0 (10,) @lsq_act_step_1 ()
// LSQ: model state: @lsq_initialized ()
// LSQ: test-accuracy: 0.9{{[3-9][0-9]*}}
// RUN: FileCheck %s --check-prefix=STEPS < %t.lsq-trained.mlir
// STEPS-NOT: @lsq_act_step(dense<1.000000e+00>
// STEPS: ml_program.global private mutable @lsq_initialized(dense<1.000000e+00> : tensor<f32>) : tensor<f32> {quantx.buffer}
// STEPS-NOT: @lsq_act_step_1(dense<1.000000e+00>
// RUN: quantx-runner eval %t.lsq-trained.mlir --dataset digits --batch-size 32 | grep '^test-accuracy' > %t.lsq-eval.txt
// RUN: grep '^test-accuracy' %t.lsq.txt | diff - %t.lsq-eval.txt
// RUN: quantx-opt %examples/mlp-digits.mlir --quantx-insert-fake-quant="weights=sawb activations=pact weight-bits=4 activation-bits=4 first-last-bits=0" | quantx-runner train - --dataset digits --epochs 30 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 | FileCheck %s --check-prefix=SAWB
// SAWB: test-accuracy: 0.9{{[3-9][0-9]*}}
// quantx-freeze-quantization turns each trained model into static formats
// (constant codes for the weights, fake_quant with the learned or observed
// scale for the activations) that evaluate to the same accuracy.
// RUN: quantx-opt %t.w4a4-trained.mlir --quantx-freeze-quantization -o %t.w4a4-frozen.mlir
// RUN: FileCheck %s --check-prefix=FROZEN-PACT < %t.w4a4-frozen.mlir
// FROZEN-PACT-NOT: scaled_fake_quant
// FROZEN-PACT: quantx.storage_cast %{{.*}} : tensor<64x64xi4> to tensor<64x64x!quantx.fixed<i4<-7:7>:f32:1, {
// FROZEN-PACT: quantx.fake_quant %{{.*}} to !quantx.fixed<u4:f32, {{[0-9.e-]+}}> : tensor<?x64xf32>
// RUN: quantx-runner eval %t.w4a4-frozen.mlir --dataset digits --batch-size 32 | grep '^test-accuracy' | diff - %t.w4a4-eval.txt
// RUN: quantx-opt %t.lsq-trained.mlir --quantx-freeze-quantization -o %t.lsq-frozen.mlir
// RUN: FileCheck %s --check-prefix=FROZEN-LSQ < %t.lsq-frozen.mlir
// FROZEN-LSQ-NOT: @lsq_
// FROZEN-LSQ: quantx.storage_cast %{{.*}} : tensor<64x64xi4> to tensor<64x64x!quantx.fixed<i4:f32:1, {
// RUN: quantx-runner eval %t.lsq-frozen.mlir --dataset digits --batch-size 32 | grep '^test-accuracy' | diff - %t.lsq-eval.txt
// RUN: quantx-runner eval %t.twn-trained.mlir --dataset digits --batch-size 32 | grep '^test-accuracy' > %t.twn-eval.txt
// RUN: quantx-opt %t.twn-trained.mlir --quantx-freeze-quantization | quantx-runner eval - --dataset digits --batch-size 32 | grep '^test-accuracy' | diff - %t.twn-eval.txt
// RUN: quantx-runner eval %t.observed-trained.mlir --dataset digits --batch-size 32 | grep '^test-accuracy' > %t.observed-eval.txt
// RUN: quantx-opt %t.observed-trained.mlir --quantx-freeze-quantization | quantx-runner eval - --dataset digits --batch-size 32 | grep '^test-accuracy' | diff - %t.observed-eval.txt
// --freeze-statistics-after 1: the second epoch trains the parameters with
// the observed ranges frozen, so the saved ranges are those after one epoch.
// RUN: quantx-opt %examples/mlp-digits.mlir --quantx-insert-fake-quant="first-last-bits=0" -o %t.obs.mlir
// RUN: quantx-runner train %t.obs.mlir --dataset digits --epochs 2 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 --freeze-statistics-after 1 -o %t.obs2.mlir | FileCheck %s --check-prefix=FREEZE
// FREEZE: epoch 1/2: {{.*}} test-accuracy {{[0-9.]+}} (
// FREEZE: epoch 2/2: {{.*}} statistics frozen (
// RUN: quantx-runner train %t.obs.mlir --dataset digits --epochs 1 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 -o %t.obs1.mlir
// RUN: grep 'global private mutable @act_' %t.obs1.mlir > %t.ranges1.txt
// RUN: grep 'global private mutable @act_' %t.obs2.mlir | diff - %t.ranges1.txt
// RUN: not quantx-runner train %t.obs.mlir --dataset digits --epochs 1 --freeze-statistics-after -1 2>&1 | FileCheck %s --check-prefix=FREEZE-BAD
// FREEZE-BAD: --freeze-statistics-after must be at least 0
//
// A QAT-trained model becomes its integer model without calibration
// (quantx-ptq freezes it first): observed ranges (the same 0.9610, every
// prediction the same) and PACT clips (0.9554: the learned clip is the
// rescale's upper bound), 4-bit weights packed two per byte.
// RUN: quantx-opt %t.observed-trained.mlir --quantx-ptq -o %t.observed-integer.mlir
// RUN: FileCheck %s --check-prefix=QATINT < %t.observed-integer.mlir
// QATINT-NOT: scaled_fake_quant
// QATINT: quantx.unpack
// QATINT: linalg.quantized_matmul
// QATINT: quantx.rescale
// RUN: quantx-runner eval %t.observed-trained.mlir --dataset digits --batch-size 32 --predictions %t.observed.npy > /dev/null
// RUN: quantx-runner eval %t.observed-integer.mlir --dataset digits --batch-size 32 --predictions %t.observed-integer.npy | FileCheck %s --check-prefix=QATINTACC
// QATINTACC: model-bytes: {{[0-9]+}}
// QATINTACC-NEXT: test-accuracy: 0.9{{[3-9][0-9]*}}
// RUN: %torch_python -c "import numpy as n, sys; a, b = n.load('%t.observed.npy'), n.load('%t.observed-integer.npy'); agree = (a == b).mean(); print('agreement', agree); sys.exit(0 if agree >= 0.995 else 1)"
// RUN: quantx-opt %t.w4a4-trained.mlir --quantx-ptq | quantx-runner eval - --dataset digits --batch-size 32 | FileCheck %s --check-prefix=PACTINT
// PACTINT: test-accuracy: 0.9{{[3-9][0-9]*}}
