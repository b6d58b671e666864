// RUN: quantx-opt %s --quantx-lower-int8-contractions=int8-dot=avx512-vnni --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=VNNI
// RUN: quantx-opt %s --quantx-lower-int8-contractions=int8-dot=avx-vnni --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=AVXVNNI
// RUN: quantx-opt %s --quantx-lower-int8-contractions=int8-dot=avx2 --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=AVX2
// RUN: quantx-opt %s --quantx-lower-int8-contractions="int8-dot=generic vector-bits=512" --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=GENERIC
// RUN: quantx-opt %s --quantx-lower-int8-contractions="int8-dot=avx512-vnni emulate-dot=true" --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=EMUL
// RUN: not quantx-opt %s --quantx-lower-int8-contractions=int8-dot=sse4 --split-input-file 2>&1 | FileCheck %s --check-prefix=BADDOT
// RUN: not quantx-opt %s --quantx-lower-int8-contractions=panel-bytes=0 --split-input-file 2>&1 | FileCheck %s --check-prefix=BADPANEL

// BADDOT: error: quantx-lower-int8-contractions: int8-dot must be generic, avx2, avx-vnni or avx512-vnni, not 'sse4'
// BADPANEL: error: quantx-lower-int8-contractions: panel-bytes must be positive, not 0

// The weights [[1, -128], [3, -128]] (K = 2, N = 2) packed for vpdpbusd:
// one panel of 16 columns, one group of 4 K values per column, zero padded:
// column 0 is [1, 3, 0, 0], column 1 [-128, -128, 0, 0]; column sums
// [4, -256].
// The activations are offset by 128 (-128 wrapping: xor 0x80) to unsigned
// when packed.
// VNNI-LABEL: func.func private @llvm.x86.avx512.vpdpbusd.512(vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// VNNI-LABEL: func.func @matmul
//       VNNI:   %[[A:.*]] = bufferization.to_buffer %arg0 read_only
//       VNNI:   %[[OUT:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x2xi32>
//       VNNI:   call @__quantx_int8_kernel_0(%[[A]], %{{.*}}, %{{.*}}, %[[OUT]])
//       VNNI:   bufferization.to_tensor %[[OUT]] restrict writable
//   VNNI-NOT:   linalg.quantized_matmul
//       VNNI: memref.global "private" constant @__quantx_int8_kernel_0_weights : memref<64xi8> = dense<[1, 3, 0, 0, -128, -128, 0, 0, 0, 0,
//       VNNI: memref.global "private" constant @__quantx_int8_kernel_0_column_sums : memref<16xi32> = dense<[4, -256, 0,
//       VNNI: func.func private @__quantx_int8_kernel_0({{.*}}) attributes {target_features = #llvm.target_features<["+avx512f", "+avx512bw", "+avx512vnni"]>}
//       VNNI:   %[[OFFSET:.*]] = arith.constant dense<-128> : vector<2xi8>
//       VNNI:   arith.addi %{{.*}}, %[[OFFSET]] : vector<2xi8>
//       VNNI:   scf.for {{.*}} iter_args
//       VNNI:   vector.load {{.*}} : memref<64xi8>, vector<64xi8>
//       VNNI:   vector.bitcast %{{.*}} : vector<4xi8> to vector<1xi32>
//       VNNI:   call @llvm.x86.avx512.vpdpbusd.512
// With AVX-VNNI, 256-bit vectors: 8 columns per vector.
// AVXVNNI-LABEL: func.func private @llvm.x86.avx512.vpdpbusd.256(vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
//       AVXVNNI: memref.global "private" constant @__quantx_int8_kernel_0_weights : memref<32xi8>
//       AVXVNNI: target_features = #llvm.target_features<["+avx2", "+avxvnni"]>
// With AVX2, 255 * (128 + 128) leaves 16 bits: pairs of K values widened to
// 16 bits for vpmaddwd, no offset.
// AVX2-LABEL: func.func private @llvm.x86.avx2.pmadd.wd(vector<16xi16>, vector<16xi16>) -> vector<8xi32>
//       AVX2: memref.global "private" constant @__quantx_int8_kernel_0_weights : memref<16xi16> = dense<[1, 3, -128, -128, 0,
//       AVX2: target_features = #llvm.target_features<["+avx2"]>
//   AVX2-NOT: dense<-128> : vector
//       AVX2: arith.extsi %{{.*}} : vector<2xi8> to vector<2xi16>
// The generic kernel: one K value per step, i32 products.
// GENERIC-NOT: llvm.x86
//     GENERIC: memref.global "private" constant @__quantx_int8_kernel_0_weights : memref<32xi8> = dense<[1, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, -128, 0,
//     GENERIC: func.func private @__quantx_int8_kernel_0({{[^{]*}}) {
//     GENERIC:   arith.muli %{{.*}}, %{{.*}} : vector<16xi32>
// Emulated: the vpdpbusd layout, its definition in portable arithmetic.
//   EMUL-NOT: llvm.x86
//       EMUL: memref<64xi8> = dense<[1, 3, 0, 0, -128, -128, 0, 0
//       EMUL: arith.extui %{{.*}} : vector<64xi8> to vector<64xi32>
//       EMUL: vector.shuffle
func.func @matmul(%a: tensor<?x2xi8>) -> tensor<?x2xi32> {
  %w = arith.constant dense<[[1, -128], [3, -128]]> : tensor<2x2xi8>
  %za = arith.constant -128 : i32
  %zw = arith.constant 0 : i32
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0 : i32
  %n = tensor.dim %a, %c0 : tensor<?x2xi8>
  %e = tensor.empty(%n) : tensor<?x2xi32>
  %f = linalg.fill ins(%zero : i32) outs(%e : tensor<?x2xi32>) -> tensor<?x2xi32>
  %r = linalg.quantized_matmul ins(%a, %w, %za, %zw : tensor<?x2xi8>, tensor<2x2xi8>, i32, i32) outs(%f : tensor<?x2xi32>) -> tensor<?x2xi32>
  return %r : tensor<?x2xi32>
}

