//===- LowerInt8Contractions.cpp - packed int8 GEMM micro-kernels ---------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Quantized matmuls and convolutions with compile-time weights become calls
// of a generated kernel function: weights packed now, activations packed per
// block of rows at run time, a register-blocked micro-kernel on the target's
// exact int8 dot product, zero points applied after the sum, and the
// elementwise epilogue (bias, requantization) fused into the store.
//
// Upstream has no int8 GEMM code generation for x86 beyond what LLVM
// recognizes in vectorized loops (it does not form `vpdpbusd` from
// `vector.contract`), and the x86vector dialect has no u8 x s8 dot product
// (only AVX-VNNI-INT8's s8 x s8 `vpdpbssd`), so the micro-kernel calls the
// LLVM intrinsics itself.
//
//===----------------------------------------------------------------------===//

#include "KernelEpilogue.h"

#include "quantx/CodeGen/Passes.h"
#include "quantx/Utils/Constants.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMAttrs.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/MathExtras.h"

#include <cstdlib>
#include <cstring>
#include <optional>

namespace mlir::quantx {
#define GEN_PASS_DEF_LOWERINT8CONTRACTIONSPASS
#include "quantx/CodeGen/Passes.h.inc"

namespace {
struct LowerInt8ContractionsPass
    : impl::LowerInt8ContractionsPassBase<LowerInt8ContractionsPass> {
  using Base::Base;
  void runOnOperation() override;
};
} // namespace
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

namespace {

/// The shape of the micro-kernel for one dot product and one contraction.
struct KernelConfig {
  Int8Dot dot = Int8Dot::Generic;
  /// i32 accumulator lanes per vector register.
  int64_t lanes = 8;
  /// Consecutive K values one dot-product lane sums (4 for vpdpbusd, 2 for
  /// vpmaddwd, 1 for the generic kernel).
  int64_t kGroup = 1;
  /// Rows and vectors of columns of the register tile.
  int64_t mr = 1, nv = 1;
  /// Int4 weights two per byte (the dot products on bytes only).
  bool nibbles = false;
  /// Added to each activation (to make it unsigned for vpdpbusd) and to each
  /// weight (to make an int4 weight a non-negative nibble) when packing.
  int64_t activationOffset = 0, weightOffset = 0;
  /// Computes the dot product's definition with portable vector arithmetic
  /// instead of its instruction (tests of the layout on any host).
  bool emulate = false;
  /// AVX2 only: when the weights (known now) and the activations' width
  /// prove that no pair of byte products leaves 16 bits, the groups of 4
  /// K values are multiplied by vpmaddubsw (32 products per instruction),
  /// this many groups are summed in 16 bits, and vpmaddwd by ones widens
  /// the sum. 0: vpmaddwd on 16-bit operands.
  int64_t byteSteps = 0;

  int64_t nr() const { return nv * lanes; }
  /// The element width of the packed operands: 16 bits for vpmaddwd.
  unsigned packedBits() const {
    return dot == Int8Dot::Avx2 && byteSteps == 0 ? 16 : 8;
  }
  /// Groups of K each iteration of the kernel's loop consumes.
  int64_t stepGroups() const { return byteSteps ? byteSteps : nibbles ? 2 : 1; }
};

/// A quantized contraction this pass lowers, with everything read off it.
struct Contraction {
  mutable linalg::LinalgOp op;
  Value input, inputZeroPoint, weightZeroPoint;
  /// Weights as a K x N matrix, row-major (a convolution's filter HWCF with
  /// its first three dimensions flattened).
  SmallVector<int64_t> weights;
  unsigned weightBits = 8, inputBits = 8;
  int64_t k = 0, n = 0;
  Operation *weightSource = nullptr;
  // Convolutions: the input's H, W, C, the filter's KH, KW, the output's
  // OH, OW, strides and dilations.
  bool isConv = false;
  int64_t h = 0, w = 0, c = 0, kh = 0, kw = 0, oh = 0, ow = 0;
  int64_t strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
};

} // namespace

//===----------------------------------------------------------------------===//
// Matching
//===----------------------------------------------------------------------===//

/// The weights' values when they are known at compile time (a constant, an
/// immutable global's value), and the op they come from.
static DenseIntElementsAttr getConstantInts(Value value, Operation **source) {
  *source = value.getDefiningOp();
  return dyn_cast_or_null<DenseIntElementsAttr>(getCompileTimeElements(value));
}

static bool isZeroFill(Value init) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  if (!fill)
    return false;
  APInt value;
  return matchPattern(fill.getInputs()[0], m_ConstantInt(&value)) &&
         value.isZero();
}

/// Reads the contraction off a quantized matmul or convolution, or says why
/// it stays with the generic lowering.
static FailureOr<Contraction> matchContraction(linalg::LinalgOp op,
                                               std::string &why) {
  Contraction c;
  c.op = op;
  auto fail = [&](const Twine &reason) -> FailureOr<Contraction> {
    why = reason.str();
    return failure();
  };
  if (!op.hasPureTensorSemantics())
    return fail("it is not on tensors");
  Value input = op.getDpsInputs()[0], weights = op.getDpsInputs()[1];
  c.input = input;
  c.inputZeroPoint = op.getDpsInputs()[2];
  c.weightZeroPoint = op.getDpsInputs()[3];
  auto inputType = cast<RankedTensorType>(input.getType());
  auto weightType = cast<RankedTensorType>(weights.getType());
  auto outType = cast<RankedTensorType>(op->getResult(0).getType());
  if (!outType.getElementType().isInteger(32))
    return fail("its accumulator is not i32");
  auto isSignlessInteger = [](Type type) {
    auto integer = dyn_cast<IntegerType>(type);
    return integer && integer.isSignless();
  };
  if (!isSignlessInteger(inputType.getElementType()) ||
      !isSignlessInteger(weightType.getElementType()))
    return fail("its operands are not signless integers");
  c.inputBits = inputType.getElementTypeBitWidth();
  c.weightBits = weightType.getElementTypeBitWidth();
  if (c.inputBits > 8 || c.weightBits > 8)
    return fail("its operands are wider than 8 bits");
  if (!c.inputZeroPoint.getType().isInteger(32) ||
      !c.weightZeroPoint.getType().isInteger(32))
    return fail("its zero points are not i32");
  if (!isZeroFill(op.getDpsInits()[0]))
    return fail("its accumulator does not start from zero");
  DenseIntElementsAttr values = getConstantInts(weights, &c.weightSource);
  if (!values)
    return fail("its weights are not known at compile time");
  if (!weightType.hasStaticShape())
    return fail("its weights have a dynamic shape");

  if (isa<linalg::QuantizedMatmulOp>(op)) {
    if (inputType.getRank() != 2 || inputType.isDynamicDim(1) ||
        outType.isDynamicDim(1))
      return fail("its K or N is dynamic");
    c.k = weightType.getDimSize(0);
    c.n = weightType.getDimSize(1);
  } else {
    auto conv = cast<linalg::Conv2DNhwcHwcfQOp>(*op);
    if (llvm::any_of(inputType.getShape().drop_front(),
                     ShapedType::isDynamic) ||
        llvm::any_of(outType.getShape().drop_front(), ShapedType::isDynamic))
      return fail("its spatial or channel dimensions are dynamic");
    c.isConv = true;
    c.h = inputType.getDimSize(1);
    c.w = inputType.getDimSize(2);
    c.c = inputType.getDimSize(3);
    c.kh = weightType.getDimSize(0);
    c.kw = weightType.getDimSize(1);
    c.oh = outType.getDimSize(1);
    c.ow = outType.getDimSize(2);
    auto strides = llvm::to_vector(conv.getStrides().getValues<int64_t>());
    auto dilations = llvm::to_vector(conv.getDilations().getValues<int64_t>());
    c.strideH = strides[0];
    c.strideW = strides[1];
    c.dilationH = dilations[0];
    c.dilationW = dilations[1];
    c.k = c.kh * c.kw * c.c;
    c.n = weightType.getDimSize(3);
  }
  if (c.k == 0 || c.n == 0 || (c.isConv && c.oh * c.ow == 0))
    return fail("it is empty");
  c.weights.reserve(c.k * c.n);
  for (const APInt &v : values.getValues<APInt>())
    c.weights.push_back(v.getSExtValue());
  return c;
}

