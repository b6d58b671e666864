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
  Value activations;            // M x W i64
  DenseIntElementsAttr weights; // N x W i64
  Operation *weightSource;
  int64_t k, n, words;
};

/// Matches out = k - 2 sum_w popcount(a xor b) as quantx.binary_matmul's
/// lowering writes it, or says why not.
FailureOr<BinaryProduct> matchBinaryProduct(linalg::GenericOp op,
                                            std::string &why) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op.getNumLoops() != 3)
    return failure();
  MLIRContext *context = op.getContext();
  AffineExpr m, n, w;
  bindDims(context, m, n, w);
  SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {m, w}, context),
                                 AffineMap::get(3, 0, {n, w}, context),
                                 AffineMap::get(3, 0, {m, n}, context)};
  if (op.getIndexingMapsArray() != ArrayRef(maps) ||
      op.getIteratorTypesArray() !=
          ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                        utils::IteratorType::parallel,
                                        utils::IteratorType::reduction})
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
  Operation *source = nullptr;
  auto weights = dyn_cast_or_null<DenseIntElementsAttr>(
      getCompileTimeElements(op.getDpsInputs()[1]));
  if (weights)
    source = op.getDpsInputs()[1].getDefiningOp();
  if (!weights || !source) {
    why = "its weights are not known at compile time";
    return failure();
  }
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

class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, Location loc, const BinaryProduct &p,
                ArrayRef<EpilogueStage> stages, int64_t lanes, int64_t mr,
                int64_t nv)
      : b(b), loc(loc), p(p), stages(stages), lanes(lanes), mr(mr), nv(nv),
        panels(llvm::divideCeil(p.n, lanes * nv)) {}

  func::FuncOp build(ModuleOp module, StringRef name, ArrayRef<Type> argTypes,
                     ArrayRef<StringRef> features);

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  VectorType vectorType(Type element) {
    return VectorType::get({lanes}, element);
  }

  OpBuilder &b;
  Location loc;
  const BinaryProduct &p;
  ArrayRef<EpilogueStage> stages;
  int64_t lanes, mr, nv, panels;
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
  SmallVector<APInt> packed;
  packed.reserve(panels * p.words * nr);
  for (int64_t panel = 0; panel < panels; ++panel)
    for (int64_t w = 0; w < p.words; ++w)
      for (int64_t j = 0; j < nr; ++j) {
        int64_t row = panel * nr + j;
        packed.push_back(row < p.n ? words[row * p.words + w] : APInt(64, 0));
      }
  auto packedType = RankedTensorType::get({static_cast<int64_t>(packed.size())},
                                          b.getI64Type());
  auto global = memref::GlobalOp::create(
      b, loc, (name + "_weights").str(), b.getStringAttr("private"),
      MemRefType::get(packedType.getShape(), b.getI64Type()),
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
  Value panelBase = arith::MulIOp::create(b, loc, panel, index(p.words * nr));
  SmallVector<Value> inits(mr * nv, zeroVector);
  auto wordLoop =
      scf::ForOp::create(b, loc, index(0), index(p.words), index(1), inits);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(wordLoop.getBody());
    Value w = wordLoop.getInductionVar();
    SmallVector<Value> accs(wordLoop.getRegionIterArgs());
    Value base = arith::AddIOp::create(
        b, loc, panelBase, arith::MulIOp::create(b, loc, w, index(nr)));
    SmallVector<Value> weightVectors;
    for (int64_t j = 0; j < nv; ++j)
      weightVectors.push_back(vector::LoadOp::create(
          b, loc, vectorType(i64), weights,
          ValueRange{arith::AddIOp::create(b, loc, base, index(j * lanes))}));
    for (int64_t i = 0; i < mr; ++i) {
      Value word =
          memref::LoadOp::create(b, loc, input, ValueRange{rows[i], w});
      Value a = vector::BroadcastOp::create(b, loc, vectorType(i64), word);
      for (int64_t j = 0; j < nv; ++j) {
        Value differ = math::CtPopOp::create(
            b, loc, arith::XOrIOp::create(b, loc, a, weightVectors[j]));
        accs[i * nv + j] =
            arith::AddIOp::create(b, loc, accs[i * nv + j], differ);
      }
    }
    scf::YieldOp::create(b, loc, accs);
  }
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
      Value acc = wordLoop.getResult(i * nv + j);
      Value dot = arith::TruncIOp::create(
          b, loc, vectorType(i32),
          arith::SubIOp::create(b, loc, kVector,
                                arith::AddIOp::create(b, loc, acc, acc)));
      Value column = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, panel, index(nr)),
          index(j * lanes));
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
    if (failed(p)) {
      if (!why.empty())
        op->emitRemark() << "binary kernel not used: " << why;
      continue;
    }
    std::string name;
    do {
      name = "__quantx_binary_kernel_" + std::to_string(counter++);
    } while (symbols.lookup(name) || symbols.lookup(name + "_weights"));
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
    auto outType = cast<RankedTensorType>(op.getResult(0).getType());
    auto inputArg =
        MemRefType::get({ShapedType::kDynamic, p->words}, b.getI64Type());
    auto outArg = MemRefType::get({ShapedType::kDynamic, p->n}, outElement);
    Value input = bufferization::ToBufferOp::create(
        b, loc, MemRefType::get(inputType.getShape(), b.getI64Type()),
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
    KernelBuilder builder(kernelBuilder, loc, *p, stages, lanes, mr, nv);
    func::FuncOp kernel = builder.build(module, name, argTypes, features);
    func::CallOp::create(b, loc, kernel, args);
    Value result = bufferization::ToTensorOp::create(
        b, loc, outType.clone(outElement), outBuffer, /*restrict=*/true,
        /*writable=*/true);
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