// -----

// Int4 weights two per byte for vpdpbusd, offset by 8 to nibbles: the byte
// of column 0's first K value is 1 + 8 = 9 (its high nibble, the K group
// after, is padding: 0). The weights' global is erased once packed. The
// weight zero point -8 + 8 = 0 needs no row sums.
// VNNI-NOT: @w4_codes
// VNNI-LABEL: func.func @int4
//      VNNI: memref.global "private" constant @__quantx_int8_kernel_0_weights : memref<64xi8> = dense<[9, 11, 0, 0, 6, 12, 0, 0, 0,
//      VNNI: memref.global "private" constant @__quantx_int8_kernel_0_column_sums : memref<16xi32> = dense<[20, 18, 0,
//      VNNI: func.func private @__quantx_int8_kernel_0
//      VNNI:   arith.andi %{{.*}}, %{{.*}} : vector<64xi8>
//      VNNI:   arith.shrui %{{.*}}, %{{.*}} : vector<64xi8>
//  VNNI-NOT:   memref<{{[0-9]+}}xi32>{{$}}
// With AVX2, int4 weights (offset to [0, 15]) with 8-bit activations keep
// every pair of byte products below 255 * 30 < 2^15: vpmaddubsw, four
// groups summed in 16 bits (32767 / (255 * 20) = 6, at most 4), the same
// nibbles, K padded to four groups.
// AVX2-LABEL: func.func private @llvm.x86.avx2.pmadd.ub.sw(vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// AVX2-LABEL: func.func @int4
//      AVX2: memref<64xi8> = dense<[9, 11, 0, 0, 6, 12, 0, 0, 0,
//      AVX2: func.func private @__quantx_int8_kernel_0
//      AVX2:   call @llvm.x86.avx2.pmadd.ub.sw
//      AVX2:   arith.addi %{{.*}}, %{{.*}} : vector<16xi16>
//      AVX2:   call @llvm.x86.avx2.pmadd.ub.sw
//      AVX2:   call @llvm.x86.avx2.pmadd.wd
ml_program.global private @w4_codes(dense<[[1, -2], [3, 4]]> : tensor<2x2xi4>) : tensor<2x2xi4>
func.func @int4(%a: tensor<3x2xi8>) -> tensor<3x2xi32> {
  %w = ml_program.global_load @w4_codes : tensor<2x2xi4>
  %za = arith.constant 3 : i32
  %zw = arith.constant -8 : i32
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<3x2xi32>
  %f = linalg.fill ins(%zero : i32) outs(%e : tensor<3x2xi32>) -> tensor<3x2xi32>
  %r = linalg.quantized_matmul ins(%a, %w, %za, %zw : tensor<3x2xi8>, tensor<2x2xi4>, i32, i32) outs(%f : tensor<3x2xi32>) -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}