//===----------------------------------------------------------------------===//
// Weight packing
//===----------------------------------------------------------------------===//

static KernelConfig chooseConfig(Int8Dot dot, int64_t vectorBits,
                                 const Contraction &c) {
  KernelConfig config;
  config.dot = dot;
  int64_t registers = 16;
  switch (dot) {
  case Int8Dot::Avx512Vnni:
    config.lanes = 16;
    config.kGroup = 4;
    registers = 32;
    break;
  case Int8Dot::AvxVnni:
    config.lanes = 8;
    config.kGroup = 4;
    break;
  case Int8Dot::Avx2:
    config.lanes = 8;
    config.kGroup = 2;
    break;
  case Int8Dot::Generic:
    config.lanes = vectorBits / 32;
    config.kGroup = 1;
    registers = vectorBits >= 512 ? 32 : 16;
    break;
  }
  bool vnni = dot == Int8Dot::Avx512Vnni || dot == Int8Dot::AvxVnni;
  // Activations of b bits offset by 2^(b-1) are unsigned: [0, 2^b - 1].
  int64_t activationOffset = int64_t(1) << (c.inputBits - 1);
  config.activationOffset = vnni ? activationOffset : 0;
  config.nibbles = vnni && c.weightBits <= 4;
  config.weightOffset = config.nibbles ? 8 : 0;
  if (dot == Int8Dot::Avx2) {
    // vpmaddubsw adds two products of an unsigned and a signed byte with
    // 16-bit saturation: exact when every pair of weights (w0, w1) of a
    // column, with activations up to A, stays inside 16 bits; and R such
    // sums added in 16 bits stay exact when R times the bound does.
    bool nibbles = c.weightBits <= 4;
    int64_t weightOffset = nibbles ? 8 : 0;
    int64_t maxActivation = (int64_t(1) << c.inputBits) - 1;
    int64_t high = 0, low = 0;
    for (int64_t k = 0; k < c.k; k += 2)
      for (int64_t n = 0; n < c.n; ++n) {
        int64_t w0 = c.weights[k * c.n + n] + weightOffset;
        int64_t w1 =
            k + 1 < c.k ? c.weights[(k + 1) * c.n + n] + weightOffset : 0;
        high =
            std::max(high, std::max<int64_t>(w0, 0) + std::max<int64_t>(w1, 0));
        low =
            std::min(low, std::min<int64_t>(w0, 0) + std::min<int64_t>(w1, 0));
      }
    int64_t bound = maxActivation * std::max(high, -low);
    if (bound <= 32767) {
      config.kGroup = 4;
      config.byteSteps =
          std::min<int64_t>(4, 32767 / std::max<int64_t>(bound, 1));
      config.nibbles = nibbles;
      config.weightOffset = weightOffset;
      config.activationOffset = activationOffset;
      // Nibbles come in pairs of groups.
      if (nibbles && config.byteSteps % 2)
        config.byteSteps = config.byteSteps == 1 ? 0 : config.byteSteps - 1;
      if (config.byteSteps == 0) {
        config.kGroup = 2;
        config.nibbles = false;
        config.weightOffset = 0;
        config.activationOffset = 0;
      }
    }
  }
  // Three quarters of the registers hold accumulators; the rest the weight
  // vectors and the broadcast activations.
  int64_t accumulators = registers * 3 / 4;
  int64_t maxVectors = registers >= 32 ? 4 : 2;
  config.nv =
      std::min<int64_t>(maxVectors, llvm::divideCeil(c.n, config.lanes));
  config.mr = std::min<int64_t>(12, accumulators / config.nv);
  return config;
}

/// Groups of K, padded to whole steps of the kernel's loop (pairs with
/// nibbles: low and high).
static int64_t getKGroups(const KernelConfig &config, int64_t k) {
  int64_t groups = llvm::divideCeil(k, config.kGroup);
  return llvm::alignTo(groups, config.stepGroups());
}

/// The packed weights: panel p of nr columns, then group g of kGroup K
/// values, then column, then the group's values; zero padded. With nibbles,
/// the byte of group 2h holds group 2h+1 in its high nibble.
static SmallVector<int64_t> packWeights(const KernelConfig &config,
                                        const Contraction &c) {
  int64_t nr = config.nr(), kg = config.kGroup;
  int64_t panels = llvm::divideCeil(c.n, nr);
  int64_t groups = getKGroups(config, c.k);
  SmallVector<int64_t> packed(panels * groups * nr * kg, 0);
  auto at = [&](int64_t k, int64_t n) -> int64_t {
    if (k >= c.k || n >= c.n)
      return 0;
    return c.weights[k * c.n + n] + config.weightOffset;
  };
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t col = 0; col < nr; ++col)
        for (int64_t e = 0; e < kg; ++e)
          packed[((p * groups + g) * nr + col) * kg + e] =
              at(g * kg + e, p * nr + col);
  if (!config.nibbles)
    return packed;
  SmallVector<int64_t> bytes(packed.size() / 2);
  int64_t groupSize = nr * kg;
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t g = 0; g < groups; g += 2)
      for (int64_t i = 0; i < groupSize; ++i) {
        int64_t low = packed[(p * groups + g) * groupSize + i];
        int64_t high = packed[(p * groups + g + 1) * groupSize + i];
        uint8_t byte = static_cast<uint8_t>(low | (high << 4));
        bytes[(p * groups + g) / 2 * groupSize + i] = static_cast<int8_t>(byte);
      }
  return bytes;
}

