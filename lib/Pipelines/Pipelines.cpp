//===- Pipelines.cpp - registered quantx pass pipelines -------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Pipelines/Pipelines.h"

#include "quantx/CodeGen/Passes.h"
#include "quantx/Conversion/Passes.h"
#include "quantx/Dialect/Quantx/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::quantx;

void mlir::quantx::buildQuantxToLLVMPipeline(
    OpPassManager &pm, const QuantxToLLVMPipelineOptions &options) {
  if (options.emitCInterface)
    pm.addPass(createEmitCInterfacePass());
  pm.addPass(createConvertQuantxToArithPass());
  pm.addPass(createFoldEmptyTensorsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  if (options.vectorize) {
    LowerInt8ContractionsPassOptions int8;
    int8.int8Dot = options.int8Dot;
    int8.emulateDot = options.int8EmulateDot;
    int8.vectorBits = options.vectorBits;
    pm.addPass(createLowerInt8ContractionsPass(int8));
    LowerBinaryMatmulsPassOptions binary;
    binary.vectorBits = options.vectorBits;
    binary.vpopcntdq = options.vpopcntdq;
    pm.addPass(createLowerBinaryMatmulsPass(binary));
    pm.addPass(createContractionToMatmulPass());
    TileAndVectorizeMatmulPassOptions matmul;
    matmul.vectorBits = options.vectorBits;
    pm.addPass(createTileAndVectorizeMatmulPass(matmul));
    TileAndVectorizeConvPassOptions conv;
    conv.vectorBits = options.vectorBits;
    pm.addPass(createTileAndVectorizeConvPass(conv));
    TileAndVectorizeElementwisePassOptions elementwise;
    elementwise.vectorBits = options.vectorBits;
    pm.addPass(createTileAndVectorizeElementwisePass(elementwise));
    pm.addPass(createCanonicalizerPass());
  }

  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::buildBufferDeallocationPipeline(pm);
  if (options.vectorize) {
    pm.addPass(createCanonicalizerPass());
    pm.addNestedPass<func::FuncOp>(createHoistVectorTransfersPass());
    pm.addPass(createCanonicalizerPass());
  }

  pm.addNestedPass<func::FuncOp>(createLowerStridedCopiesPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createConvertBufferizationToMemRefPass());
  // Out of memory or a wrapping size: a message and abort, not a crash.
  pm.addPass(createCheckAllocationsPass());
  // Fully unrolled: no stack temporaries inside hot loops.
  pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.vectorContractLowering =
      vector::VectorContractLowering::OuterProduct;
  vectorToLLVM.vectorTransposeLowering =
      vector::VectorTransposeLowering::Shuffle1D;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  // One byte (or two, four, eight) per sub-byte element, in vector code too.
  pm.addPass(createWidenSubByteAccessesPass());
  pm.addPass(createCanonicalizerPass());
}

void mlir::quantx::buildQuantxPtqPipeline(
    OpPassManager &pm, const QuantxPtqPipelineOptions &options) {
  // quantx-fold-binary and quantx-quantize freeze a QAT model's run-time
  // quantizers themselves; binary layers become XNOR-popcount, the others
  // integer layers.
  pm.addPass(createFoldBinaryPass());
  QuantizePassOptions quantize;
  quantize.rescale = options.rescale;
  quantize.packSubByte = options.packSubByte;
  quantize.biasFractionBits = options.biasFractionBits;
  pm.addPass(createQuantizePass(quantize));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::quantx::registerQuantxPipelines() {
  PassPipelineRegistration<QuantxPtqPipelineOptions>(
      "quantx-ptq",
      "A calibrated model (quantx-runner calibrate) or a trained QAT model "
      "into its integer graph: quantx-fold-binary (binary layers to "
      "XNOR-popcount), quantx-quantize (freezing run-time quantizers "
      "first), canonicalization, CSE",
      buildQuantxPtqPipeline);
  PassPipelineRegistration<QuantxToLLVMPipelineOptions>(
      "quantx-to-llvm",
      "Lower func/linalg/tensor/arith/quantx IR (tensors in, tensors out) to "
      "the LLVM dialect, ready for the JIT or mlir-translate",
      buildQuantxToLLVMPipeline);
}
