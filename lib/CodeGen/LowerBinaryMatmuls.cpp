//===- LowerBinaryMatmuls.cpp - XNOR-popcount micro-kernels ---------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The linalg form of an XNOR-popcount product (what quantx.binary_matmul
// lowers to: out[m, n] = k - 2 sum_w popcount(a[m, w] xor b[n, w]), from a
// fill of k) with weights known at compile time becomes a call of a
// register-blocked kernel: the weights packed now in panels of `nr` rows,
// a vector of words per step; each tile of `mr` activation rows copied into
// a zero-padded buffer; mr x nr vector accumulators of per-word popcounts
// (math.ctpop on i64 vectors: vpshufb nibble lookups and vpsadbw on AVX2,
// vpopcntq with AVX-512 VPOPCNTDQ) summed lane-wise at the end.
//
//===----------------------------------------------------------------------===//

#include "KernelEpilogue.h"

#include "quantx/CodeGen/Passes.h"
#include "quantx/CodeGen/Target.h"
#include "quantx/Utils/Constants.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMAttrs.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_LOWERBINARYMATMULSPASS
#include "quantx/CodeGen/Passes.h.inc"
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

namespace {

/// A binary product this pass lowers.
struct BinaryProduct {
  linalg::GenericOp op;
  Value activations;            // M x W i64, or M x 2 x W (ternary)
  DenseIntElementsAttr weights; // N x W i64, or N x 2 x W (ternary)
  Operation *weightSource;
  int64_t k, n, words;
  /// A ternary product (quantx.ternary_matmul's lowering): which sides
  /// have two planes (signs, nonzero mask).
  bool ternary = false, lhsTernary = false, rhsTernary = false;
  /// Float activations (quantx.sign_matmul's lowering): M x K f32 rows,
  /// summed as +-x by the weights' bits; `rhsTernary` when the weights
  /// have a mask.
  bool sign = false;
};

/// The weights known at compile time of operand `value`, and their source.
FailureOr<std::pair<DenseIntElementsAttr, Operation *>>
getConstantWeights(Value value, std::string &why) {
  auto weights =
      dyn_cast_or_null<DenseIntElementsAttr>(getCompileTimeElements(value));
  Operation *source = value.getDefiningOp();
  if (!weights || !source) {
    why = "its weights are not known at compile time";
    return failure();
  }
  return std::pair{weights, source};
}

/// Whether `op` is a product nest over (m, n, reduction) with one init
/// and `minInputs` to `maxInputs` inputs.
bool isProductNest(linalg::GenericOp op, int64_t minInputs, int64_t maxInputs) {
  int64_t inputs = op.getNumDpsInputs();
  return inputs >= minInputs && inputs <= maxInputs &&
         op.getNumDpsInits() == 1 && op.getNumLoops() == 3 &&
         op.getIteratorTypesArray() ==
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::parallel,
                                           utils::IteratorType::reduction};
}