//===----------------------------------------------------------------------===//
// Kernel generation
//===----------------------------------------------------------------------===//

namespace {
class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, Location loc, const KernelConfig &config,
                const Contraction &c, ArrayRef<EpilogueStage> stages,
                int64_t panelBytes)
      : b(b), loc(loc), config(config), c(c), stages(stages),
        panelBytes(panelBytes) {}

  /// Builds the kernel function `name` with its packed globals.
  func::FuncOp build(ModuleOp module, StringRef name, ArrayRef<Type> argTypes);

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value i32(int64_t v) {
    return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
  }
  VectorType accType() {
    return VectorType::get({config.lanes}, b.getI32Type());
  }
  Value splat(Type vectorType, Attribute value) {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(cast<ShapedType>(vectorType), value));
  }
  Value broadcast(Value scalar, int64_t lanes) {
    return vector::BroadcastOp::create(
        b, loc, VectorType::get({lanes}, scalar.getType()), scalar);
  }

  void packRows(Value m0, Value rows, Value rowsPadded);
  void packRow(Value r, Value m, ValueRange pixel);
  Value callIntrinsic(StringRef name, Type result, ValueRange args);
  Value addAdjacentPairs(Value x, int64_t count);
  Value multiplyAddPairs(Value x, Value y);
  Value multiplyAddBytes(Value a, Value w);
  Value dot(Value acc, Value a, Value w);
  SmallVector<Value> microKernel(Value panelRow0, Value panel);
  void epilogue(ArrayRef<Value> accs, Value r0, Value m0, Value p);

  OpBuilder &b;
  Location loc;
  const KernelConfig &config;
  const Contraction &c;
  ArrayRef<EpilogueStage> stages;
  int64_t panelBytes;

  // Set while building.
  ModuleOp module;
  int64_t kPadded = 0, groups = 0, mc = 0;
  Type panelElement;
  Value input, out, packedWeights, columnSums, panelBuffer, rowSums;
  /// A convolution's input with each image row's pixels and channels
  /// flattened (one contiguous run per window row when dilationW is 1).
  Value inputRuns;
  Value inputZp, weightZp, numRows;
  SmallVector<Value> epilogueArgs;
  bool needRowSums = true;
};
} // namespace

/// Copies one row of activations into the panel (offset, widened, zero
/// padded to kPadded) and stores its sum.
void KernelBuilder::packRow(Value r, Value m, ValueRange pixel) {
  Type inputElement = cast<MemRefType>(input.getType()).getElementType();
  Type i32Type = b.getI32Type();
  Value rowBase = arith::MulIOp::create(b, loc, r, index(kPadded));
  Value sum = i32(0);
  // Copies `length` values starting at `src` indices to panel offset `dst`.
  auto copy = [&](Value from, ValueRange srcIndices, Value dst, int64_t length,
                  Value sumIn) -> Value {
    auto readType = VectorType::get({length}, inputElement);
    Value v = vector::TransferReadOp::create(b, loc, readType, from, srcIndices,
                                             /*padding=*/std::nullopt,
                                             ArrayRef<bool>{true});
    auto byteType = VectorType::get({length}, b.getI8Type());
    if (inputElement != b.getI8Type())
      v = arith::ExtSIOp::create(b, loc, byteType, v);
    if (config.activationOffset)
      v = arith::AddIOp::create(
          b, loc, v,
          splat(byteType, b.getI8IntegerAttr(
                              static_cast<int8_t>(config.activationOffset))));
    Value bytes = v;
    if (panelElement != b.getI8Type())
      v = arith::ExtSIOp::create(b, loc,
                                 VectorType::get({length}, panelElement), v);
    vector::StoreOp::create(
        b, loc, v, panelBuffer,
        ValueRange{arith::AddIOp::create(b, loc, rowBase, dst)});
    if (!needRowSums)
      return sumIn;
    // Offset activations are unsigned.
    auto wideType = VectorType::get({length}, i32Type);
    Value wide =
        config.activationOffset
            ? arith::ExtUIOp::create(b, loc, wideType, bytes).getResult()
            : arith::ExtSIOp::create(b, loc, wideType, bytes).getResult();
    Value partial =
        vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, wide);
    return arith::AddIOp::create(b, loc, sumIn, partial);
  };
  // Copies a contiguous run of `count` values in chunks of at most 64.
  auto copyRun = [&](Value from, function_ref<SmallVector<Value>(Value)> srcAt,
                     Value dstBase, int64_t count, Value sumIn) -> Value {
    constexpr int64_t kChunk = 64;
    int64_t full = count / kChunk;
    Value s = sumIn;
    if (full > 0) {
      auto loop = scf::ForOp::create(b, loc, index(0), index(full * kChunk),
                                     index(kChunk), ValueRange{s});
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value offset = loop.getInductionVar();
      Value next = copy(from, srcAt(offset),
                        arith::AddIOp::create(b, loc, dstBase, offset), kChunk,
                        loop.getRegionIterArgs()[0]);
      scf::YieldOp::create(b, loc, next);
      s = loop.getResult(0);
    }
    if (int64_t tail = count % kChunk) {
      Value offset = index(full * kChunk);
      s = copy(from, srcAt(offset),
               arith::AddIOp::create(b, loc, dstBase, offset), tail, s);
    }
    return s;
  };
  if (!c.isConv) {
    sum = copyRun(
        input, [&](Value k) { return SmallVector<Value>{m, k}; }, index(0), c.k,
        sum);
  } else {
    // Row m is the output pixel (n, oh, ow) (`pixel`, counted by
    // packRows); its values are the window input[n, oh*s + kh*d,
    // ow*s + kw*d, :] for each (kh, kw): with dilationW 1, one contiguous
    // run of KW*C values per kh.
    Value batch = pixel[0];
    Value ih0 = arith::MulIOp::create(b, loc, pixel[1], index(c.strideH));
    Value iw0 = arith::MulIOp::create(b, loc, pixel[2], index(c.strideW));
    bool runs = c.dilationW == 1;
    auto rowsLoop = scf::ForOp::create(b, loc, index(0), index(c.kh), index(1),
                                       ValueRange{sum});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(rowsLoop.getBody());
      Value kh = rowsLoop.getInductionVar();
      Value ih = arith::AddIOp::create(
          b, loc, ih0, arith::MulIOp::create(b, loc, kh, index(c.dilationH)));
      if (runs) {
        Value start = arith::MulIOp::create(b, loc, iw0, index(c.c));
        Value dst = arith::MulIOp::create(b, loc, kh, index(c.kw * c.c));
        Value s = copyRun(
            inputRuns,
            [&](Value at) {
              return SmallVector<Value>{
                  batch, ih, arith::AddIOp::create(b, loc, start, at)};
            },
            dst, c.kw * c.c, rowsLoop.getRegionIterArgs()[0]);
        scf::YieldOp::create(b, loc, s);
      } else {
        auto colsLoop =
            scf::ForOp::create(b, loc, index(0), index(c.kw), index(1),
                               ValueRange{rowsLoop.getRegionIterArgs()[0]});
        {
          OpBuilder::InsertionGuard guard2(b);
          b.setInsertionPointToStart(colsLoop.getBody());
          Value kw = colsLoop.getInductionVar();
          Value iw = arith::AddIOp::create(
              b, loc, iw0,
              arith::MulIOp::create(b, loc, kw, index(c.dilationW)));
          Value tap = arith::AddIOp::create(
              b, loc, arith::MulIOp::create(b, loc, kh, index(c.kw)), kw);
          Value dst = arith::MulIOp::create(b, loc, tap, index(c.c));
          Value s = copyRun(
              input,
              [&](Value ch) { return SmallVector<Value>{batch, ih, iw, ch}; },
              dst, c.c, colsLoop.getRegionIterArgs()[0]);
          scf::YieldOp::create(b, loc, s);
        }
        scf::YieldOp::create(b, loc, colsLoop.getResult(0));
      }
    }
    sum = rowsLoop.getResult(0);
  }
  // Zeros after K, up to the padded K.
  if (int64_t pad = kPadded - c.k) {
    auto padType = VectorType::get({pad}, panelElement);
    vector::StoreOp::create(
        b, loc, splat(padType, b.getIntegerAttr(panelElement, 0)), panelBuffer,
        ValueRange{arith::AddIOp::create(b, loc, rowBase, index(c.k))});
  }
  if (needRowSums)
    memref::StoreOp::create(b, loc, sum, rowSums, ValueRange{r});
}

