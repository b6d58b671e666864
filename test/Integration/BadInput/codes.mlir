// REQUIRES: quantx-jit
// Codes that are not codes of the argument's format are rejected, naming the
// input, the element and the range; they are never truncated.
// RUN: not quantx-runner run %s -e i4 --input %S/../Inputs/codes_i4_bad.npy 2>&1 | FileCheck %s --check-prefix=I4
// I4: quantx-runner: error: input #0 of @i4 (tensor<4x!quantx.fixed<i4:f32, 1.0>>): element 2 is 100, not a code of the format (codes are -8 to 7)
// RUN: not quantx-runner run %s -e ternary --input %S/../Inputs/codes_ternary_bad.npy 2>&1 | FileCheck %s --check-prefix=TERNARY
// TERNARY: quantx-runner: error: input #0 of @ternary ({{.*}}): element 2 is 2, not a code of the format (codes are -1 to 1)
// RUN: not quantx-runner run %s -e narrow --input %S/../Inputs/codes_i64.npy 2>&1 | FileCheck %s --check-prefix=NARROW
// NARROW: quantx-runner: error: input #0 of @narrow ({{.*}}): element 0 is -8, not a code of the format (codes are -7 to 7)
// An unsigned array read as what it holds: 200 is not an i8 code.
// RUN: not quantx-runner run %s -e i8 --input %S/../Inputs/codes_u8_200.npy 2>&1 | FileCheck %s --check-prefix=U8
// U8: quantx-runner: error: input #0 of @i8 ({{.*}}): element 1 is 200, not a code of the format (codes are -128 to 127)
// RUN: not quantx-runner run %s -e i4 --input %S/../Inputs/codes_u64_huge.npy 2>&1 | FileCheck %s --check-prefix=HUGE
// HUGE: quantx-runner: error: input #0 of @i4 ({{.*}}): element 3 is above 2^63, not a code of the format (codes are -8 to 7)
// RUN: not quantx-runner run %s -e i4 --input %S/../Inputs/x_4_f32.npy 2>&1 | FileCheck %s --check-prefix=FLOAT
// FLOAT: quantx-runner: error: input #0 of @i4 must be tensor<4x!quantx.fixed<i4:f32, 1.0>> (integer codes), got a f32 array of shape (4,)
//
// Codes in any integer dtype are accepted when they fit; results come in the
// dtype of the code's in-memory size, unsigned for unsigned formats.
// RUN: quantx-runner run %s -e i4 --input %S/../Inputs/codes_i64.npy --output %t.i4.npy | FileCheck %s --check-prefix=OK
// OK: result #0: tensor<4x!quantx.fixed<i4:f32, 1.0>> = [-8, 7, 0, 3]
// RUN: quantx-runner run %s -e u16 --input %S/../Inputs/x_4_f32.npy --output %t.u16.npy | FileCheck %s --check-prefix=U16
// U16: result #0: tensor<4x!quantx.fixed<u16:f32, 1.0>> = [0, 0, 30000, 65535]
// RUN: quantx-runner run %s -e u32 --input %S/../Inputs/x_4_f32.npy | FileCheck %s --check-prefix=U32
// U32: result #0: tensor<4x!quantx.fixed<u32:f32, 1.0e-05>> = [0, 25000, 3000000000, 4294967295]
// RUN: FileCheck %s --check-prefix=U16-DESCR --input-file %t.u16.npy
// U16-DESCR: {'descr': '<u2', 'fortran_order': False, 'shape': (4,), }

func.func @i4(%q: tensor<4x!quantx.fixed<i4:f32, 1.0>>) -> tensor<4x!quantx.fixed<i4:f32, 1.0>> {
  return %q : tensor<4x!quantx.fixed<i4:f32, 1.0>>
}
func.func @ternary(%q: tensor<4x!quantx.ternary<f32, 0.5>>) -> tensor<4x!quantx.ternary<f32, 0.5>> {
  return %q : tensor<4x!quantx.ternary<f32, 0.5>>
}
func.func @narrow(%q: tensor<4x!quantx.fixed<i4<-7:7>:f32, 1.0>>) -> tensor<4x!quantx.fixed<i4<-7:7>:f32, 1.0>> {
  return %q : tensor<4x!quantx.fixed<i4<-7:7>:f32, 1.0>>
}
func.func @i8(%q: tensor<4x!quantx.fixed<i8:f32, 1.0>>) -> tensor<4x!quantx.fixed<i8:f32, 1.0>> {
  return %q : tensor<4x!quantx.fixed<i8:f32, 1.0>>
}
func.func @u16(%x: tensor<4xf32>) -> tensor<4x!quantx.fixed<u16:f32, 1.0>> {
  %q = quantx.quantize %x : tensor<4xf32> to tensor<4x!quantx.fixed<u16:f32, 1.0>>
  return %q : tensor<4x!quantx.fixed<u16:f32, 1.0>>
}
func.func @u32(%x: tensor<4xf32>) -> tensor<4x!quantx.fixed<u32:f32, 1.0e-05>> {
  %q = quantx.quantize %x : tensor<4xf32> to tensor<4x!quantx.fixed<u32:f32, 1.0e-05>>
  return %q : tensor<4x!quantx.fixed<u32:f32, 1.0e-05>>
}