/// Matches quantx.ternary_matmul's lowering: over (m, n, w), inputs the
/// lhs signs [and mask] and the rhs signs [and mask] (a ternary operand
/// read at planes 0 and 1), out += popcount(M) - 2 popcount(M & (sL xor
/// sR)) with M the masks' AND, from a fill of 0; or says why not.
FailureOr<BinaryProduct> matchTernaryProduct(linalg::GenericOp op,
                                             std::string &why) {
  if (!isProductNest(op, 3, 4))
    return failure();
  int64_t inputs = op.getNumDpsInputs();
  MLIRContext *context = op.getContext();
  AffineExpr m, n, w;
  bindDims(context, m, n, w);
  // Which inputs are which: a ternary operand appears twice, at planes 0
  // and 1, consecutively.
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto planeMap = [&](AffineExpr row, int64_t plane) {
    return AffineMap::get(3, 0, {row, getAffineConstantExpr(plane, context), w},
                          context);
  };
  auto binaryMap = [&](AffineExpr row) {
    return AffineMap::get(3, 0, {row, w}, context);
  };
  BinaryProduct p;
  int64_t next = 0;
  auto side = [&](AffineExpr row, bool &ternary) -> bool {
    if (next < inputs && maps[next] == binaryMap(row)) {
      ternary = false;
      ++next;
      return true;
    }
    if (next + 1 < inputs && maps[next] == planeMap(row, 0) &&
        maps[next + 1] == planeMap(row, 1) &&
        op.getDpsInputs()[next] == op.getDpsInputs()[next + 1]) {
      ternary = true;
      next += 2;
      return true;
    }
    return false;
  };
  Value lhs = op.getDpsInputs()[0];
  if (!side(m, p.lhsTernary))
    return failure();
  Value rhs = op.getDpsInputs()[next];
  if (!side(n, p.rhsTernary) || next != inputs ||
      maps.back() != AffineMap::get(3, 0, {m, n}, context) ||
      (!p.lhsTernary && !p.rhsTernary))
    return failure();
  // The body: yield(acc + (popcount(M) - 2 popcount(M & (sL xor sR)))).
  Block &body = op.getRegion().front();
  BlockArgument acc = body.getArgument(inputs);
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto sum = yield.getOperand(0).getDefiningOp<arith::AddIOp>();
  if (!sum || sum.getLhs() != acc)
    return failure();
  auto sub = sum.getRhs().getDefiningOp<arith::SubIOp>();
  auto twice =
      sub ? sub.getRhs().getDefiningOp<arith::AddIOp>() : arith::AddIOp();
  if (!twice || twice.getLhs() != twice.getRhs())
    return failure();
  auto countOf = [](Value v) -> Value {
    auto trunc = v.getDefiningOp<arith::TruncIOp>();
    auto popcount =
        trunc ? trunc.getIn().getDefiningOp<math::CtPopOp>() : math::CtPopOp();
    return popcount ? popcount.getOperand() : Value();
  };
  Value mask = countOf(sub.getLhs()), differ = countOf(twice.getLhs());
  auto masked =
      differ ? differ.getDefiningOp<arith::AndIOp>() : arith::AndIOp();
  if (!mask || !masked || masked.getLhs() != mask)
    return failure();
  auto xorOp = masked.getRhs().getDefiningOp<arith::XOrIOp>();
  unsigned rhsSigns = p.lhsTernary ? 2 : 1;
  if (!xorOp || xorOp.getLhs() != body.getArgument(0) ||
      xorOp.getRhs() != body.getArgument(rhsSigns))
    return failure();
  Value lhsMask = p.lhsTernary ? body.getArgument(1) : Value();
  Value rhsMask = p.rhsTernary ? body.getArgument(rhsSigns + 1) : Value();
  if (lhsMask && rhsMask) {
    auto both = mask.getDefiningOp<arith::AndIOp>();
    if (!both || both.getLhs() != lhsMask || both.getRhs() != rhsMask)
      return failure();
  } else if (mask != (lhsMask ? lhsMask : rhsMask)) {
    return failure();
  }
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  auto outType = dyn_cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (!lhsType.getElementType().isInteger(64) ||
      !rhsType.getElementType().isInteger(64) || !outType ||
      !outType.getElementType().isInteger(32))
    return failure();
  // From here on it is a ternary product: say why it stays generic.
  auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  APInt zero;
  if (!fill || !matchPattern(fill.getInputs()[0], m_ConstantInt(&zero)) ||
      !zero.isZero()) {
    why = "its accumulator is not a fill of 0";
    return failure();
  }
  if (!rhsType.hasStaticShape() ||
      lhsType.isDynamicDim(lhsType.getRank() - 1)) {
    why = "the number of weight rows or of words is not static";
    return failure();
  }
  auto weights = getConstantWeights(rhs, why);
  if (failed(weights))
    return failure();
  p.op = op;
  p.activations = lhs;
  p.weights = weights->first;
  p.weightSource = weights->second;
  p.n = rhsType.getDimSize(0);
  p.words = rhsType.getShape().back();
  p.k = 64 * p.words; // Bits past K are 0 in a ternary operand's mask.
  p.ternary = true;
  return p;
}

/// Matches out = k - 2 sum_w popcount(a xor b) as quantx.binary_matmul's
/// lowering writes it, or says why not.
FailureOr<BinaryProduct> matchBinaryProduct(linalg::GenericOp op,
                                            std::string &why) {
  if (!isProductNest(op, 2, 2))
    return failure();
  MLIRContext *context = op.getContext();
  AffineExpr m, n, w;
  bindDims(context, m, n, w);
  SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {m, w}, context),
                                 AffineMap::get(3, 0, {n, w}, context),
                                 AffineMap::get(3, 0, {m, n}, context)};
  if (op.getIndexingMapsArray() != ArrayRef(maps))
    return failure();
  // yield(acc - (t + t)), t = trunci(ctpop(xori(a, b))).
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto sub = yield.getOperand(0).getDefiningOp<arith::SubIOp>();
  if (!sub || sub.getLhs() != body.getArgument(2))
    return failure();
  auto twice = sub.getRhs().getDefiningOp<arith::AddIOp>();
  if (!twice || twice.getLhs() != twice.getRhs())
    return failure();
  auto trunc = twice.getLhs().getDefiningOp<arith::TruncIOp>();
  auto popcount =
      trunc ? trunc.getIn().getDefiningOp<math::CtPopOp>() : math::CtPopOp();
  auto xorOp = popcount ? popcount.getOperand().getDefiningOp<arith::XOrIOp>()
                        : arith::XOrIOp();
  if (!xorOp || body.getOperations().size() != 6 ||
      !((xorOp.getLhs() == body.getArgument(0) &&
         xorOp.getRhs() == body.getArgument(1)) ||
        (xorOp.getLhs() == body.getArgument(1) &&
         xorOp.getRhs() == body.getArgument(0))))
    return failure();
  auto lhsType = dyn_cast<RankedTensorType>(op.getDpsInputs()[0].getType());
  auto rhsType = dyn_cast<RankedTensorType>(op.getDpsInputs()[1].getType());
  auto outType = dyn_cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (!lhsType || !rhsType || !outType ||
      !lhsType.getElementType().isInteger(64) ||
      !outType.getElementType().isInteger(32))
    return failure();
  // From here on it is a binary product: say why it stays generic.
  auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  APInt k;
  if (!fill || !matchPattern(fill.getInputs()[0], m_ConstantInt(&k))) {
    why = "its accumulator is not a fill of a constant K";
    return failure();
  }
  if (!rhsType.hasStaticShape() || lhsType.isDynamicDim(1)) {
    why = "the number of weight rows or of words is not static";
    return failure();
  }
  auto constant = getConstantWeights(op.getDpsInputs()[1], why);
  if (failed(constant))
    return failure();
  auto [weights, source] = *constant;
  BinaryProduct p{op,
                  op.getDpsInputs()[0],
                  weights,
                  source,
                  k.getSExtValue(),
                  rhsType.getDimSize(0),
                  rhsType.getDimSize(1)};
  if (p.k < 1 || p.k > 64 * p.words) {
    why = "K does not fit its words";
    return failure();
  }
  return p;
}