// -----

// The bias add and the requantization after the accumulator are fused into
// the kernel's store: the per-channel constants become arguments, the
// kernel writes i8, the generics are gone.
// VNNI-LABEL: func.func @conv_epilogue
//   VNNI-NOT:   linalg.generic
//       VNNI:   %[[OUT:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x4x4x16xi8>
//       VNNI:   call @__quantx_int8_kernel_0(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[OUT]]) : (memref<?x6x6x3xi8>, i32, i32, memref<16xi32>, memref<16xi64>, memref<?x4x4x16xi8>) -> ()
//       VNNI: func.func private @__quantx_int8_kernel_0
//       VNNI:   memref.collapse_shape %{{.*}} {{\[\[}}0, 1, 2], [3]] : memref<?x4x4x16xi8> into memref<?x16xi8>
//       VNNI:   call @llvm.x86.avx512.vpdpbusd.512
//       VNNI:   arith.muli %{{.*}}, %{{.*}} : vector<16xi64>
//       VNNI:   arith.trunci %{{.*}} : vector<16xi64> to vector<16xi8>
//       VNNI:   vector.transfer_write %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] {in_bounds = [true]} : vector<16xi8>, memref<?x16xi8>
func.func @conv_epilogue(%x: tensor<?x6x6x3xi8>) -> tensor<?x4x4x16xi8> {
  %k = arith.constant dense<1> : tensor<3x3x3x16xi8>
  %bias = arith.constant dense<7> : tensor<16xi32>
  %mult = arith.constant dense<3> : tensor<16xi64>
  %za = arith.constant 5 : i32
  %zw = arith.constant 0 : i32
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0 : i32
  %n = tensor.dim %x, %c0 : tensor<?x6x6x3xi8>
  %e = tensor.empty(%n) : tensor<?x4x4x16xi32>
  %f = linalg.fill ins(%zero : i32) outs(%e : tensor<?x4x4x16xi32>) -> tensor<?x4x4x16xi32>
  %acc = linalg.conv_2d_nhwc_hwcf_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %k, %za, %zw : tensor<?x6x6x3xi8>, tensor<3x3x3x16xi8>, i32, i32) outs(%f : tensor<?x4x4x16xi32>) -> tensor<?x4x4x16xi32>
  %sum = linalg.generic {indexing_maps = [affine_map<(n, h, w, c) -> (n, h, w, c)>, affine_map<(n, h, w, c) -> (c)>, affine_map<(n, h, w, c) -> (n, h, w, c)>],
                         iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%acc, %bias : tensor<?x4x4x16xi32>, tensor<16xi32>) outs(%e : tensor<?x4x4x16xi32>) {
  ^bb0(%v: i32, %b: i32, %o: i32):
    %s = arith.addi %v, %b : i32
    linalg.yield %s : i32
  } -> tensor<?x4x4x16xi32>
  %e8 = tensor.empty(%n) : tensor<?x4x4x16xi8>
  %q = linalg.generic {indexing_maps = [affine_map<(n, h, w, c) -> (n, h, w, c)>, affine_map<(n, h, w, c) -> (c)>, affine_map<(n, h, w, c) -> (n, h, w, c)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%sum, %mult : tensor<?x4x4x16xi32>, tensor<16xi64>) outs(%e8 : tensor<?x4x4x16xi8>) {
  ^bb0(%v: i32, %m: i64, %o: i8):
    %w = arith.extsi %v : i32 to i64
    %p = arith.muli %w, %m : i64
    %t = arith.trunci %p : i64 to i8
    linalg.yield %t : i8
  } -> tensor<?x4x4x16xi8>
  return %q : tensor<?x4x4x16xi8>
}