/// Packs rows [m0, m0 + rows) into the panel and zero-fills the rows up to
/// rowsPadded (a multiple of mr), whose results are never stored.
void KernelBuilder::packRows(Value m0, Value rows, Value rowsPadded) {
  // A convolution's rows are output pixels (n, oh, ow): the first one's
  // found by division, the next ones counted (no division per row).
  SmallVector<Value> pixel;
  if (c.isConv) {
    Value pixels = index(c.oh * c.ow);
    Value rem = arith::RemUIOp::create(b, loc, m0, pixels);
    pixel = {arith::DivUIOp::create(b, loc, m0, pixels),
             arith::DivUIOp::create(b, loc, rem, index(c.ow)),
             arith::RemUIOp::create(b, loc, rem, index(c.ow))};
  }
  auto loop = scf::ForOp::create(b, loc, index(0), rowsPadded, index(1), pixel);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value r = loop.getInductionVar();
  ValueRange current = loop.getRegionIterArgs();
  Value inside =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, r, rows);
  auto ifOp = scf::IfOp::create(b, loc, inside, /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard branch(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    packRow(r, arith::AddIOp::create(b, loc, m0, r), current);
    b.setInsertionPointToStart(&ifOp.getElseRegion().front());
    Value rowBase = arith::MulIOp::create(b, loc, r, index(kPadded));
    constexpr int64_t kChunk = 64;
    for (int64_t off = 0; off < kPadded; off += kChunk) {
      int64_t length = std::min(kChunk, kPadded - off);
      auto type = VectorType::get({length}, panelElement);
      vector::StoreOp::create(
          b, loc, splat(type, b.getIntegerAttr(panelElement, 0)), panelBuffer,
          ValueRange{arith::AddIOp::create(b, loc, rowBase, index(off))});
    }
    if (needRowSums)
      memref::StoreOp::create(b, loc, i32(0), rowSums, ValueRange{r});
  }
  if (!c.isConv)
    return;
  // The next pixel: ow + 1, carried into oh and n.
  auto step = [&](Value v, Value carry, int64_t size) {
    Value next = arith::SelectOp::create(
        b, loc, carry, arith::AddIOp::create(b, loc, v, index(1)), v);
    Value wraps = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, next,
                                        index(size));
    return std::pair{
        arith::SelectOp::create(b, loc, wraps, index(0), next).getResult(),
        arith::AndIOp::create(b, loc, carry, wraps).getResult()};
  };
  Value always = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
  auto [ow, carryW] = step(current[2], always, c.ow);
  auto [oh, carryH] = step(current[1], carryW, c.oh);
  Value n = arith::SelectOp::create(
      b, loc, carryH, arith::AddIOp::create(b, loc, current[0], index(1)),
      current[0]);
  scf::YieldOp::create(b, loc, ValueRange{n, oh, ow});
}

/// A call of the LLVM intrinsic `name`. The intrinsic is declared as a
/// private function of that name, which becomes the intrinsic itself in
/// LLVM IR: unlike `llvm.call_intrinsic`, a call has the known effects that
/// buffer deallocation requires of every op in the kernel function.
Value KernelBuilder::callIntrinsic(StringRef name, Type result,
                                   ValueRange args) {
  auto function = module.lookupSymbol<func::FuncOp>(name);
  if (!function) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    function = func::FuncOp::create(b, loc, name,
                                    b.getFunctionType(args.getTypes(), result));
    function.setPrivate();
  }
  return func::CallOp::create(b, loc, function, args).getResult(0);
}

/// Sums of adjacent pairs of `x`: `count` lanes, each x[2i] + x[2i+1].
Value KernelBuilder::addAdjacentPairs(Value x, int64_t count) {
  SmallVector<int64_t> even, odd;
  for (int64_t i = 0; i < count; ++i) {
    even.push_back(2 * i);
    odd.push_back(2 * i + 1);
  }
  return arith::AddIOp::create(b, loc,
                               vector::ShuffleOp::create(b, loc, x, x, even),
                               vector::ShuffleOp::create(b, loc, x, x, odd));
}