/// Whether `value` is `(word >> (k & 63)) & 1 != 0` with k the reduction
/// index (quantx.sign_matmul's lowering reading bit k of `word`).
bool isBitOfK(Value value, Value word) {
  auto cmp = value.getDefiningOp<arith::CmpIOp>();
  if (!cmp || cmp.getPredicate() != arith::CmpIPredicate::ne ||
      !matchPattern(cmp.getRhs(), m_Zero()))
    return false;
  auto bit = cmp.getLhs().getDefiningOp<arith::AndIOp>();
  auto shifted =
      bit ? bit.getLhs().getDefiningOp<arith::ShRUIOp>() : arith::ShRUIOp();
  if (!shifted || !matchPattern(bit.getRhs(), m_One()) ||
      shifted.getLhs() != word)
    return false;
  auto low = shifted.getRhs().getDefiningOp<arith::AndIOp>();
  APInt mask;
  auto cast = low ? low.getLhs().getDefiningOp<arith::IndexCastOp>()
                  : arith::IndexCastOp();
  auto index =
      cast ? cast.getIn().getDefiningOp<linalg::IndexOp>() : linalg::IndexOp();
  return index && index.getDim() == 2 &&
         matchPattern(low.getRhs(), m_ConstantInt(&mask)) && mask == 63;
}

/// Matches quantx.sign_matmul's lowering: over (m, n, k), the f32 rows and
/// the word holding bit k of weight row n (and of its mask), out += x, -x
/// or +0 from a fill of +0; or says why not.
FailureOr<BinaryProduct> matchSignProduct(linalg::GenericOp op,
                                          std::string &why) {
  if (!isProductNest(op, 2, 3))
    return failure();
  int64_t inputs = op.getNumDpsInputs();
  bool ternary = inputs == 3;
  MLIRContext *context = op.getContext();
  AffineExpr m, n, k;
  bindDims(context, m, n, k);
  SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {m, k}, context)};
  if (ternary)
    for (int64_t plane : {0, 1})
      maps.push_back(AffineMap::get(
          3, 0, {n, getAffineConstantExpr(plane, context), k.floorDiv(64)},
          context));
  else
    maps.push_back(AffineMap::get(3, 0, {n, k.floorDiv(64)}, context));
  maps.push_back(AffineMap::get(3, 0, {m, n}, context));
  if (op.getIndexingMapsArray() != ArrayRef(maps) ||
      (ternary && op.getDpsInputs()[1] != op.getDpsInputs()[2]))
    return failure();
  // yield(acc + t), t = select(bit(signs), x, -x) [then select(bit(mask),
  // t, +0)].
  Block &body = op.getRegion().front();
  Value x = body.getArgument(0), acc = body.getArgument(inputs);
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto sum = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!sum || sum.getLhs() != acc ||
      sum.getFastmath() != arith::FastMathFlags::none)
    return failure();
  Value term = sum.getRhs();
  if (ternary) {
    auto masked = term.getDefiningOp<arith::SelectOp>();
    if (!masked || !isBitOfK(masked.getCondition(), body.getArgument(2)) ||
        !matchPattern(masked.getFalseValue(), m_PosZeroFloat()))
      return failure();
    term = masked.getTrueValue();
  }
  auto signed_ = term.getDefiningOp<arith::SelectOp>();
  auto negated = signed_
                     ? signed_.getFalseValue().getDefiningOp<arith::NegFOp>()
                     : arith::NegFOp();
  if (!negated || signed_.getTrueValue() != x || negated.getOperand() != x ||
      !isBitOfK(signed_.getCondition(), body.getArgument(1)))
    return failure();
  auto lhsType = dyn_cast<RankedTensorType>(op.getDpsInputs()[0].getType());
  auto rhsType = dyn_cast<RankedTensorType>(op.getDpsInputs()[1].getType());
  auto outType = dyn_cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (!lhsType || !rhsType || !outType || !lhsType.getElementType().isF32() ||
      !rhsType.getElementType().isInteger(64) ||
      !outType.getElementType().isF32())
    return failure();
  // From here on it is a signed sum: say why it stays generic.
  auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  if (!fill || !matchPattern(fill.getInputs()[0], m_PosZeroFloat())) {
    why = "its accumulator is not a fill of +0";
    return failure();
  }
  if (!rhsType.hasStaticShape() || lhsType.isDynamicDim(1)) {
    why = "the number of weight rows or of values per row is not static";
    return failure();
  }
  auto constant = getConstantWeights(op.getDpsInputs()[1], why);
  if (failed(constant))
    return failure();
  BinaryProduct p;
  p.op = op;
  p.activations = op.getDpsInputs()[0];
  p.weights = constant->first;
  p.weightSource = constant->second;
  p.k = lhsType.getDimSize(1);
  p.n = rhsType.getDimSize(0);
  p.words = rhsType.getShape().back();
  p.sign = true;
  p.rhsTernary = ternary;
  if (p.n == 0) {
    why = "it has no weight rows";
    return failure();
  }
  if (p.k < 1 || static_cast<int64_t>(llvm::divideCeil(p.k, 64)) != p.words) {
    why = "K does not fit its words";
    return failure();
  }
  return p;
}

