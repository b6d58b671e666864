// REQUIRES: torch
// quantx.pack_ternary and quantx.ternary_matmul JIT-run against numpy: the
// two planes of a row of K = 130 (a partial last word), products of ternary
// by ternary, binary by ternary and ternary by binary rows (dynamic row
// counts), codes outside {-1, 0, 1} read by their sign, every integer
// width, and K = 1.
// RUN: %torch_python %S/Inputs/ternary_reference.py write %t
// RUN: quantx-runner run %s -e planes --input %t.t.npy --output %t.planes.npy > /dev/null
// RUN: quantx-runner run %s -e tt --input %t.t.npy --input %t.w.npy --output %t.tt.npy > /dev/null
// RUN: quantx-runner run %s -e bt --input %t.s.npy --input %t.w.npy --output %t.bt.npy > /dev/null
// RUN: quantx-runner run %s -e tb --input %t.t.npy --input %t.v.npy --output %t.tb.npy > /dev/null
// RUN: quantx-runner run %s -e wide --input %t.t7.npy --input %t.w7.npy --output %t.wide.npy > /dev/null
// RUN: quantx-runner run %s -e one --input %t.t1.npy --input %t.w1.npy --output %t.one.npy > /dev/null
// RUN: %torch_python %S/Inputs/ternary_reference.py check %t

func.func @planes(%x: tensor<?x130xi8>) -> tensor<?x2x3xi64> {
  %p = quantx.pack_ternary %x : tensor<?x130xi8> to tensor<?x2x3xi64>
  return %p : tensor<?x2x3xi64>
}

func.func @tt(%x: tensor<?x130xi8>, %w: tensor<7x130xi8>) -> tensor<?x7xi32> {
  %a = quantx.pack_ternary %x : tensor<?x130xi8> to tensor<?x2x3xi64>
  %b = quantx.pack_ternary %w : tensor<7x130xi8> to tensor<7x2x3xi64>
  %d = quantx.ternary_matmul %a, %b k 130 : tensor<?x2x3xi64>, tensor<7x2x3xi64> -> tensor<?x7xi32>
  return %d : tensor<?x7xi32>
}

func.func @bt(%x: tensor<?x130xf32>, %w: tensor<7x130xi8>) -> tensor<?x7xi32> {
  %a = quantx.pack_signs %x : tensor<?x130xf32> to tensor<?x3xi64>
  %b = quantx.pack_ternary %w : tensor<7x130xi8> to tensor<7x2x3xi64>
  %d = quantx.ternary_matmul %a, %b k 130 : tensor<?x3xi64>, tensor<7x2x3xi64> -> tensor<?x7xi32>
  return %d : tensor<?x7xi32>
}

func.func @tb(%x: tensor<?x130xi8>, %w: tensor<7x130xf32>) -> tensor<?x7xi32> {
  %a = quantx.pack_ternary %x : tensor<?x130xi8> to tensor<?x2x3xi64>
  %b = quantx.pack_signs %w : tensor<7x130xf32> to tensor<7x3xi64>
  %d = quantx.ternary_matmul %a, %b k 130 : tensor<?x2x3xi64>, tensor<7x3xi64> -> tensor<?x7xi32>
  return %d : tensor<?x7xi32>
}

func.func @wide(%x: tensor<3x64xi8>, %w: tensor<4x64xi32>) -> tensor<3x4xi32> {
  %a = quantx.pack_ternary %x : tensor<3x64xi8> to tensor<3x2x1xi64>
  %b = quantx.pack_ternary %w : tensor<4x64xi32> to tensor<4x2x1xi64>
  %d = quantx.ternary_matmul %a, %b k 64 : tensor<3x2x1xi64>, tensor<4x2x1xi64> -> tensor<3x4xi32>
  return %d : tensor<3x4xi32>
}

func.func @one(%x: tensor<?x1xi16>, %w: tensor<2x1xi64>) -> tensor<?x2xi32> {
  %a = quantx.pack_ternary %x : tensor<?x1xi16> to tensor<?x2x1xi64>
  %b = quantx.pack_ternary %w : tensor<2x1xi64> to tensor<2x2x1xi64>
  %d = quantx.ternary_matmul %a, %b k 1 : tensor<?x2x1xi64>, tensor<2x2x1xi64> -> tensor<?x2xi32>
  return %d : tensor<?x2xi32>
}
