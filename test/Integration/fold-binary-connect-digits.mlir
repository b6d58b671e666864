// REQUIRES: dataset-digits, torch
// BinaryConnect end to end: the digits perceptron (examples/mlp-digits.mlir)
// trained with binary weights and float activations on every layer, frozen,
// and folded: each layer becomes quantx.sign_matmul (additions and
// subtractions of the activations by the packed weight bits, no multiply)
// scaled once per output channel. The folded model predicts exactly what
// the QAT model and the frozen model predict on every test sample (0.9666
// measured), in 1480 bytes (frozen: 5328, float: 19244). Its outputs on
// random inputs differ from the frozen model's only by the order of the
// f32 additions: two orders of K = 64 terms differ by at most
// 2 * 64 * 2^-24 of the sum of |x w| per layer; the check allows 1e-5 of
// the largest output (3.3e-7 measured).
// RUN: quantx-opt %examples/mlp-digits.mlir --quantx-insert-fake-quant="weights=binary activations=none first-last-bits=0" -o %t.qat.mlir 2> /dev/null
// RUN: quantx-runner train %t.qat.mlir --dataset digits --epochs 30 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 -o %t.trained.mlir | FileCheck %s --check-prefix=QAT
// QAT: test-accuracy: 0.9{{[4-9][0-9]*}}
// RUN: quantx-opt %t.trained.mlir --quantx-freeze-quantization -o %t.frozen.mlir
// RUN: quantx-opt %t.frozen.mlir --quantx-fold-binary -o %t.folded.mlir
// RUN: FileCheck %s --check-prefix=FOLDED < %t.folded.mlir
// FOLDED: quantx.sign_matmul %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<64x1xi64> -> tensor<?x64xf32>
// FOLDED: quantx.sign_matmul %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<10x1xi64> -> tensor<?x10xf32>
// FOLDED-NOT: linalg.matmul
// FOLDED-NOT: !quantx.binary
// RUN: quantx-runner eval %t.trained.mlir --dataset digits --predictions %t.qat.npy > /dev/null
// RUN: quantx-runner eval %t.frozen.mlir --dataset digits --predictions %t.frozen.npy > /dev/null
// RUN: quantx-runner eval %t.folded.mlir --dataset digits --predictions %t.folded.npy | FileCheck %s --check-prefix=BYTES
// BYTES: model-bytes: {{1[0-9][0-9][0-9]$}}
// RUN: %torch_python -c "import numpy as n, sys; a, b, c = (n.load('%t.' + s + '.npy') for s in ('qat', 'frozen', 'folded')); print('differences', (a != c).sum(), (b != c).sum()); sys.exit(0 if a.shape == c.shape == (359,) and (a == c).all() and (b == c).all() else 1)"
// RUN: %torch_python -c "import numpy as n; r = n.random.default_rng(5); n.save('%t.x.npy', (r.random((256, 64)) * 16).astype(n.float32))"
// RUN: quantx-runner run %t.frozen.mlir -e forward --input %t.x.npy --output %t.y-frozen.npy > /dev/null
// RUN: quantx-runner run %t.folded.mlir -e forward --input %t.x.npy --output %t.y-folded.npy > /dev/null
// RUN: quantx-runner run %t.folded.mlir -e forward --input %t.x.npy --output %t.y-scalar.npy --vectorize=false > /dev/null
// RUN: %torch_python -c "import numpy as n, sys; a, b, c = (n.load('%t.y-' + s + '.npy') for s in ('frozen', 'folded', 'scalar')); d = abs(a - b).max() / abs(a).max(); print('relative difference', d); sys.exit(0 if a.shape == b.shape == (256, 10) and d <= 1e-5 and n.array_equal(b, c) else 1)"