class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, Location loc, const BinaryProduct &p,
                ArrayRef<EpilogueStage> stages, int64_t lanes, int64_t mr,
                int64_t nv, bool byteCounts)
      : b(b), loc(loc), p(p), stages(stages), lanes(lanes), mr(mr), nv(nv),
        panels(llvm::divideCeil(p.n, lanes * nv)), byteCounts(byteCounts) {}

  func::FuncOp build(ModuleOp module, StringRef name, ArrayRef<Type> argTypes,
                     ArrayRef<StringRef> features);

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  /// Float activations: for k in [0, K), each row's x[k] broadcast, its
  /// sign bit flipped by each column's negative bit (and its bits cleared
  /// by a zero weight's mask), added to the row's f32 accumulators: the
  /// additions of quantx.sign_matmul in its order.
  SmallVector<Value> buildSignLoop(Value weights, Value input,
                                   ArrayRef<Value> rows, Value panelBase,
                                   int64_t planes) {
    Type i32 = b.getI32Type(), f32 = b.getF32Type();
    Value zero = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vectorType(f32), 0.0f));
    auto kLoop = scf::ForOp::create(b, loc, index(0), index(p.k), index(1),
                                    SmallVector<Value>(mr * nv, zero));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(kLoop.getBody());
    Value k = kLoop.getInductionVar();
    SmallVector<Value> accs(kLoop.getRegionIterArgs());
    Value base = arith::AddIOp::create(
        b, loc, panelBase,
        arith::MulIOp::create(b, loc, k, index(planes * nv)));
    // Lane l's bit shifted into its sign bit.
    SmallVector<int32_t> shiftValues;
    for (int64_t l = 0; l < lanes; ++l)
      shiftValues.push_back(static_cast<int32_t>(31 - l));
    Value shifts = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vectorType(i32), ArrayRef(shiftValues)));
    auto splat = [&](int32_t v) -> Value {
      return arith::ConstantOp::create(
          b, loc,
          DenseElementsAttr::get(vectorType(i32),
                                 APInt(32, v, /*isSigned=*/true)));
    };
    Value signBit = splat(std::numeric_limits<int32_t>::min());
    Value thirtyOne = splat(31);
    SmallVector<Value> flips, masks;
    for (int64_t plane = 0; plane < planes; ++plane)
      for (int64_t j = 0; j < nv; ++j) {
        Value bits =
            memref::LoadOp::create(b, loc, weights,
                                   ValueRange{arith::AddIOp::create(
                                       b, loc, base, index(plane * nv + j))});
        Value shifted = arith::ShLIOp::create(
            b, loc,
            vector::BroadcastOp::create(
                b, loc, vectorType(i32),
                arith::ExtUIOp::create(b, loc, i32, bits)),
            shifts);
        if (plane == 0)
          flips.push_back(arith::AndIOp::create(b, loc, shifted, signBit));
        else
          masks.push_back(arith::ShRSIOp::create(b, loc, shifted, thirtyOne));
      }
    for (int64_t i = 0; i < mr; ++i) {
      Value x = vector::BitCastOp::create(
          b, loc, vectorType(i32),
          vector::BroadcastOp::create(
              b, loc, vectorType(f32),
              memref::LoadOp::create(b, loc, input, ValueRange{rows[i], k})));
      for (int64_t j = 0; j < nv; ++j) {
        Value term = arith::XOrIOp::create(b, loc, x, flips[j]);
        if (!masks.empty())
          term = arith::AndIOp::create(b, loc, term, masks[j]);
        accs[i * nv + j] = arith::AddFOp::create(
            b, loc, accs[i * nv + j],
            vector::BitCastOp::create(b, loc, vectorType(f32), term));
      }
    }
    scf::YieldOp::create(b, loc, accs);
    return SmallVector<Value>(kLoop.getResults());
  }
  VectorType vectorType(Type element) {
    return VectorType::get({lanes}, element);
  }

  OpBuilder &b;
  Location loc;
  const BinaryProduct &p;
  /// The sums of each 8 bytes of `bytes` into 64-bit lanes: vpsadbw
  /// against zero (the LLVM intrinsic, declared as a private function of
  /// its name).
  Value sumBytes(ModuleOp module, Value bytes, Value zeroBytes) {
    StringRef name =
        lanes == 8 ? "llvm.x86.avx512.psad.bw.512" : "llvm.x86.avx2.psad.bw";
    auto type = b.getFunctionType({bytes.getType(), bytes.getType()},
                                  vectorType(b.getI64Type()));
    auto function = module.lookupSymbol<func::FuncOp>(name);
    if (!function) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(module.getBody());
      function = func::FuncOp::create(b, loc, name, type);
      function.setPrivate();
    }
    return func::CallOp::create(b, loc, function, ValueRange{bytes, zeroBytes})
        .getResult(0);
  }

  ArrayRef<EpilogueStage> stages;
  int64_t lanes, mr, nv, panels;
  bool byteCounts;
};