/// vpmaddwd: products of 16-bit lanes, adjacent pairs added in 32 bits
/// (exact for every input but two pairs of -32768).
Value KernelBuilder::multiplyAddPairs(Value x, Value y) {
  if (!config.emulate)
    return callIntrinsic("llvm.x86.avx2.pmadd.wd", accType(), {x, y});
  auto wide = VectorType::get({2 * config.lanes}, b.getI32Type());
  Value products =
      arith::MulIOp::create(b, loc, arith::ExtSIOp::create(b, loc, wide, x),
                            arith::ExtSIOp::create(b, loc, wide, y));
  return addAdjacentPairs(products, config.lanes);
}

/// vpmaddubsw: products of unsigned bytes `a` and signed bytes `w`,
/// adjacent pairs added with 16-bit saturation (which the kernel's proof of
/// ranges makes unreachable).
Value KernelBuilder::multiplyAddBytes(Value a, Value w) {
  auto pairType = VectorType::get({2 * config.lanes}, b.getI16Type());
  if (!config.emulate)
    return callIntrinsic("llvm.x86.avx2.pmadd.ub.sw", pairType, {a, w});
  auto wide = VectorType::get({4 * config.lanes}, b.getI32Type());
  Value products =
      arith::MulIOp::create(b, loc, arith::ExtUIOp::create(b, loc, wide, a),
                            arith::ExtSIOp::create(b, loc, wide, w));
  Value sums = addAdjacentPairs(products, 2 * config.lanes);
  auto sumType = VectorType::get({2 * config.lanes}, b.getI32Type());
  Value clamped = arith::MinSIOp::create(
      b, loc,
      arith::MaxSIOp::create(b, loc, sums,
                             splat(sumType, b.getI32IntegerAttr(-32768))),
      splat(sumType, b.getI32IntegerAttr(32767)));
  return arith::TruncIOp::create(b, loc, pairType, clamped);
}

/// acc + the dot products of one broadcast group of activations `a` with a
/// vector of packed weights `w`.
Value KernelBuilder::dot(Value acc, Value a, Value w) {
  if (config.emulate && config.dot != Int8Dot::Generic &&
      config.dot != Int8Dot::Avx2) {
    // The instruction's definition: each lane sums kGroup products of
    // unsigned (vpdpbusd) or signed (vpmaddwd) activations and signed
    // weights, exactly, and adds the sum to the accumulator (wrapping).
    int64_t lanes = config.lanes, kg = config.kGroup;
    auto wide = VectorType::get({lanes * kg}, b.getI32Type());
    Value aw = config.dot == Int8Dot::Avx2
                   ? arith::ExtSIOp::create(b, loc, wide, a).getResult()
                   : arith::ExtUIOp::create(b, loc, wide, a).getResult();
    Value ww = arith::ExtSIOp::create(b, loc, wide, w);
    Value products = arith::MulIOp::create(b, loc, aw, ww);
    Value sums = acc;
    for (int64_t e = 0; e < kg; ++e) {
      SmallVector<int64_t> mask;
      for (int64_t lane = 0; lane < lanes; ++lane)
        mask.push_back(lane * kg + e);
      sums = arith::AddIOp::create(
          b, loc, sums,
          vector::ShuffleOp::create(b, loc, products, products, mask));
    }
    return sums;
  }
  switch (config.dot) {
  case Int8Dot::Avx512Vnni:
    return callIntrinsic("llvm.x86.avx512.vpdpbusd.512", accType(),
                         {acc, a, w});
  case Int8Dot::AvxVnni:
    return callIntrinsic("llvm.x86.avx512.vpdpbusd.256", accType(),
                         {acc, a, w});
  case Int8Dot::Avx2:
    return arith::AddIOp::create(b, loc, acc, multiplyAddPairs(a, w));
  case Int8Dot::Generic: {
    Value wide = arith::ExtSIOp::create(b, loc, accType(), w);
    return arith::AddIOp::create(b, loc, acc,
                                 arith::MulIOp::create(b, loc, a, wide));
  }
  }
  llvm_unreachable("unknown Int8Dot");
}