// -----

// Stages that write in place (their init is the previous result, which
// their body does not read) fuse too: a bias add and a clamp after a
// dequantization. One that reads its init (an accumulation into it) ends
// the chain.
// VNNI-LABEL: func.func @in_place
//   VNNI-NOT:   linalg.generic
//       VNNI:   call @__quantx_int8_kernel_0(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (memref<?x4xi8>, i32, i32, memref<16xf32>, memref<16xf32>, memref<?x16xf32>) -> ()
//       VNNI:   return
// VNNI-LABEL: func.func @reads_init
//       VNNI:   call @__quantx_int8_kernel_1(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (memref<?x4xi8>, i32, i32, memref<16xf32>, memref<?x16xf32>) -> ()
//       VNNI:   linalg.generic
//       VNNI:   return
func.func @in_place(%a: tensor<?x4xi8>) -> tensor<?x16xf32> {
  %w = arith.constant dense<3> : tensor<4x16xi8>
  %scale = arith.constant dense<0.5> : tensor<16xf32>
  %bias = arith.constant dense<0.25> : tensor<16xf32>
  %za = arith.constant 0 : i32
  %zero = arith.constant 0 : i32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %a, %c0 : tensor<?x4xi8>
  %e = tensor.empty(%n) : tensor<?x16xi32>
  %f = linalg.fill ins(%zero : i32) outs(%e : tensor<?x16xi32>) -> tensor<?x16xi32>
  %acc = linalg.quantized_matmul ins(%a, %w, %za, %za : tensor<?x4xi8>, tensor<4x16xi8>, i32, i32) outs(%f : tensor<?x16xi32>) -> tensor<?x16xi32>
  %ef = tensor.empty(%n) : tensor<?x16xf32>
  %d = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%acc, %scale : tensor<?x16xi32>, tensor<16xf32>) outs(%ef : tensor<?x16xf32>) {
  ^bb0(%v: i32, %s: f32, %o: f32):
    %x = arith.sitofp %v : i32 to f32
    %y = arith.mulf %x, %s : f32
    linalg.yield %y : f32
  } -> tensor<?x16xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%d, %bias : tensor<?x16xf32>, tensor<16xf32>) outs(%d : tensor<?x16xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %y = arith.addf %v, %c : f32
    linalg.yield %y : f32
  } -> tensor<?x16xf32>
  %one = arith.constant 1.0 : f32
  %c = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<?x16xf32>) outs(%b : tensor<?x16xf32>) {
  ^bb0(%v: f32, %o: f32):
    %y = arith.minimumf %v, %one : f32
    linalg.yield %y : f32
  } -> tensor<?x16xf32>
  return %c : tensor<?x16xf32>
}

func.func @reads_init(%a: tensor<?x4xi8>) -> tensor<?x16xf32> {
  %w = arith.constant dense<3> : tensor<4x16xi8>
  %scale = arith.constant dense<0.5> : tensor<16xf32>
  %za = arith.constant 0 : i32
  %zero = arith.constant 0 : i32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %a, %c0 : tensor<?x4xi8>
  %e = tensor.empty(%n) : tensor<?x16xi32>
  %f = linalg.fill ins(%zero : i32) outs(%e : tensor<?x16xi32>) -> tensor<?x16xi32>
  %acc = linalg.quantized_matmul ins(%a, %w, %za, %za : tensor<?x4xi8>, tensor<4x16xi8>, i32, i32) outs(%f : tensor<?x16xi32>) -> tensor<?x16xi32>
  %ef = tensor.empty(%n) : tensor<?x16xf32>
  %d = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%acc, %scale : tensor<?x16xi32>, tensor<16xf32>) outs(%ef : tensor<?x16xf32>) {
  ^bb0(%v: i32, %s: f32, %o: f32):
    %x = arith.sitofp %v : i32 to f32
    %y = arith.mulf %x, %s : f32
    linalg.yield %y : f32
  } -> tensor<?x16xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%d : tensor<?x16xf32>) outs(%d : tensor<?x16xf32>) {
  ^bb0(%v: f32, %o: f32):
    %y = arith.addf %v, %o : f32
    linalg.yield %y : f32
  } -> tensor<?x16xf32>
  return %t : tensor<?x16xf32>
}
// -----

