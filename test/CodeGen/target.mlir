// The target comes in through options with a fixed default (256-bit
// vectors), never from the machine the pass runs on.
// RUN: quantx-opt %s --quantx-tile-vectorize-matmul --split-input-file | FileCheck %s --check-prefix=MM256
// RUN: quantx-opt %s --quantx-tile-vectorize-matmul=vector-bits=512 --split-input-file | FileCheck %s --check-prefix=MM512
// RUN: quantx-opt %s --quantx-tile-vectorize-conv --split-input-file | FileCheck %s --check-prefix=CONV256
// RUN: quantx-opt %s --quantx-tile-vectorize-conv=vector-bits=512 --split-input-file | FileCheck %s --check-prefix=CONV512
// RUN: quantx-opt %s --quantx-tile-vectorize-elementwise --split-input-file | FileCheck %s --check-prefix=EW256
// RUN: quantx-opt %s --quantx-tile-vectorize-elementwise=vector-bits=512 --split-input-file | FileCheck %s --check-prefix=EW512
// RUN: not quantx-opt %s --quantx-tile-vectorize-matmul=vector-bits=128 --split-input-file 2>&1 | FileCheck %s --check-prefix=BADMM
// RUN: not quantx-opt %s --quantx-tile-vectorize-conv=vector-bits=0 --split-input-file 2>&1 | FileCheck %s --check-prefix=BADCONV
// RUN: not quantx-opt %s --quantx-tile-vectorize-elementwise=vector-bits=1024 --split-input-file 2>&1 | FileCheck %s --check-prefix=BADEW
// RUN: quantx-opt %s --split-input-file --quantx-to-llvm | FileCheck %s --check-prefix=LLVM256
// RUN: quantx-opt %s --split-input-file --quantx-to-llvm=vector-bits=512 | FileCheck %s --check-prefix=LLVM512
// RUN: not quantx-opt %s --split-input-file --quantx-to-llvm=vector-bits=100 2>&1 | FileCheck %s --check-prefix=BADPIPE

// BADMM: error: quantx-tile-vectorize-matmul: vector-bits must be 256 or 512, not 128
// BADCONV: error: quantx-tile-vectorize-conv: vector-bits must be 256 or 512, not 0
// BADEW: error: quantx-tile-vectorize-elementwise: vector-bits must be 256 or 512, not 1024
// BADPIPE: error: quantx-lower-int8-contractions: vector-bits must be 256 or 512, not 100

// Twelve accumulators: 6x16 with 256-bit vectors, 12x32 with 512-bit ones.
// MM256-LABEL: func.func @matmul
//       MM256:   vector.contract {{.*}} : vector<6x8xf32>, vector<8x16xf32> into vector<6x16xf32>
// MM512-LABEL: func.func @matmul
//       MM512:   vector.contract {{.*}} : vector<12x8xf32>, vector<8x32xf32> into vector<12x32xf32>
// LLVM256-LABEL: llvm.func @matmul
//   LLVM256-NOT:   vector<32xf32>
//       LLVM256:   vector<16xf32>
// LLVM512-LABEL: llvm.func @matmul
//       LLVM512:   vector<32xf32>
func.func @matmul(%a: tensor<48x64xf32>, %b: tensor<64x64xf32>, %c: tensor<48x64xf32>) -> tensor<48x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<48x64xf32>, tensor<64x64xf32>) outs(%c : tensor<48x64xf32>) -> tensor<48x64xf32>
  return %r : tensor<48x64xf32>
}

// -----

// Eight output columns by two vectors of output channels.
// CONV256-LABEL: func.func @conv
//       CONV256:   vector.transfer_write {{.*}} : vector<1x8x16xf32>
// CONV512-LABEL: func.func @conv
//       CONV512:   vector.transfer_write {{.*}} : vector<1x8x32xf32>
func.func @conv(%img: tensor<1x10x10x8xf32>, %flt: tensor<3x3x8x32xf32>, %out: tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%img, %flt : tensor<1x10x10x8xf32>, tensor<3x3x8x32xf32>) outs(%out : tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32>
  return %r : tensor<1x8x8x32xf32>
}

// -----

// One vector of f32 lanes per tile.
// EW256-LABEL: func.func @relu
//       EW256:   arith.maximumf {{.*}} : vector<1x8xf32>
// EW512-LABEL: func.func @relu
//       EW512:   arith.maximumf {{.*}} : vector<1x16xf32>
func.func @relu(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x32xf32>) outs(%e : tensor<4x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x32xf32>
  return %r : tensor<4x32xf32>
}
