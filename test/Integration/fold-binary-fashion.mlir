// REQUIRES: dataset-fashion-mnist, torch
// The BNN CNN end to end: the batch-norm Fashion-MNIST CNN
// (examples/cnn-bn-fashion.mlir) with XNOR-Net weights and sign
// activations (the first convolution and the last matmul 8-bit; the second
// convolution and the first matmul binary), trained briefly, frozen (batch
// norms folded into the weights' scales) and folded: both binary layers
// become XNOR-popcount, and the folded model predicts exactly what the QAT
// and frozen models predict on each of the 10000 test images, in at most
// 1/20 of the float model's bytes (1 epoch: 0.8558 accuracy, 29956 bytes
// against 829828).
// RUN: quantx-opt %examples/cnn-bn-fashion.mlir --quantx-insert-fake-quant="weights=xnor activations=sign" -o %t.qat.mlir 2> /dev/null
// RUN: quantx-runner train %t.qat.mlir --dataset fashion-mnist --epochs 1 --max-steps 150 --batch-size 64 --optimizer momentum --lr 0.05 --seed 1 -o %t.trained.mlir > /dev/null
// RUN: quantx-opt %t.trained.mlir --quantx-freeze-quantization -o %t.frozen.mlir
// RUN: quantx-opt %t.frozen.mlir --quantx-fold-binary -o %t.folded.mlir
// RUN: FileCheck %s --check-prefix=FOLDED --implicit-check-not=x14x14x32xf32 < %t.folded.mlir
// The signs are taken before the first pooling; the second convolution's
// float epilogue (scale, batch norm, hard-tanh) is replaced by thresholds
// on its dot products (no f32 tensor of its shape is left); each pixel's
// 16 or 32 signs are packed where they are made, and the poolings (the OR
// of the window's fields), the padding and the window gather move bits.
// FOLDED: quantx.pack_signs %{{.*}} : tensor<?x28x28x16xi8> to tensor<?x28x28x1xi64>
// FOLDED: arith.ori
// FOLDED: quantx.binary_matmul %{{.*}}, %{{.*}} k 144 : tensor<?x3xi64>, tensor<32x3xi64> -> tensor<?x32xi32>
// FOLDED: arith.cmpi sge
// FOLDED: quantx.pack_signs %{{.*}} : tensor<?x14x14x32xi8> to tensor<?x14x14x1xi64>
// FOLDED: arith.ori
// FOLDED: quantx.binary_matmul %{{.*}}, %{{.*}} k 1568 : tensor<?x25xi64>, tensor<128x25xi64> -> tensor<?x128xi32>
// FOLDED-NOT: !quantx.binary
// FOLDED-NOT: linalg.pooling_nhwc_max
// Without thresholds, and with the signs pooled and gathered as bytes, the
// same bits come out, on random images too.
// RUN: quantx-opt %t.frozen.mlir --quantx-fold-binary=thresholds=false -o %t.floats.mlir
// RUN: quantx-opt %t.frozen.mlir --quantx-fold-binary=pack-pixels=false -o %t.bytes.mlir
// RUN: %torch_python -c "import numpy as n; n.save('%t.x.npy', n.random.default_rng(2).random((300, 784)).astype(n.float32))"
// RUN: quantx-runner run %t.folded.mlir -e forward --input %t.x.npy --output %t.signs.npy > /dev/null
// RUN: quantx-runner run %t.floats.mlir -e forward --input %t.x.npy --output %t.floats.npy > /dev/null
// RUN: quantx-runner run %t.bytes.mlir -e forward --input %t.x.npy --output %t.bytes.npy > /dev/null
// RUN: %torch_python -c "import numpy as n, sys; a, b, c = (n.load('%t.' + s + '.npy') for s in ('signs', 'floats', 'bytes')); sys.exit(0 if n.array_equal(a, b) and n.array_equal(a, c) else 1)"
// RUN: quantx-runner eval %t.trained.mlir --dataset fashion-mnist --predictions %t.qat.npy | FileCheck %s --check-prefix=FLOAT
// FLOAT: model-bytes: 829828
// RUN: quantx-runner eval %t.frozen.mlir --dataset fashion-mnist --predictions %t.frozen.npy > /dev/null
// RUN: quantx-runner eval %t.folded.mlir --dataset fashion-mnist --predictions %t.folded.npy | FileCheck %s --check-prefix=BYTES
// BYTES: model-bytes: {{[1-3][0-9][0-9][0-9][0-9]$}}
// RUN: %torch_python -c "import numpy as n, sys; a, b, c = (n.load('%t.' + s + '.npy') for s in ('qat', 'frozen', 'folded')); print('differences', (a != c).sum(), (b != c).sum()); sys.exit(0 if a.shape == c.shape == (10000,) and (a == c).all() and (b == c).all() else 1)"
// quantx-ptq folds the binary layers and puts the 8-bit ones on integer
// kernels: the whole model from the QAT file, the same predictions.
// RUN: quantx-opt %t.trained.mlir --quantx-ptq -o %t.ptq.mlir
// RUN: FileCheck %s --check-prefix=PTQ < %t.ptq.mlir
// PTQ-DAG: linalg.conv_2d_nhwc_hwcf_q
// PTQ-DAG: quantx.binary_matmul %{{.*}}, %{{.*}} k 144
// PTQ-DAG: quantx.binary_matmul %{{.*}}, %{{.*}} k 1568
// PTQ-DAG: linalg.quantized_matmul
// RUN: quantx-runner eval %t.ptq.mlir --dataset fashion-mnist --predictions %t.ptq.npy > /dev/null
// RUN: %torch_python -c "import numpy as n, sys; a, d = n.load('%t.qat.npy'), n.load('%t.ptq.npy'); print('differences', (a != d).sum()); sys.exit(0 if a.shape == d.shape and (a == d).all() else 1)"