// What the kernels do not cover stays with the generic lowering, with a
// remark saying why.
func.func @fallbacks(%a: tensor<4x8xi8>, %w: tensor<8x4xi8>, %a16: tensor<4x8xi16>, %init: tensor<4x4xi32>) -> (tensor<4x4xi32>, tensor<4x4xi64>, tensor<4x4xi32>, tensor<4x4xi32>) {
  %za = arith.constant 0 : i32
  %zero = arith.constant 0 : i32
  %zero64 = arith.constant 0 : i64
  %cw = arith.constant dense<1> : tensor<8x4xi8>
  %e = tensor.empty() : tensor<4x4xi32>
  %f = linalg.fill ins(%zero : i32) outs(%e : tensor<4x4xi32>) -> tensor<4x4xi32>
  // expected-remark @below {{int8 kernel not used: its weights are not known at compile time}}
  %r0 = linalg.quantized_matmul ins(%a, %w, %za, %za : tensor<4x8xi8>, tensor<8x4xi8>, i32, i32) outs(%f : tensor<4x4xi32>) -> tensor<4x4xi32>
  %e64 = tensor.empty() : tensor<4x4xi64>
  %f64 = linalg.fill ins(%zero64 : i64) outs(%e64 : tensor<4x4xi64>) -> tensor<4x4xi64>
  // expected-remark @below {{int8 kernel not used: its accumulator is not i32}}
  %r1 = linalg.quantized_matmul ins(%a, %cw, %za, %za : tensor<4x8xi8>, tensor<8x4xi8>, i32, i32) outs(%f64 : tensor<4x4xi64>) -> tensor<4x4xi64>
  // expected-remark @below {{int8 kernel not used: its operands are wider than 8 bits}}
  %r2 = linalg.quantized_matmul ins(%a16, %cw, %za, %za : tensor<4x8xi16>, tensor<8x4xi8>, i32, i32) outs(%f : tensor<4x4xi32>) -> tensor<4x4xi32>
  // expected-remark @below {{int8 kernel not used: its accumulator does not start from zero}}
  %r3 = linalg.quantized_matmul ins(%a, %cw, %za, %za : tensor<4x8xi8>, tensor<8x4xi8>, i32, i32) outs(%init : tensor<4x4xi32>) -> tensor<4x4xi32>
  return %r0, %r1, %r2, %r3 : tensor<4x4xi32>, tensor<4x4xi64>, tensor<4x4xi32>, tensor<4x4xi32>
}

// -----

// Operands that are not integers, and a convolution with no output pixel.
func.func @not_integers(%a: tensor<4x2xindex>, %f8: tensor<4x2xf8E4M3FN>, %x: tensor<?x6x6x3xi8>) -> (tensor<4x2xi32>, tensor<4x2xi32>, tensor<?x4x0x16xi32>) {
  %w = arith.constant dense<[[1, -128], [3, -128]]> : tensor<2x2xi8>
  %z = arith.constant 0 : i32
  %c0 = arith.constant 0 : index
  %e = tensor.empty() : tensor<4x2xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<4x2xi32>) -> tensor<4x2xi32>
  // expected-remark @below {{int8 kernel not used: its operands are not signless integers}}
  %r0 = linalg.quantized_matmul ins(%a, %w, %z, %z : tensor<4x2xindex>, tensor<2x2xi8>, i32, i32) outs(%f : tensor<4x2xi32>) -> tensor<4x2xi32>
  // expected-remark @below {{int8 kernel not used: its operands are not signless integers}}
  %r1 = linalg.quantized_matmul ins(%f8, %w, %z, %z : tensor<4x2xf8E4M3FN>, tensor<2x2xi8>, i32, i32) outs(%f : tensor<4x2xi32>) -> tensor<4x2xi32>
  %k = arith.constant dense<1> : tensor<3x3x3x16xi8>
  %n = tensor.dim %x, %c0 : tensor<?x6x6x3xi8>
  %ec = tensor.empty(%n) : tensor<?x4x0x16xi32>
  %fc = linalg.fill ins(%z : i32) outs(%ec : tensor<?x4x0x16xi32>) -> tensor<?x4x0x16xi32>
  // expected-remark @below {{int8 kernel not used: it is empty}}
  %r2 = linalg.conv_2d_nhwc_hwcf_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %k, %z, %z : tensor<?x6x6x3xi8>, tensor<3x3x3x16xi8>, i32, i32) outs(%fc : tensor<?x4x0x16xi32>) -> tensor<?x4x0x16xi32>
  return %r0, %r1, %r2 : tensor<4x2xi32>, tensor<4x2xi32>, tensor<?x4x0x16xi32>
}

