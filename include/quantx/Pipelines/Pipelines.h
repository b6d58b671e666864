//===- Pipelines.h - registered quantx pass pipelines -----------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Named pipelines, usable from quantx-opt (`--quantx-to-llvm`) and from C++.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_PIPELINES_PIPELINES_H
#define QUANTX_PIPELINES_PIPELINES_H

#include "quantx/CodeGen/Target.h"

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;

namespace quantx {

struct QuantxToLLVMPipelineOptions
    : public PassPipelineOptions<QuantxToLLVMPipelineOptions> {
  PassOptions::Option<bool> emitCInterface{
      *this, "emit-c-interface",
      llvm::cl::desc("Give every public function a C-callable wrapper "
                     "(_mlir_ciface_NAME) taking memref descriptors"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> vectorize{
      *this, "vectorize",
      llvm::cl::desc("Tile and vectorize statically shaped matmuls and "
                     "NHWC convolutions and elementwise generics "
                     "(quantx-tile-vectorize-matmul, -conv, -elementwise)"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> vectorBits{
      *this, "vector-bits",
      llvm::cl::desc("Vector register width of the target in bits (256: "
                     "AVX2, 512: AVX-512); the tile sizes follow from it"),
      llvm::cl::init(CpuTarget::kDefaultVectorBits)};
  PassOptions::Option<std::string> int8Dot{
      *this, "int8-dot",
      llvm::cl::desc("Dot product of the int8 kernels of quantized matmuls "
                     "and convolutions (quantx-lower-int8-contractions): "
                     "generic, avx2, avx-vnni, avx512-vnni"),
      llvm::cl::init(stringifyInt8Dot(CpuTarget::kDefaultInt8Dot).str())};
  PassOptions::Option<bool> vpopcntdq{
      *this, "vpopcntdq",
      llvm::cl::desc("Popcounts of the binary kernels with AVX-512 "
                     "VPOPCNTDQ's vpopcntq (quantx-lower-binary-matmuls; "
                     "needs vector-bits=512)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> int8EmulateDot{
      *this, "int8-emulate-dot",
      llvm::cl::desc("Compute the int8 dot product's definition with "
                     "portable vector arithmetic in the chosen instruction's "
                     "data layout (tests on hosts without it)"),
      llvm::cl::init(false)};
};

/// Lowers func/linalg/tensor/arith/math/quantx IR (tensors in, tensors out)
/// to the LLVM dialect: quantx to arith, register-blocked vectorization of
/// matmuls, one-shot bufferization across function boundaries (identity
/// layouts), buffer deallocation, linalg to loops, and the upstream
/// conversions to LLVM (contractions as outer products: FMAs).
void buildQuantxToLLVMPipeline(OpPassManager &pm,
                               const QuantxToLLVMPipelineOptions &options);

struct QuantxPtqPipelineOptions
    : public PassPipelineOptions<QuantxPtqPipelineOptions> {
  PassOptions::Option<std::string> rescale{
      *this, "rescale",
      llvm::cl::desc("Requantization convention of quantx-quantize: "
                     "single_round, double_round, gemmlowp, float"),
      llvm::cl::init("single_round")};
  PassOptions::Option<int64_t> biasFractionBits{
      *this, "bias-fraction-bits",
      llvm::cl::desc("Most fraction bits a bias gets below its "
                     "accumulator's grid (0: TFLite's and ONNX's int32 bias)"),
      llvm::cl::init(16)};
  PassOptions::Option<bool> packSubByte{
      *this, "pack-sub-byte",
      llvm::cl::desc("Store codes of 1 to 7 bits packed into bytes"),
      llvm::cl::init(true)};
};

/// `quantx-ptq`: a model with calibrated formats (quantx.fake_quant to
/// static formats) or a trained QAT model into its integer graph:
/// quantx-freeze-quantization (QAT models), quantx-quantize, then
/// canonicalization and CSE. On a module.
void buildQuantxPtqPipeline(OpPassManager &pm,
                            const QuantxPtqPipelineOptions &options);

/// Registers `quantx-to-llvm`.
void registerQuantxPipelines();

} // namespace quantx
} // namespace mlir

#endif // QUANTX_PIPELINES_PIPELINES_H