/// The register tile of rows [r0, r0 + mr) of the panel against weight
/// panel `p`: mr x nv accumulators over all of K.
SmallVector<Value> KernelBuilder::microKernel(Value r0, Value p) {
  int64_t mr = config.mr, nv = config.nv, lanes = config.lanes;
  int64_t kg = config.kGroup, nr = config.nr();
  int64_t step = config.stepGroups();
  int64_t perVector = config.nibbles ? 2 : 1;
  Value zero = splat(accType(), b.getI32IntegerAttr(0));
  SmallVector<Value> inits(mr * nv, zero);
  // Bytes (or 16-bit values) of one group of one weight vector.
  int64_t groupValues = nr * kg;
  int64_t panelValues = groups * groupValues / perVector;
  Value panelBase = arith::MulIOp::create(b, loc, p, index(panelValues));
  Value rowBase = arith::MulIOp::create(b, loc, r0, index(kPadded));
  auto loop =
      scf::ForOp::create(b, loc, index(0), index(groups), index(step), inits);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value g = loop.getInductionVar();
  SmallVector<Value> accs(loop.getRegionIterArgs());
  Type packedElement = b.getIntegerType(config.packedBits());
  auto weightType = VectorType::get({lanes * kg}, packedElement);
  // The weight vectors of the step's groups: weights[s][j].
  SmallVector<SmallVector<Value>> weights(step);
  Value firstVector =
      perVector == 1 ? g : arith::DivUIOp::create(b, loc, g, index(2));
  for (int64_t s = 0; s < step; s += perVector) {
    Value base = arith::AddIOp::create(
        b, loc, panelBase,
        arith::MulIOp::create(
            b, loc,
            arith::AddIOp::create(b, loc, firstVector, index(s / perVector)),
            index(groupValues)));
    for (int64_t j = 0; j < nv; ++j) {
      Value v =
          vector::LoadOp::create(b, loc, weightType, packedWeights,
                                 ValueRange{arith::AddIOp::create(
                                     b, loc, base, index(j * lanes * kg))});
      if (!config.nibbles) {
        weights[s].push_back(v);
        continue;
      }
      Value mask = splat(weightType, b.getI8IntegerAttr(0x0F));
      weights[s].push_back(arith::AndIOp::create(b, loc, v, mask));
      Value shifted = arith::ShRUIOp::create(
          b, loc, v, splat(weightType, b.getI8IntegerAttr(4)));
      weights[s + 1].push_back(arith::AndIOp::create(b, loc, shifted, mask));
    }
  }
  // The activations of row r, group s: activations[r][s], broadcast.
  auto groupType = VectorType::get({kg}, panelElement);
  auto activation = [&](int64_t r, int64_t s) -> Value {
    Value k = arith::MulIOp::create(
        b, loc, arith::AddIOp::create(b, loc, g, index(s)), index(kg));
    Value at = arith::AddIOp::create(
        b, loc, arith::AddIOp::create(b, loc, rowBase, index(r * kPadded)), k);
    if (config.dot == Int8Dot::Generic) {
      Value scalar = memref::LoadOp::create(b, loc, panelBuffer, at);
      return broadcast(arith::ExtSIOp::create(b, loc, b.getI32Type(), scalar),
                       lanes);
    }
    // The group's bytes (or 16-bit values) as one i32, in every lane.
    Value group =
        vector::LoadOp::create(b, loc, groupType, panelBuffer, ValueRange{at});
    Value word = vector::BitCastOp::create(
        b, loc, VectorType::get({1}, b.getI32Type()), group);
    return vector::BitCastOp::create(
        b, loc, weightType,
        vector::BroadcastOp::create(b, loc, accType(), word));
  };
  if (config.byteSteps) {
    auto pairType = VectorType::get({2 * lanes}, b.getI16Type());
    Value ones = splat(pairType, b.getI16IntegerAttr(1));
    for (int64_t r = 0; r < mr; ++r) {
      SmallVector<Value> rowActivations;
      for (int64_t s = 0; s < step; ++s)
        rowActivations.push_back(activation(r, s));
      for (int64_t j = 0; j < nv; ++j) {
        Value sum;
        for (int64_t s = 0; s < step; ++s) {
          Value pairs = multiplyAddBytes(rowActivations[s], weights[s][j]);
          sum = sum ? arith::AddIOp::create(b, loc, sum, pairs).getResult()
                    : pairs;
        }
        accs[r * nv + j] = arith::AddIOp::create(b, loc, accs[r * nv + j],
                                                 multiplyAddPairs(sum, ones));
      }
    }
  } else {
    for (int64_t s = 0; s < step; ++s)
      for (int64_t r = 0; r < mr; ++r) {
        Value a = activation(r, s);
        for (int64_t j = 0; j < nv; ++j)
          accs[r * nv + j] = dot(accs[r * nv + j], a, weights[s][j]);
      }
  }
  scf::YieldOp::create(b, loc, accs);
  return SmallVector<Value>(loop.getResults());
}

/// Applies the zero points and the fused stages to the register tile of
/// rows [r0, r0 + mr) (panel rows) and stores the rows that exist.
void KernelBuilder::epilogue(ArrayRef<Value> accs, Value r0, Value m0,
                             Value p) {
  int64_t mr = config.mr, nv = config.nv, lanes = config.lanes;
  // sum (a - za)(w - zw) = sum a'w' - zw' sum a' - za' sum w' + K za' zw'
  Value zaPrime =
      arith::AddIOp::create(b, loc, inputZp, i32(config.activationOffset));
  Value zwPrime =
      arith::AddIOp::create(b, loc, weightZp, i32(config.weightOffset));
  Value constantTerm = arith::MulIOp::create(
      b, loc, arith::MulIOp::create(b, loc, zaPrime, zwPrime), i32(c.k));
  Value zaVector = broadcast(zaPrime, lanes);
  SmallVector<Value> columnTerms;
  Value panelColumn = arith::MulIOp::create(b, loc, p, index(config.nr()));
  for (int64_t j = 0; j < nv; ++j) {
    Value n = arith::AddIOp::create(b, loc, panelColumn, index(j * lanes));
    Value sums =
        vector::LoadOp::create(b, loc, accType(), columnSums, ValueRange{n});
    columnTerms.push_back(
        arith::SubIOp::create(b, loc, broadcast(constantTerm, lanes),
                              arith::MulIOp::create(b, loc, zaVector, sums)));
  }
  bool inBounds = c.n % config.nr() == 0;
  for (int64_t r = 0; r < mr; ++r) {
    Value row = arith::AddIOp::create(b, loc, r0, index(r));
    Value m = arith::AddIOp::create(b, loc, m0, row);
    Value exists =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, m, numRows);
    auto ifOp = scf::IfOp::create(b, loc, exists, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    Value rowTerm;
    if (needRowSums) {
      Value sum = memref::LoadOp::create(b, loc, rowSums, ValueRange{row});
      rowTerm = broadcast(arith::MulIOp::create(b, loc, zwPrime, sum), lanes);
    }
    for (int64_t j = 0; j < nv; ++j) {
      Value v = arith::AddIOp::create(b, loc, accs[r * nv + j], columnTerms[j]);
      if (rowTerm)
        v = arith::SubIOp::create(b, loc, v, rowTerm);
      Value n = arith::AddIOp::create(b, loc, panelColumn, index(j * lanes));
      v = applyEpilogue(b, loc, stages, epilogueArgs, v, m, n,
                        c.n % config.nr() == 0);
      vector::TransferWriteOp::create(b, loc, v, out, ValueRange{m, n},
                                      ArrayRef<bool>{inBounds});
    }
  }
}

