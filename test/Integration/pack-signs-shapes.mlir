// REQUIRES: torch
// quantx.pack_signs on every shape kind, JIT-run against numpy: two dynamic
// leading dimensions and a partial last word (K = 70), rank 1, an empty
// dimension, f16 and f64 inputs (-0, NaN and infinities included), rows of
// whole words only and of a partial word only, and signed integers of each
// width (0, -1 and the extremes included).
// RUN: %torch_python %S/Inputs/pack_signs_reference.py write %t
// RUN: quantx-runner run %s -e dyn2 --input %t.x3.npy --output %t.dyn2.npy > /dev/null
// RUN: quantx-runner run %s -e rank1 --input %t.x1.npy --output %t.rank1.npy > /dev/null
// RUN: quantx-runner run %s -e empty --input %t.x0.npy --output %t.empty.npy > /dev/null
// RUN: quantx-runner run %s -e half --input %t.h.npy --output %t.half.npy > /dev/null
// RUN: quantx-runner run %s -e double --input %t.d.npy --output %t.double.npy > /dev/null
// RUN: quantx-runner run %s -e i8 --input %t.b.npy --output %t.i8.npy > /dev/null
// RUN: quantx-runner run %s -e i8tail --input %t.b7.npy --output %t.i8tail.npy > /dev/null
// RUN: quantx-runner run %s -e i16 --input %t.s.npy --output %t.i16.npy > /dev/null
// RUN: quantx-runner run %s -e i32 --input %t.i.npy --output %t.i32.npy > /dev/null
// RUN: quantx-runner run %s -e i64 --input %t.l.npy --output %t.i64.npy > /dev/null
// RUN: quantx-runner run %s -e whole --input %t.f128.npy --output %t.whole.npy > /dev/null
// RUN: %torch_python %S/Inputs/pack_signs_reference.py check %t

func.func @dyn2(%x: tensor<?x?x70xf32>) -> tensor<?x?x2xi64> {
  %a = quantx.pack_signs %x : tensor<?x?x70xf32> to tensor<?x?x2xi64>
  return %a : tensor<?x?x2xi64>
}

func.func @rank1(%x: tensor<130xf32>) -> tensor<3xi64> {
  %a = quantx.pack_signs %x : tensor<130xf32> to tensor<3xi64>
  return %a : tensor<3xi64>
}

func.func @empty(%x: tensor<?x0x64xf32>) -> tensor<?x0x1xi64> {
  %a = quantx.pack_signs %x : tensor<?x0x64xf32> to tensor<?x0x1xi64>
  return %a : tensor<?x0x1xi64>
}

func.func @half(%x: tensor<3x100xf16>) -> tensor<3x2xi64> {
  %a = quantx.pack_signs %x : tensor<3x100xf16> to tensor<3x2xi64>
  return %a : tensor<3x2xi64>
}

func.func @double(%x: tensor<2x65xf64>) -> tensor<2x2xi64> {
  %a = quantx.pack_signs %x : tensor<2x65xf64> to tensor<2x2xi64>
  return %a : tensor<2x2xi64>
}

func.func @i8(%x: tensor<?x144xi8>) -> tensor<?x3xi64> {
  %a = quantx.pack_signs %x : tensor<?x144xi8> to tensor<?x3xi64>
  return %a : tensor<?x3xi64>
}

func.func @i8tail(%x: tensor<3x7xi8>) -> tensor<3x1xi64> {
  %a = quantx.pack_signs %x : tensor<3x7xi8> to tensor<3x1xi64>
  return %a : tensor<3x1xi64>
}

func.func @i16(%x: tensor<2x130xi16>) -> tensor<2x3xi64> {
  %a = quantx.pack_signs %x : tensor<2x130xi16> to tensor<2x3xi64>
  return %a : tensor<2x3xi64>
}

func.func @i32(%x: tensor<4x64xi32>) -> tensor<4x1xi64> {
  %a = quantx.pack_signs %x : tensor<4x64xi32> to tensor<4x1xi64>
  return %a : tensor<4x1xi64>
}

func.func @i64(%x: tensor<?x65xi64>) -> tensor<?x2xi64> {
  %a = quantx.pack_signs %x : tensor<?x65xi64> to tensor<?x2xi64>
  return %a : tensor<?x2xi64>
}

func.func @whole(%x: tensor<3x128xf32>) -> tensor<3x2xi64> {
  %a = quantx.pack_signs %x : tensor<3x128xf32> to tensor<3x2xi64>
  return %a : tensor<3x2xi64>
}