func::FuncOp KernelBuilder::build(ModuleOp module, StringRef name,
                                  ArrayRef<Type> argTypes,
                                  ArrayRef<StringRef> features) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  // The weights transposed: panel p, word w, then nr = lanes * nv weight
  // rows (output columns), zero padded past N.
  int64_t nr = lanes * nv;
  SmallVector<APInt> words = llvm::to_vector(p.weights.getValues<APInt>());
  // A ternary product's weights have two planes per word (signs, mask); a
  // binary side of one gets a mask of every bit (the ternary activations'
  // mask has 0 past K). With binary activations, the number of each
  // column's nonzero weights is a constant of the result.
  int64_t planes = p.ternary ? 2 : 1;
  auto weightWord = [&](int64_t row, int64_t plane, int64_t w) -> APInt {
    if (row >= p.n)
      return APInt(64, 0);
    if (p.rhsTernary)
      return words[(row * 2 + plane) * p.words + w];
    return plane == 0 ? words[row * p.words + w] : APInt::getAllOnes(64);
  };
  SmallVector<APInt> packed;
  // Float activations: per panel, k and plane (negative, then nonzero),
  // the bits of each vector's `lanes` columns, bit l for column l (a
  // byte, or two with 16 lanes), so that a shift puts a column's bit in
  // its lane's sign bit.
  Type bitsType = b.getIntegerType(lanes);
  if (p.sign) {
    planes = p.rhsTernary ? 2 : 1;
    auto bitOf = [&](int64_t row, int64_t plane, int64_t k) -> bool {
      if (row >= p.n)
        return false;
      int64_t stored = p.rhsTernary ? row * 2 : row;
      auto word = [&](int64_t pl) {
        return words[(stored + pl) * p.words + k / 64].lshr(k % 64)[0];
      };
      bool nonzero = !p.rhsTernary || word(1);
      return plane == 0 ? nonzero && !word(0) : nonzero;
    };
    packed.reserve(panels * p.k * planes * nv);
    for (int64_t panel = 0; panel < panels; ++panel)
      for (int64_t k = 0; k < p.k; ++k)
        for (int64_t plane = 0; plane < planes; ++plane)
          for (int64_t j = 0; j < nv; ++j) {
            APInt bits(lanes, 0);
            for (int64_t l = 0; l < lanes; ++l)
              if (bitOf(panel * nr + j * lanes + l, plane, k))
                bits.setBit(l);
            packed.push_back(bits);
          }
  } else {
    packed.reserve(panels * p.words * nr * planes);
    for (int64_t panel = 0; panel < panels; ++panel)
      for (int64_t w = 0; w < p.words; ++w)
        for (int64_t plane = 0; plane < planes; ++plane)
          for (int64_t j = 0; j < nr; ++j)
            packed.push_back(weightWord(panel * nr + j, plane, w));
  }
  memref::GlobalOp counts;
  if (p.ternary && !p.lhsTernary) {
    SmallVector<APInt> columnCounts;
    for (int64_t column = 0; column < panels * nr; ++column) {
      int64_t count = 0;
      for (int64_t w = 0; w < p.words; ++w)
        count += weightWord(column, 1, w).popcount();
      columnCounts.push_back(APInt(64, column < p.n ? count : 0));
    }
    auto countsType = RankedTensorType::get(
        {static_cast<int64_t>(columnCounts.size())}, b.getI64Type());
    counts = memref::GlobalOp::create(
        b, loc, (name + "_counts").str(), b.getStringAttr("private"),
        MemRefType::get(countsType.getShape(), b.getI64Type()),
        DenseElementsAttr::get(countsType, columnCounts), /*constant=*/true,
        b.getI64IntegerAttr(64));
  }
  Type packedElement = p.sign ? bitsType : b.getI64Type();
  auto packedType = RankedTensorType::get({static_cast<int64_t>(packed.size())},
                                          packedElement);
  auto global = memref::GlobalOp::create(
      b, loc, (name + "_weights").str(), b.getStringAttr("private"),
      MemRefType::get(packedType.getShape(), packedElement),
      DenseElementsAttr::get(packedType, packed), /*constant=*/true,
      b.getI64IntegerAttr(64));

  auto func = func::FuncOp::create(b, loc, name,
                                   b.getFunctionType(argTypes, TypeRange{}));
  func.setPrivate();
  setKernelTargetFeatures(func, features);
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value input = entry->getArgument(0), out = entry->getArguments().back();
  SmallVector<Value> buffers(entry->getArguments().drop_front().drop_back());
  Value weights = memref::GetGlobalOp::create(b, loc, global.getType(),
                                              global.getSymName());
  Value numRows = memref::DimOp::create(b, loc, out, 0);
  Type i64 = b.getI64Type(), i32 = b.getI32Type();
  Value zeroVector = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vectorType(i64), APInt(64, 0)));
  Value kVector = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vectorType(i64), APInt(64, p.k)));
  Value lastRow = arith::SubIOp::create(b, loc, numRows, index(1));

  auto rowLoop = scf::ForOp::create(b, loc, index(0), numRows, index(mr));
  b.setInsertionPointToStart(rowLoop.getBody());
  Value r0 = rowLoop.getInductionVar();
  // Rows past the last are computed on the last row again, never stored.
  SmallVector<Value> rows;
  for (int64_t i = 0; i < mr; ++i)
    rows.push_back(arith::MinUIOp::create(
        b, loc, arith::AddIOp::create(b, loc, r0, index(i)), lastRow));
  auto panelLoop =
      scf::ForOp::create(b, loc, index(0), index(panels), index(1));
  b.setInsertionPointToStart(panelLoop.getBody());
  Value panel = panelLoop.getInductionVar();
  Value panelBase = arith::MulIOp::create(
      b, loc, panel, index(p.sign ? p.k * planes * nv : p.words * nr * planes));
  // Accumulators: the count of differing signs (masked) per row and
  // column vector; with ternary activations also the count of nonzero
  // pairs. Without VPOPCNTDQ the counts are kept in bytes (the nibble
  // lookup's own result, no vpsadbw per word) for blocks of 31 words (31 x
  // 8 fits a byte), then summed into the 64-bit lanes by one vpsadbw.
  int64_t perTile = mr * nv;
  int64_t accumulators = p.lhsTernary ? 2 * perTile : perTile;
  auto byteType = VectorType::get({lanes * 8}, b.getI8Type());
  auto popcount = [&](Value x) -> Value {
    if (byteCounts)
      x = vector::BitCastOp::create(b, loc, byteType, x);
    return math::CtPopOp::create(b, loc, x);
  };
  // The words [first, last) of the panel into `inits`.
  auto buildWordLoop = [&](Value first, Value last,
                           ValueRange inits) -> SmallVector<Value> {
    auto wordLoop = scf::ForOp::create(b, loc, first, last, index(1), inits);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(wordLoop.getBody());
    Value w = wordLoop.getInductionVar();
    SmallVector<Value> accs(wordLoop.getRegionIterArgs());
    Value base = arith::AddIOp::create(
        b, loc, panelBase,
        arith::MulIOp::create(b, loc, w, index(nr * planes)));
    SmallVector<Value> signVectors, maskVectors;
    for (int64_t j = 0; j < nv; ++j) {
      signVectors.push_back(vector::LoadOp::create(
          b, loc, vectorType(i64), weights,
          ValueRange{arith::AddIOp::create(b, loc, base, index(j * lanes))}));
      if (p.ternary)
        maskVectors.push_back(
            vector::LoadOp::create(b, loc, vectorType(i64), weights,
                                   ValueRange{arith::AddIOp::create(
                                       b, loc, base, index(nr + j * lanes))}));
    }
    auto broadcastWord = [&](Value row, int64_t plane) -> Value {
      SmallVector<Value> at = {row};
      if (p.lhsTernary)
        at.push_back(index(plane));
      at.push_back(w);
      return vector::BroadcastOp::create(
          b, loc, vectorType(i64), memref::LoadOp::create(b, loc, input, at));
    };
    for (int64_t i = 0; i < mr; ++i) {
      Value a = broadcastWord(rows[i], 0);
      Value aMask = p.lhsTernary ? broadcastWord(rows[i], 1) : Value();
      for (int64_t j = 0; j < nv; ++j) {
        Value differ = arith::XOrIOp::create(b, loc, a, signVectors[j]);
        Value mask = p.ternary ? maskVectors[j] : Value();
        if (aMask) {
          mask = arith::AndIOp::create(b, loc, aMask, mask);
          accs[perTile + i * nv + j] = arith::AddIOp::create(
              b, loc, accs[perTile + i * nv + j], popcount(mask));
        }
        if (mask)
          differ = arith::AndIOp::create(b, loc, differ, mask);
        accs[i * nv + j] =
            arith::AddIOp::create(b, loc, accs[i * nv + j], popcount(differ));
      }
    }
    scf::YieldOp::create(b, loc, accs);
    return SmallVector<Value>(wordLoop.getResults());
  };
  SmallVector<Value> totals;
  if (p.sign) {
    totals = buildSignLoop(weights, input, rows, panelBase, planes);
  } else if (!byteCounts) {
    totals = buildWordLoop(index(0), index(p.words),
                           SmallVector<Value>(accumulators, zeroVector));
  } else {
    constexpr int64_t kBlock = 31;
    Value zeroBytes = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(byteType, APInt(8, 0)));
    auto blockLoop =
        scf::ForOp::create(b, loc, index(0), index(p.words), index(kBlock),
                           SmallVector<Value>(accumulators, zeroVector));
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(blockLoop.getBody());
      Value first = blockLoop.getInductionVar();
      Value last = arith::MinSIOp::create(
          b, loc, arith::AddIOp::create(b, loc, first, index(kBlock)),
          index(p.words));
      SmallVector<Value> bytes = buildWordLoop(
          first, last, SmallVector<Value>(accumulators, zeroBytes));
      SmallVector<Value> sums;
      for (auto [acc, counted] :
           llvm::zip(blockLoop.getRegionIterArgs(), bytes))
        sums.push_back(arith::AddIOp::create(
            b, loc, acc, sumBytes(module, counted, zeroBytes)));
      scf::YieldOp::create(b, loc, sums);
    }
    totals = SmallVector<Value>(blockLoop.getResults());
  }
  Value countsBuffer =
      counts ? memref::GetGlobalOp::create(b, loc, counts.getType(),
                                           counts.getSymName())
                   .getResult()
             : Value();
  // k - 2 * count for the rows and columns that exist: a vector store
  // where the whole vector of columns exists, a masked one at the edge.
  Value count = arith::MinUIOp::create(
      b, loc, index(mr), arith::SubIOp::create(b, loc, numRows, r0));
  for (int64_t i = 0; i < mr; ++i) {
    Value exists = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                         index(i), count);
    auto ifRow = scf::IfOp::create(b, loc, exists, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(&ifRow.getThenRegion().front());
    Value row = arith::AddIOp::create(b, loc, r0, index(i));
    for (int64_t j = 0; j < nv; ++j) {
      Value acc = totals[i * nv + j];
      Value column = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, panel, index(nr)),
          index(j * lanes));
      // What the products add up to before the differing signs: k (binary),
      // the column's nonzero weights, or the row's and column's nonzero
      // pairs.
      Value all = kVector;
      if (countsBuffer)
        all = vector::LoadOp::create(b, loc, vectorType(i64), countsBuffer,
                                     ValueRange{column});
      else if (p.lhsTernary)
        all = totals[perTile + i * nv + j];
      Value dot =
          p.sign
              ? acc
              : arith::TruncIOp::create(
                    b, loc, vectorType(i32),
                    arith::SubIOp::create(
                        b, loc, all, arith::AddIOp::create(b, loc, acc, acc)))
                    .getResult();
      // The fused stages (a scale, a batch norm, a sign threshold), the
      // columns past N read as padding and never stored.
      dot = applyEpilogue(b, loc, stages, buffers, dot, row, column,
                          /*inBounds=*/p.n % nr == 0);
      // Every panel full: a plain store (a masked store of bytes is lane
      // by lane on x86).
      if (p.n % nr == 0) {
        vector::StoreOp::create(b, loc, dot, out, ValueRange{row, column});
        continue;
      }
      // Lanes of columns below N.
      Value valid = arith::SubIOp::create(
          b, loc, index(p.n),
          arith::MinUIOp::create(b, loc, column, index(p.n)));
      Value mask = vector::CreateMaskOp::create(
          b, loc, VectorType::get({lanes}, b.getI1Type()), ValueRange{valid});
      vector::MaskedStoreOp::create(b, loc, out, ValueRange{row, column}, mask,
                                    dot);
    }
  }
  b.setInsertionPointToEnd(entry);
  func::ReturnOp::create(b, loc);
  return func;
}