func::FuncOp KernelBuilder::build(ModuleOp module, StringRef name,
                                  ArrayRef<Type> argTypes) {
  this->module = module;
  int64_t nr = config.nr();
  groups = getKGroups(config, c.k);
  kPadded = groups * config.kGroup;
  panelElement = b.getIntegerType(config.packedBits());
  int64_t rowBytes = kPadded * config.packedBits() / 8;
  mc = std::max<int64_t>(1, panelBytes / std::max<int64_t>(1, rowBytes));
  mc = std::max(config.mr, mc / config.mr * config.mr);
  mc = std::min<int64_t>(mc, 512 / config.mr * config.mr);
  APInt zwConstant;
  needRowSums = !(matchPattern(c.weightZeroPoint, m_ConstantInt(&zwConstant)) &&
                  zwConstant.getSExtValue() + config.weightOffset == 0);

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  // The packed weights and their column sums, as constant globals.
  SmallVector<int64_t> packed = packWeights(config, c);
  Type packedElement = b.getIntegerType(config.packedBits());
  auto packedType = RankedTensorType::get({static_cast<int64_t>(packed.size())},
                                          packedElement);
  SmallVector<APInt> packedValues;
  for (int64_t v : packed)
    packedValues.push_back(APInt(config.packedBits(), v, /*isSigned=*/true));
  auto packedGlobal = memref::GlobalOp::create(
      b, loc, (name + "_weights").str(), b.getStringAttr("private"),
      MemRefType::get(packedType.getShape(), packedElement),
      DenseElementsAttr::get(packedType, packedValues), /*constant=*/true,
      b.getI64IntegerAttr(64));
  int64_t paddedColumns = llvm::divideCeil(c.n, nr) * nr;
  SmallVector<int32_t> sums(paddedColumns, 0);
  for (int64_t k = 0; k < c.k; ++k)
    for (int64_t n = 0; n < c.n; ++n)
      sums[n] +=
          static_cast<int32_t>(c.weights[k * c.n + n] + config.weightOffset);
  auto sumsType = RankedTensorType::get({paddedColumns}, b.getI32Type());
  auto sumsGlobal = memref::GlobalOp::create(
      b, loc, (name + "_column_sums").str(), b.getStringAttr("private"),
      MemRefType::get(sumsType.getShape(), b.getI32Type()),
      DenseElementsAttr::get(sumsType, ArrayRef(sums)), /*constant=*/true,
      b.getI64IntegerAttr(64));

  auto func = func::FuncOp::create(b, loc, name,
                                   b.getFunctionType(argTypes, TypeRange{}));
  func.setPrivate();
  // The instruction set follows the option, not the compiling host.
  if (!config.emulate)
    setKernelTargetFeatures(func, getInt8DotFeatures(config.dot));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  input = entry->getArgument(0);
  if (c.isConv)
    inputRuns = memref::CollapseShapeOp::create(
        b, loc, input, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  inputZp = entry->getArgument(1);
  weightZp = entry->getArgument(2);
  for (unsigned i = 3; i + 1 < entry->getNumArguments(); ++i)
    epilogueArgs.push_back(entry->getArgument(i));
  out = entry->getArguments().back();
  if (c.isConv) {
    // The output as a matrix of pixels by channels.
    out = memref::CollapseShapeOp::create(
        b, loc, out, SmallVector<ReassociationIndices>{{0, 1, 2}, {3}});
  }
  numRows = memref::DimOp::create(b, loc, out, 0);
  packedWeights = memref::GetGlobalOp::create(b, loc, packedGlobal.getType(),
                                              packedGlobal.getSymName());
  columnSums = memref::GetGlobalOp::create(b, loc, sumsGlobal.getType(),
                                           sumsGlobal.getSymName());
  // The panel, with room for the widest group read past the last row.
  panelBuffer = memref::AllocOp::create(
      b, loc, MemRefType::get({mc * kPadded}, panelElement),
      b.getI64IntegerAttr(64));
  if (needRowSums)
    rowSums =
        memref::AllocOp::create(b, loc, MemRefType::get({mc}, b.getI32Type()));

  auto blocks = scf::ForOp::create(b, loc, index(0), numRows, index(mc));
  {
    OpBuilder::InsertionGuard g1(b);
    b.setInsertionPointToStart(blocks.getBody());
    Value m0 = blocks.getInductionVar();
    Value rows = arith::MinUIOp::create(
        b, loc, index(mc), arith::SubIOp::create(b, loc, numRows, m0));
    Value rowsPadded = arith::MulIOp::create(
        b, loc, arith::CeilDivUIOp::create(b, loc, rows, index(config.mr)),
        index(config.mr));
    packRows(m0, rows, rowsPadded);
    int64_t panels = llvm::divideCeil(c.n, nr);
    auto panelLoop =
        scf::ForOp::create(b, loc, index(0), index(panels), index(1));
    OpBuilder::InsertionGuard g2(b);
    b.setInsertionPointToStart(panelLoop.getBody());
    Value p = panelLoop.getInductionVar();
    auto tileLoop =
        scf::ForOp::create(b, loc, index(0), rowsPadded, index(config.mr));
    b.setInsertionPointToStart(tileLoop.getBody());
    Value r0 = tileLoop.getInductionVar();
    SmallVector<Value> accs = microKernel(r0, p);
    epilogue(accs, r0, m0, p);
  }
  // Buffer deallocation frees the panel and the row sums.
  func::ReturnOp::create(b, loc);
  return func;
}

//===----------------------------------------------------------------------===//
// The call site
//===----------------------------------------------------------------------===//

/// The memref type of a tensor argument: its shape (the leading dimension
/// dynamic when `dynamicLeading`) and element type, identity layout. A
/// tensor whose buffer has another layout (a slice) is copied into one by
/// bufferization; the kernels read rows contiguously.
static MemRefType getArgumentType(ArrayRef<int64_t> shape, Type element,
                                  bool dynamicLeading) {
  SmallVector<int64_t> dims(shape);
  if (dynamicLeading && !dims.empty())
    dims[0] = ShapedType::kDynamic;
  return MemRefType::get(dims, element);
}

static Value toBuffer(OpBuilder &b, Location loc, Value tensor,
                      MemRefType argType) {
  auto tensorType = cast<RankedTensorType>(tensor.getType());
  MemRefType exact = getArgumentType(tensorType.getShape(),
                                     tensorType.getElementType(), false);
  Value buffer = bufferization::ToBufferOp::create(b, loc, exact, tensor,
                                                   /*read_only=*/true);
  if (exact != argType)
    buffer = memref::CastOp::create(b, loc, argType, buffer);
  return buffer;
}

static void lowerContraction(OpBuilder &b, ModuleOp module,
                             const Contraction &c,
                             ArrayRef<EpilogueStage> stages,
                             const KernelConfig &config, int64_t panelBytes,
                             StringRef name) {
  Operation *last =
      stages.empty() ? c.op.getOperation() : stages.back().op.getOperation();
  Location loc = c.op.getLoc();
  auto resultType = cast<RankedTensorType>(last->getResult(0).getType());
  auto inputType = cast<RankedTensorType>(c.input.getType());
  b.setInsertionPoint(last);

  SmallVector<Value> args;
  SmallVector<Type> argTypes;
  MemRefType inputArg =
      getArgumentType(inputType.getShape(), inputType.getElementType(), true);
  args.push_back(toBuffer(b, loc, c.input, inputArg));
  argTypes.push_back(inputArg);
  args.push_back(c.inputZeroPoint);
  args.push_back(c.weightZeroPoint);
  argTypes.push_back(b.getI32Type());
  argTypes.push_back(b.getI32Type());
  for (const EpilogueStage &stage : stages)
    for (auto [operand, read] :
         llvm::zip(stage.op.getDpsInputs(), stage.reads)) {
      if (read == EpilogueRead::Chain)
        continue;
      auto type = cast<RankedTensorType>(operand.getType());
      MemRefType argType =
          getArgumentType(type.getShape(), type.getElementType(), false);
      args.push_back(toBuffer(b, loc, operand, argType));
      argTypes.push_back(argType);
    }
  // The output: a fresh buffer of the final type.
  SmallVector<Value> dynamicSizes;
  if (resultType.isDynamicDim(0))
    dynamicSizes.push_back(tensor::DimOp::create(b, loc, c.input, 0));
  auto outType =
      MemRefType::get(resultType.getShape(), resultType.getElementType());
  Value outBuffer = memref::AllocOp::create(b, loc, outType, dynamicSizes,
                                            b.getI64IntegerAttr(64));
  auto outArgType =
      MemRefType::get(SmallVector<int64_t>([&] {
                        SmallVector<int64_t> dims(resultType.getShape());
                        dims[0] = ShapedType::kDynamic;
                        return dims;
                      }()),
                      resultType.getElementType());
  Value outArg = outBuffer;
  if (outArgType != outType)
    outArg = memref::CastOp::create(b, loc, outArgType, outBuffer);
  args.push_back(outArg);
  argTypes.push_back(outArgType);

  OpBuilder kernelBuilder(module.getContext());
  KernelBuilder builder(kernelBuilder, loc, config, c, stages, panelBytes);
  func::FuncOp kernel = builder.build(module, name, argTypes);
  func::CallOp::create(b, loc, kernel, args);
  Value result = bufferization::ToTensorOp::create(
      b, loc, resultType, outBuffer, /*restrict=*/true, /*writable=*/true);
  last->getResult(0).replaceAllUsesWith(result);
  for (const EpilogueStage &stage : llvm::reverse(stages))
    stage.op->erase();
  c.op->erase();
}

/// The LLVM intrinsics the kernels call, with their function types.
static SmallVector<std::pair<StringRef, FunctionType>>
getIntrinsicTypes(MLIRContext *context) {
  auto vec = [&](int64_t lanes, unsigned bits) -> Type {
    return VectorType::get({lanes}, IntegerType::get(context, bits));
  };
  auto fn = [&](ArrayRef<Type> args, Type result) {
    return FunctionType::get(context, args, result);
  };
  return {
      {"llvm.x86.avx512.vpdpbusd.512",
       fn({vec(16, 32), vec(64, 8), vec(64, 8)}, vec(16, 32))},
      {"llvm.x86.avx512.vpdpbusd.256",
       fn({vec(8, 32), vec(32, 8), vec(32, 8)}, vec(8, 32))},
      {"llvm.x86.avx2.pmadd.wd", fn({vec(16, 16), vec(16, 16)}, vec(8, 32))},
      {"llvm.x86.avx2.pmadd.ub.sw", fn({vec(32, 8), vec(32, 8)}, vec(16, 16))},
  };
}

void LowerInt8ContractionsPass::runOnOperation() {
  ModuleOp module = getOperation();
  std::optional<Int8Dot> dot = parseInt8Dot(int8Dot);
  if (!dot) {
    module.emitError() << "quantx-lower-int8-contractions: int8-dot must be "
                          "generic, avx2, avx-vnni or avx512-vnni, not '"
                       << std::string(int8Dot) << "'";
    return signalPassFailure();
  }
  if (!CpuTarget::isSupportedVectorBits(vectorBits)) {
    module.emitError() << "quantx-lower-int8-contractions: vector-bits must "
                          "be 256 or 512, not "
                       << static_cast<int64_t>(vectorBits);
    return signalPassFailure();
  }
  if (panelBytes < 1) {
    module.emitError() << "quantx-lower-int8-contractions: panel-bytes must "
                          "be positive, not "
                       << static_cast<int64_t>(panelBytes);
    return signalPassFailure();
  }
  SymbolTable symbols(module);
  // The intrinsics are declared as functions of their names: a symbol of
  // such a name that is something else would take their place.
  for (auto [name, type] : getIntrinsicTypes(module.getContext())) {
    Operation *existing = symbols.lookup(name);
    auto function = dyn_cast_or_null<func::FuncOp>(existing);
    if (existing && (!function || function.getFunctionType() != type)) {
      existing->emitError()
          << "quantx-lower-int8-contractions: the symbol @" << name
          << " is reserved for the LLVM intrinsic of type " << type;
      return signalPassFailure();
    }
  }
  // Contractions of this module's own functions (a nested module is a
  // symbol table of its own, left to a run of the pass on it).
  SmallVector<linalg::LinalgOp> candidates;
  module.walk([&](Operation *op) {
    if (isa<linalg::QuantizedMatmulOp, linalg::Conv2DNhwcHwcfQOp>(op) &&
        op->getParentOfType<ModuleOp>() == module)
      candidates.push_back(cast<linalg::LinalgOp>(op));
  });
  llvm::SetVector<Operation *> weightSources;
  OpBuilder b(module.getContext());
  unsigned counter = 0;
  for (linalg::LinalgOp op : candidates) {
    std::string why;
    FailureOr<Contraction> c = matchContraction(op, why);
    if (failed(c)) {
      op->emitRemark() << "int8 kernel not used: " << why;
      continue;
    }
    KernelConfig config = chooseConfig(*dot, vectorBits, *c);
    config.emulate = emulateDot;
    SmallVector<EpilogueStage> stages = matchEpilogue(op->getResult(0), c->n);
    std::string name;
    // A name free for the kernel and its two globals.
    do {
      name = "__quantx_int8_kernel_" + std::to_string(counter++);
    } while (symbols.lookup(name) || symbols.lookup(name + "_weights") ||
             symbols.lookup(name + "_column_sums"));
    weightSources.insert(c->weightSource);
    lowerContraction(b, module, *c, stages, config, panelBytes, name);
  }
  // The weights' original loads, and their globals once nothing else reads
  // them: the packed copy replaces them.
  llvm::SetVector<Operation *> globals;
  for (Operation *source : weightSources) {
    if (!source->use_empty())
      continue;
    if (auto load = dyn_cast<ml_program::GlobalLoadOp>(source))
      if (Operation *global =
              symbols.lookup(load.getGlobal().getRootReference()))
        globals.insert(global);
    source->erase();
  }
  for (Operation *global : globals) {
    auto op = cast<ml_program::GlobalOp>(global);
    if (op.isPrivate() && SymbolTable::symbolKnownUseEmpty(op, module))
      op.erase();
  }
}