// -----

// Kernel arguments have the identity layout: a strided slice of the
// activations is copied by bufferization, not cast. A contraction in a
// nested module is that module's (a symbol table of its own).
// VNNI-LABEL: func.func @slice
//       VNNI:   %[[S:.*]] = tensor.extract_slice
//       VNNI:   bufferization.to_buffer %[[S]] read_only : tensor<4x2xi8> to memref<4x2xi8>
//       VNNI:   module @inner
//       VNNI:     linalg.quantized_matmul
func.func @slice(%a0: tensor<4x5xi8>) -> tensor<4x2xi32> {
  %w = arith.constant dense<[[1, -128], [3, -128]]> : tensor<2x2xi8>
  %z = arith.constant 0 : i32
  %a = tensor.extract_slice %a0[0, 1] [4, 2] [1, 2] : tensor<4x5xi8> to tensor<4x2xi8>
  %e = tensor.empty() : tensor<4x2xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<4x2xi32>) -> tensor<4x2xi32>
  %r = linalg.quantized_matmul ins(%a, %w, %z, %z : tensor<4x2xi8>, tensor<2x2xi8>, i32, i32) outs(%f : tensor<4x2xi32>) -> tensor<4x2xi32>
  return %r : tensor<4x2xi32>
}
module @inner {
  func.func @nested(%a: tensor<4x2xi8>) -> tensor<4x2xi32> {
    %w = arith.constant dense<[[1, -128], [3, -128]]> : tensor<2x2xi8>
    %z = arith.constant 0 : i32
    %e = tensor.empty() : tensor<4x2xi32>
    %f = linalg.fill ins(%z : i32) outs(%e : tensor<4x2xi32>) -> tensor<4x2xi32>
    %r = linalg.quantized_matmul ins(%a, %w, %z, %z : tensor<4x2xi8>, tensor<2x2xi8>, i32, i32) outs(%f : tensor<4x2xi32>) -> tensor<4x2xi32>
    return %r : tensor<4x2xi32>
  }
}

// -----

// The kernels' names skip symbols the module already has; a symbol named
// like an intrinsic the kernels call, of another type, is an error.
// VNNI-LABEL: memref.global "private" constant @__quantx_int8_kernel_0_weights : memref<2xi8> = dense<7>
//       VNNI: call @__quantx_int8_kernel_1(
memref.global "private" constant @__quantx_int8_kernel_0_weights : memref<2xi8> = dense<7>
func.func @names(%a: tensor<4x2xi8>) -> tensor<4x2xi32> {
  %w = arith.constant dense<[[1, -128], [3, -128]]> : tensor<2x2xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x2xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<4x2xi32>) -> tensor<4x2xi32>
  %r = linalg.quantized_matmul ins(%a, %w, %z, %z : tensor<4x2xi8>, tensor<2x2xi8>, i32, i32) outs(%f : tensor<4x2xi32>) -> tensor<4x2xi32>
  return %r : tensor<4x2xi32>
}

// -----

// expected-error @below {{quantx-lower-int8-contractions: the symbol @llvm.x86.avx2.pmadd.wd is reserved for the LLVM intrinsic of type '(vector<16xi16>, vector<16xi16>) -> vector<8xi32>'}}
func.func private @llvm.x86.avx2.pmadd.wd(vector<8xi32>) -> vector<8xi32>