struct LowerBinaryMatmulsPass
    : mlir::quantx::impl::LowerBinaryMatmulsPassBase<LowerBinaryMatmulsPass> {
  using LowerBinaryMatmulsPassBase::LowerBinaryMatmulsPassBase;
  void runOnOperation() override;
};

void LowerBinaryMatmulsPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (!CpuTarget::isSupportedVectorBits(vectorBits)) {
    module.emitError() << "quantx-lower-binary-matmuls: vector-bits must be "
                          "256 or 512, not "
                       << static_cast<int64_t>(vectorBits);
    return signalPassFailure();
  }
  if (vpopcntdq && vectorBits != 512) {
    module.emitError() << "quantx-lower-binary-matmuls: vpopcntdq needs "
                          "vector-bits=512";
    return signalPassFailure();
  }
  SmallVector<StringRef> features;
  if (vectorBits == 512)
    features = {"avx512f", "avx512bw"};
  else
    features = {"avx2"};
  if (vpopcntdq)
    features.push_back("avx512vpopcntdq");
  int64_t lanes = vectorBits / 64;
  // Register tile: mr rows by nv vectors of weight rows (output columns)
  // of accumulators, nv weight vectors, one broadcast activation word and
  // the popcount's temporaries.
  int64_t mr = vectorBits == 512 ? 6 : 4, nv = vectorBits == 512 ? 3 : 2;

  SmallVector<linalg::GenericOp> candidates;
  module.walk([&](linalg::GenericOp op) {
    if (op->getParentOfType<ModuleOp>() == module)
      candidates.push_back(op);
  });
  SymbolTable symbols(module);
  OpBuilder b(module.getContext());
  unsigned counter = 0;
  llvm::SetVector<Operation *> weightSources;
  for (linalg::GenericOp op : candidates) {
    std::string why;
    FailureOr<BinaryProduct> p = matchBinaryProduct(op, why);
    if (failed(p) && why.empty())
      p = matchTernaryProduct(op, why);
    if (failed(p) && why.empty())
      p = matchSignProduct(op, why);
    if (failed(p)) {
      if (!why.empty())
        op->emitRemark() << "binary kernel not used: " << why;
      continue;
    }
    std::string name;
    do {
      name = "__quantx_binary_kernel_" + std::to_string(counter++);
    } while (symbols.lookup(name) || symbols.lookup(name + "_weights") ||
             symbols.lookup(name + "_counts"));
    // The elementwise stages that follow, fused into the store: on the
    // product, or on its rows reshaped (a convolution's pixels) with the
    // columns kept last.
    Value product = op.getResult(0);
    tensor::ExpandShapeOp expand;
    if (product.hasOneUse())
      if (auto user = dyn_cast<tensor::ExpandShapeOp>(*product.user_begin()))
        if (user.getReassociationIndices().back().size() == 1)
          expand = user;
    SmallVector<EpilogueStage> stages =
        matchEpilogue(expand ? expand.getResult() : product, p->n);
    if (stages.empty())
      expand = nullptr;
    Operation *last =
        stages.empty() ? op.getOperation() : stages.back().op.getOperation();
    Type outElement = getElementTypeOrSelf(last->getResult(0).getType());
    Location loc = op.getLoc();
    b.setInsertionPoint(last);
    auto inputType = cast<RankedTensorType>(p->activations.getType());
    // The kernel writes N static columns; a result typed with a dynamic
    // N is cast back to its type.
    auto resultType = cast<RankedTensorType>(op.getResult(0).getType());
    auto outType = RankedTensorType::get({resultType.getDimSize(0), p->n},
                                         resultType.getElementType());
    SmallVector<int64_t> inputShape = {ShapedType::kDynamic, p->words};
    if (p->lhsTernary)
      inputShape = {ShapedType::kDynamic, 2, p->words};
    if (p->sign)
      inputShape = {ShapedType::kDynamic, p->k};
    Type inputElement = inputType.getElementType();
    auto inputArg = MemRefType::get(inputShape, inputElement);
    auto outArg = MemRefType::get({ShapedType::kDynamic, p->n}, outElement);
    Value input = bufferization::ToBufferOp::create(
        b, loc, MemRefType::get(inputType.getShape(), inputElement),
        p->activations, /*read_only=*/true);
    if (input.getType() != inputArg)
      input = memref::CastOp::create(b, loc, inputArg, input);
    SmallVector<Value> args = {input};
    SmallVector<Type> argTypes = {inputArg};
    for (Value operand : getEpilogueOperands(stages)) {
      auto type = cast<RankedTensorType>(operand.getType());
      auto argType = MemRefType::get(type.getShape(), type.getElementType());
      args.push_back(bufferization::ToBufferOp::create(b, loc, argType, operand,
                                                       /*read_only=*/true));
      argTypes.push_back(argType);
    }
    SmallVector<Value> dynamic;
    if (outType.isDynamicDim(0))
      dynamic.push_back(tensor::DimOp::create(b, loc, p->activations, 0));
    auto outBufferType = MemRefType::get(outType.getShape(), outElement);
    Value outBuffer = memref::AllocOp::create(b, loc, outBufferType, dynamic,
                                              b.getI64IntegerAttr(64));
    Value outValue = outBuffer;
    if (outBufferType != outArg)
      outValue = memref::CastOp::create(b, loc, outArg, outBuffer);
    args.push_back(outValue);
    argTypes.push_back(outArg);
    OpBuilder kernelBuilder(module.getContext());
    // Ternary activations need twice the accumulators: half the rows.
    // Float activations: f32 lanes, twice as many; fewer columns than the
    // tile's vectors give their accumulators to more rows.
    int64_t kernelLanes = lanes, kernelMr = p->lhsTernary ? mr / 2 : mr,
            kernelNv = nv;
    if (p->sign) {
      kernelLanes = 2 * lanes;
      kernelNv = std::min<int64_t>(nv, llvm::divideCeil(p->n, kernelLanes));
      kernelMr = std::min(mr * nv / kernelNv, 2 * mr);
    }
    KernelBuilder builder(kernelBuilder, loc, *p, stages, kernelLanes, kernelMr,
                          kernelNv, /*byteCounts=*/!vpopcntdq);
    func::FuncOp kernel = builder.build(module, name, argTypes, features);
    func::CallOp::create(b, loc, kernel, args);
    Value result = bufferization::ToTensorOp::create(
        b, loc, outType.clone(outElement), outBuffer, /*restrict=*/true,
        /*writable=*/true);
    if (outType != resultType)
      result =
          tensor::CastOp::create(b, loc, resultType.clone(outElement), result);
    if (expand)
      result = tensor::ExpandShapeOp::create(
          b, loc, cast<RankedTensorType>(expand.getType()).clone(outElement),
          result, expand.getReassociationIndices(),
          expand.getMixedOutputShape());
    last->getResult(0).replaceAllUsesWith(result);
    for (const EpilogueStage &stage : llvm::reverse(stages))
      stage.op->erase();
    if (expand)
      expand->erase();
    weightSources.insert(p->weightSource);
    op.erase();
  }
  for (Operation *source : weightSources)
    if (source->use_empty() && isa<arith::ConstantOp>(source))
      source->erase();
}

} // namespace
