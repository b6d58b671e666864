//===- Runner.cpp - JIT-compile and call models ---------------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A tensor-level entry function `f` is wrapped in `__quantx_entry_f`, whose
// arguments and results are all ranked tensors (scalars travel as 0-d
// tensors). Its arguments are not writable (bufferization copies before it
// would write into one), and the deallocation pipeline returns only buffers
// the function owns (cloning an argument or a constant it would return), so
// the caller owns and frees every returned buffer. After quantx-to-llvm, the
// wrapper's C interface takes a pointer to the results and one memref
// descriptor per argument:
//   { void *allocated, *aligned; int64_t offset, sizes[r], strides[r]; }
//
//===----------------------------------------------------------------------===//

#include "quantx/Runtime/Runner.h"

#include "quantx/Dialect/Quantx/IR/QuantxTypes.h"
#include "quantx/InitQuantx.h"
#include "quantx/Numerics/Storage.h"
#include "quantx/Pipelines/Pipelines.h"
#include "quantx/Runtime/Memory.h"
#include "quantx/Runtime/OptionError.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>

using namespace mlir;
using namespace ::quantx::runtime;
namespace num = ::quantx::numerics;

static constexpr const char *kWrapperPrefix = "__quantx_entry_";

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static std::string typeToString(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

/// The .npy element type of an MLIR element type.
static std::optional<DType> getDType(Type type) {
  if (type.isF16())
    return DType::F16;
  if (type.isF32())
    return DType::F32;
  if (type.isF64())
    return DType::F64;
  if (type.isSignlessInteger(1))
    return DType::Bool;
  if (type.isSignlessInteger(8))
    return DType::I8;
  if (type.isSignlessInteger(16))
    return DType::I16;
  if (type.isSignlessInteger(32))
    return DType::I32;
  if (type.isSignlessInteger(64))
    return DType::I64;
  return std::nullopt;
}

/// The dtype of `bits`-wide codes: a signed or unsigned integer of their
/// in-memory size, bool for one-bit unsigned codes.
static DType getCodeDType(unsigned bits, bool isSigned) {
  if (bits == 1 && !isSigned)
    return DType::Bool;
  switch (num::getStorageBytes(bits)) {
  case 1:
    return isSigned ? DType::I8 : DType::U8;
  case 2:
    return isSigned ? DType::I16 : DType::U16;
  case 4:
    return isSigned ? DType::I32 : DType::U32;
  default:
    return isSigned ? DType::I64 : DType::U64;
  }
}

static llvm::Expected<TensorSignature> getSignature(Type type, StringRef what,
                                                    StringRef function) {
  TensorSignature signature;
  signature.typeName = typeToString(type);
  Type element = type;
  if (auto tensor = dyn_cast<RankedTensorType>(type)) {
    element = tensor.getElementType();
    signature.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  } else if (isa<ShapedType>(type)) {
    return makeError(what + " of @" + function + " has type " +
                     signature.typeName +
                     "; only ranked tensors and scalars can be passed");
  } else {
    signature.isScalar = true;
  }
  // Quantized values travel as their storage codes, in the integer dtype of
  // their in-memory size (quantx/Numerics/Storage.h).
  if (auto format = dyn_cast<mlir::quantx::FormatTypeInterface>(element)) {
    signature.storageBits = format.getStorageWidth();
    signature.signedStorage = format.isStorageSigned();
    std::tie(signature.codeMin, signature.codeMax) = format.getCodeRange();
    signature.dtype =
        getCodeDType(signature.storageBits, signature.signedStorage);
    return signature;
  }
  std::optional<DType> dtype = getDType(element);
  if (!dtype)
    return makeError(what + " of @" + function + " has type " +
                     signature.typeName +
                     ", whose element type .npy cannot hold");
  signature.dtype = *dtype;
  return signature;
}

/// Wraps `entry` in `name` (all tensors, fresh results).
static void buildWrapper(ModuleOp module, func::FuncOp entry, StringRef name) {
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Location loc = entry.getLoc();
  auto asTensor = [](Type type) -> Type {
    if (isa<TensorType>(type))
      return type;
    return RankedTensorType::get({}, type);
  };
  SmallVector<Type> argTypes, resultTypes;
  for (Type type : entry.getArgumentTypes())
    argTypes.push_back(asTensor(type));
  for (Type type : entry.getResultTypes())
    resultTypes.push_back(asTensor(type));
  auto wrapper = func::FuncOp::create(b, loc, name,
                                      b.getFunctionType(argTypes, resultTypes));
  Block *body = wrapper.addEntryBlock();
  b.setInsertionPointToStart(body);
  SmallVector<Value> args;
  for (auto [arg, type] :
       llvm::zip(body->getArguments(), entry.getArgumentTypes()))
    args.push_back(isa<TensorType>(type)
                       ? Value(arg)
                       : Value(tensor::ExtractOp::create(
                             b, loc, type, Value(arg), ValueRange())));
  auto call = func::CallOp::create(b, loc, entry, args);
  SmallVector<Value> results;
  for (Value result : call.getResults()) {
    if (isa<RankedTensorType>(result.getType()))
      results.push_back(result);
    else
      results.push_back(tensor::FromElementsOp::create(
          b, loc, RankedTensorType::get({}, result.getType()), result));
  }
  func::ReturnOp::create(b, loc, results);
  // The compiled code never writes into the caller's buffers.
  for (unsigned i = 0; i < wrapper.getNumArguments(); ++i)
    wrapper.setArgAttr(i,
                       bufferization::BufferizationDialect::kWritableAttrName,
                       b.getBoolAttr(false));
}

void ::quantx::runtime::registerJitDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  mlir::quantx::registerQuantxDialect(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

FirstErrorCollector::FirstErrorCollector(MLIRContext &context)
    : context(context), printedOps(context.shouldPrintOpOnDiagnostic()) {
  context.printOpOnDiagnostic(false);
  handlerId = context.getDiagEngine().registerHandler([this](Diagnostic &diag) {
    auto describe = [&](llvm::raw_ostream &os) {
      if (auto loc = dyn_cast<FileLineColLoc>(diag.getLocation())) {
        os << loc.getFilename().getValue() << ":";
        if (loc.getLine())
          os << loc.getLine() << ":" << loc.getColumn() << ":";
        os << " ";
      }
    };
    // Warnings and remarks (an int8 kernel not used, and why) reach the
    // user as they come, one line each.
    if (diag.getSeverity() == DiagnosticSeverity::Warning ||
        diag.getSeverity() == DiagnosticSeverity::Remark) {
      describe(llvm::errs());
      llvm::errs() << (diag.getSeverity() == DiagnosticSeverity::Warning
                           ? "warning: "
                           : "remark: ")
                   << diag.str() << "\n";
      return success();
    }
    if (diag.getSeverity() != DiagnosticSeverity::Error || !first.empty())
      return success();
    llvm::raw_string_ostream os(first);
    describe(os);
    os << diag.str();
    return success();
  });
}

FirstErrorCollector::~FirstErrorCollector() {
  context.getDiagEngine().eraseHandler(handlerId);
  context.printOpOnDiagnostic(printedOps);
}

std::string FirstErrorCollector::getMessage(const std::string &fallback) const {
  return first.empty() ? fallback : first;
}

CompiledModule::CompiledModule() = default;
CompiledModule::~CompiledModule() = default;

namespace quantx::runtime {
std::unique_ptr<MLIRContext> createJitContext() {
  DialectRegistry registry;
  registerJitDialects(registry);
  return std::make_unique<MLIRContext>(registry);
}

llvm::Expected<OwningOpRef<ModuleOp>> parseModule(llvm::StringRef text,
                                                  const std::string &name,
                                                  MLIRContext &context) {
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBuffer(text, name),
                               llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context, llvm::errs());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return makeError(name + ": cannot parse the module");
  return module;
}

llvm::Expected<OwningOpRef<ModuleOp>> parseModuleFile(const std::string &path,
                                                      MLIRContext &context,
                                                      std::string &text) {
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path);
  if (!buffer)
    return makeError(path + ": cannot open file");
  text = (*buffer)->getBuffer().str();
  return parseModule(text, path, context);
}
} // namespace quantx::runtime

llvm::Expected<std::unique_ptr<CompiledModule>>
CompiledModule::compile(const std::string &path, const std::string &entry,
                        const RunnerOptions &options) {
  std::unique_ptr<MLIRContext> context = createJitContext();
  std::string text;
  auto parsed = parseModuleFile(path, *context, text);
  if (!parsed)
    return parsed.takeError();
  OwningOpRef<ModuleOp> module = std::move(*parsed);

  bool hasFunctions = false;
  module->walk([&](func::FuncOp) { hasFunctions = true; });
  if (hasFunctions) {
    auto function = module->lookupSymbol<func::FuncOp>(entry);
    if (!function || function.isExternal())
      return makeError(path + ": no function @" + entry + " is defined");
    // Only what the entry reaches is compiled: another function of the
    // module that cannot be lowered (or a global only it reads, without a
    // value) does not stop this one.
    for (auto other : module->getOps<func::FuncOp>())
      if (other != function && !other.isExternal())
        other.setPrivate();
    function.setPublic();
    PassManager prune(context.get());
    prune.addPass(createSymbolDCEPass());
    if (failed(prune.run(*module)))
      return makeError(path + ": cannot drop the functions @" + entry +
                       " does not call");
    // A model's parameters before training: globals without values.
    for (auto global : module->getOps<ml_program::GlobalOp>())
      if (!global.getValue())
        return makeError(path + ": global @" + global.getSymName() +
                         " has no value; train the model and save it first, "
                         "or give it one");
    return compile(std::move(context), std::move(module), {entry}, options);
  }
  std::unique_ptr<CompiledModule> compiled(new CompiledModule());
  compiled->entryName = entry;
  // What callLowered checks a call against.
  module->walk([&](LLVM::LLVMFuncOp function) {
    LLVM::LLVMFunctionType type = function.getFunctionType();
    Type result = type.getReturnType();
    LoweredFunction &lowered =
        compiled->loweredFunctions[function.getName().str()];
    lowered.numParams = type.getNumParams();
    lowered.isVarArg = type.isVarArg();
    lowered.result =
        isa<LLVM::LLVMVoidType>(result) ? "void" : typeToString(result);
  });
  compiled->context = std::move(context);
  if (llvm::Error error = compiled->jitCompile(*module, options))
    return std::move(error);
  return compiled;
}

llvm::Expected<std::unique_ptr<CompiledModule>> CompiledModule::compile(
    std::unique_ptr<MLIRContext> context, OwningOpRef<ModuleOp> module,
    const std::vector<std::string> &entries, const RunnerOptions &options) {
  std::unique_ptr<CompiledModule> compiled(new CompiledModule());
  compiled->context = std::move(context);
  // Destroyed before `compiled`, which owns the context.
  OwningOpRef<ModuleOp> owned = std::move(module);
  MLIRContext *ctx = compiled->context.get();
  // The wrapper is built with these, whatever the model uses.
  ctx->loadDialect<func::FuncDialect, tensor::TensorDialect,
                   bufferization::BufferizationDialect>();
  compiled->entryName = entries.empty() ? "" : entries.front();
  for (const std::string &name : entries) {
    auto function = owned->lookupSymbol<func::FuncOp>(name);
    if (!function || function.isExternal())
      return makeError("no function @" + name + " is defined");
    Entry entry;
    entry.wrapper = kWrapperPrefix + name;
    for (auto [i, type] : llvm::enumerate(function.getArgumentTypes())) {
      auto signature =
          getSignature(type, "argument #" + std::to_string(i), name);
      if (!signature)
        return signature.takeError();
      entry.arguments.push_back(*signature);
    }
    for (auto [i, type] : llvm::enumerate(function.getResultTypes())) {
      auto signature = getSignature(type, "result #" + std::to_string(i), name);
      if (!signature)
        return signature.takeError();
      entry.results.push_back(*signature);
    }
    buildWrapper(*owned, function, entry.wrapper);
    compiled->entries[name] = std::move(entry);
  }
  PassManager pm(ctx);
  mlir::quantx::QuantxToLLVMPipelineOptions pipelineOptions;
  pipelineOptions.vectorize = options.vectorize;
  pipelineOptions.vectorBits =
      options.vectorBits ? options.vectorBits
                         : mlir::quantx::CpuTarget::getHost().vectorBits;
  if (options.int8Dot.empty()) {
    pipelineOptions.int8Dot = mlir::quantx::stringifyInt8Dot(
                                  mlir::quantx::CpuTarget::getHost().int8Dot)
                                  .str();
  } else {
    std::optional<mlir::quantx::Int8Dot> dot =
        mlir::quantx::parseInt8Dot(options.int8Dot);
    if (!dot)
      return makeError("int8 dot product '" + options.int8Dot +
                       "' is not one of generic, avx2, avx-vnni, avx512-vnni");
    if (!options.int8EmulateDot && !mlir::quantx::CpuTarget::hostHas(*dot))
      return makeError(
          "int8 dot product '" + options.int8Dot +
          "' needs CPU features this host lacks (" +
          llvm::join(mlir::quantx::getInt8DotFeatures(*dot), ", ") + ")");
    pipelineOptions.int8Dot = options.int8Dot;
  }
  pipelineOptions.int8EmulateDot = options.int8EmulateDot;
  // The binary kernels' vpopcntq where the host has it and the code is for
  // its 512-bit vectors.
  pipelineOptions.vpopcntdq = pipelineOptions.vectorBits == 512 &&
                              mlir::quantx::CpuTarget::getHost().vpopcntdq;
  mlir::quantx::buildQuantxToLLVMPipeline(pm, pipelineOptions);
  {
    FirstErrorCollector errors(*ctx);
    if (failed(pm.run(*owned)))
      return makeError("lowering through quantx-to-llvm failed: " +
                       errors.getMessage("no diagnostic"));
  }
  compiled->tensorEntry = true;
  if (llvm::Error error = compiled->jitCompile(*owned, options))
    return std::move(error);
  // Generate the machine code now, not at the first call (whose time would
  // then include it), and report a failure here.
  // Each call then goes straight to its code, without a symbol lookup.
  for (auto &[name, entry] : compiled->entries) {
    auto symbol =
        compiled->engine->lookupPacked("_mlir_ciface_" + entry.wrapper);
    if (!symbol)
      return symbol.takeError();
    entry.packed = *symbol;
  }
  return compiled;
}

llvm::Error CompiledModule::jitCompile(ModuleOp module,
                                       const RunnerOptions &options) {
  if (options.retainFreedMemory)
    retainFreedMemory();
  auto hostBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!hostBuilder)
    return hostBuilder.takeError();
  auto targetMachine = hostBuilder->createTargetMachine();
  if (!targetMachine)
    return targetMachine.takeError();
  auto transformer =
      makeOptimizingTransformer(options.optLevel, 0, targetMachine->get());
  SmallVector<StringRef> libs(options.sharedLibs.begin(),
                              options.sharedLibs.end());
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.sharedLibPaths = libs;
  engineOptions.jitCodeGenOptLevel =
      static_cast<llvm::CodeGenOptLevel>(std::min(options.optLevel, 3u));
  auto created = ExecutionEngine::create(module, engineOptions);
  if (!created)
    return created.takeError();
  engine = std::move(*created);
  return llvm::Error::success();
}

static const std::vector<TensorSignature> kNoSignatures;

const std::vector<TensorSignature> &
CompiledModule::getArguments(const std::string &entry) const {
  auto it = entries.find(entry);
  return it == entries.end() ? kNoSignatures : it->second.arguments;
}

const std::vector<TensorSignature> &
CompiledModule::getResults(const std::string &entry) const {
  auto it = entries.find(entry);
  return it == entries.end() ? kNoSignatures : it->second.results;
}

namespace {
/// A memref descriptor of any rank that owns its words, in the C layout of
/// upstream's StridedMemRefType: base pointer, data pointer, offset, then
/// `rank` sizes and `rank` strides (read back as DynamicMemRefType reads an
/// unranked memref).
class OwnedDescriptor {
public:
  /// A descriptor of the contiguous row-major buffer `data` of `shape`.
  OwnedDescriptor(void *data, const std::vector<int64_t> &shape)
      : rank(shape.size()), words(getNumWords(shape.size())) {
    auto *descriptor = getStrided();
    descriptor->basePtr = descriptor->data = static_cast<char *>(data);
    descriptor->offset = 0;
    int64_t *sizes = descriptor->sizes, *strides = sizes + rank;
    int64_t stride = 1;
    for (int64_t i = rank; i-- > 0;) {
      sizes[i] = shape[i];
      strides[i] = stride;
      stride *= shape[i];
    }
  }

  /// The words a descriptor of rank `rank` takes.
  static size_t getNumWords(size_t rank) {
    return sizeof(StridedMemRefType<char, 0>) / sizeof(int64_t) + 2 * rank;
  }

  void *getPointer() { return words.data(); }

private:
  StridedMemRefType<char, 1> *getStrided() {
    return reinterpret_cast<StridedMemRefType<char, 1> *>(words.data());
  }

  int64_t rank;
  std::vector<int64_t> words;
};
} // namespace

/// The codes of `input` in the in-memory layout of `signature`'s format,
/// or an error naming the first element that is not a code of the format.
static llvm::Expected<std::vector<uint8_t>>
toStorage(const NpyArray &input, const TensorSignature &signature) {
  unsigned size = getDTypeSize(signature.dtype);
  int64_t count = input.getNumElements();
  std::vector<uint8_t> bytes(count * size);
  for (int64_t n = 0; n < count; ++n) {
    std::optional<int64_t> code = getIntegerElement(input, n);
    if (!code || *code < signature.codeMin || *code > signature.codeMax) {
      std::string value = code ? std::to_string(*code) : "above 2^63";
      return makeError("element " + std::to_string(n) + " is " + value +
                       ", not a code of the format (codes are " +
                       std::to_string(signature.codeMin) + " to " +
                       std::to_string(signature.codeMax) + ")");
    }
    // Little endian: the low bytes of the two's complement code.
    uint64_t bits = static_cast<uint64_t>(*code);
    std::memcpy(&bytes[n * size], &bits, size);
  }
  return bytes;
}

/// Whether an input of `dtype` and `shape` fits `expected`: the shape, with
/// any size for a dynamic dimension, and the dtype (codes in any integer
/// dtype; 8-bit integers in either signedness).
static bool fitsSignature(DType dtype, const std::vector<int64_t> &shape,
                          const TensorSignature &expected) {
  bool shapeOk = shape.size() == expected.shape.size();
  for (size_t d = 0; shapeOk && d < shape.size(); ++d)
    shapeOk = expected.shape[d] < 0 || expected.shape[d] == shape[d];
  bool dtypeOk =
      expected.storageBits
          ? isIntegerDType(dtype)
          : dtype == expected.dtype ||
                (expected.dtype == DType::I8 && dtype == DType::U8) ||
                (expected.dtype == DType::U8 && dtype == DType::I8);
  return shapeOk && dtypeOk;
}

static llvm::Error makeInputError(const std::string &entryName, size_t index,
                                  const TensorSignature &expected, DType dtype,
                                  const std::string &shape) {
  return makeError("input #" + std::to_string(index) + " of @" + entryName +
                   " must be " + expected.typeName +
                   (expected.storageBits ? " (integer codes)" : "") +
                   ", got a " + std::string(getDTypeName(dtype)) +
                   " array of shape " + shape);
}

llvm::Expected<const CompiledModule::Entry *>
CompiledModule::findEntry(const std::string &entryName,
                          size_t numInputs) const {
  if (!tensorEntry)
    return makeError("@" + entryName +
                     " is already lowered; call it as a lowered entry point "
                     "with its result kind");
  auto found = entries.find(entryName);
  if (found == entries.end())
    return makeError("@" + entryName + " was not compiled as an entry");
  size_t numArguments = found->second.arguments.size();
  if (numInputs != numArguments)
    return makeError("@" + entryName + " takes " +
                     std::to_string(numArguments) + " argument(s), got " +
                     std::to_string(numInputs) + " input(s)");
  return &found->second;
}

/// The descriptor of rank `rank` at `words`, read as upstream reads one of a
/// rank known at run time. The element type is bytes: offsets and strides
/// count elements of the result's dtype.
static DynamicMemRefType<char> viewResult(int64_t rank, int64_t *words) {
  return DynamicMemRefType<char>(::UnrankedMemRefType<char>{rank, words});
}

/// The views of the results' descriptors, one after another in `words`.
static std::vector<DynamicMemRefType<char>>
viewResults(const std::vector<TensorSignature> &results,
            std::vector<int64_t> &words) {
  std::vector<DynamicMemRefType<char>> views;
  size_t word = 0;
  for (const TensorSignature &result : results) {
    int64_t rank = result.shape.size();
    views.push_back(viewResult(rank, words.data() + word));
    word += OwnedDescriptor::getNumWords(rank);
  }
  return views;
}

llvm::Error
CompiledModule::invoke(const Entry &entry, std::vector<void *> arguments,
                       std::vector<int64_t> &storage,
                       std::vector<DynamicMemRefType<char>> &views) {
  // The results come back as one struct of descriptors, in order.
  size_t resultWords = 0;
  for (const TensorSignature &result : entry.results)
    resultWords += OwnedDescriptor::getNumWords(result.shape.size());
  storage.assign(std::max<size_t>(resultWords, 1), 0);
  void *resultPointer = storage.data();
  SmallVector<void *> args = {&resultPointer};
  for (void *&pointer : arguments)
    args.push_back(&pointer);
  if (entry.results.empty())
    args.erase(args.begin());
  if (!entry.packed)
    return makeError("@" + entry.wrapper + " was not compiled");
  entry.packed(args.data());
  views = viewResults(entry.results, storage);
  return llvm::Error::success();
}

/// Pointers to the descriptors, as the wrapper takes its arguments.
static std::vector<void *>
getPointers(std::vector<OwnedDescriptor> &descriptors) {
  std::vector<void *> pointers;
  for (OwnedDescriptor &descriptor : descriptors)
    pointers.push_back(descriptor.getPointer());
  return pointers;
}

/// The blocks the results live in, one owner per result, freed once each:
/// results that alias one block (a value returned twice) share its owner,
/// and `shared[k]` says that result k's block was already an earlier
/// result's.
static std::vector<std::shared_ptr<void>>
takeResultBlocks(const std::vector<DynamicMemRefType<char>> &views,
                 std::vector<bool> &shared) {
  std::vector<std::shared_ptr<void>> blocks;
  llvm::DenseMap<void *, size_t> first;
  shared.assign(views.size(), false);
  for (auto [k, view] : llvm::enumerate(views)) {
    auto [found, inserted] = first.try_emplace(view.basePtr, k);
    shared[k] = !inserted;
    blocks.push_back(inserted ? std::shared_ptr<void>(view.basePtr, std::free)
                              : blocks[found->second]);
  }
  return blocks;
}

static bool isContiguous(const DynamicMemRefType<char> &view) {
  bool contiguous = true;
  for (int64_t k = view.rank, stride = 1; k-- > 0; stride *= view.sizes[k])
    contiguous &= view.sizes[k] == 1 || view.strides[k] == stride;
  return contiguous;
}

/// Copies the elements of `view` (of `size` bytes each) to `out` in
/// row-major order, through its strides.
static void copyElements(const DynamicMemRefType<char> &view, unsigned size,
                         uint8_t *out) {
  int64_t rank = view.rank, count = 1;
  for (int64_t k = 0; k < rank; ++k)
    count *= view.sizes[k];
  const char *base = view.data + view.offset * size;
  if (isContiguous(view)) {
    if (count > 0)
      std::memcpy(out, base, count * size);
    return;
  }
  std::vector<int64_t> index(rank, 0);
  for (int64_t n = 0; n < count; ++n) {
    int64_t offset = 0;
    for (int64_t k = 0; k < rank; ++k)
      offset += index[k] * view.strides[k];
    std::memcpy(out + n * size, base + offset * size, size);
    for (int64_t k = rank; k-- > 0;) {
      if (++index[k] < view.sizes[k])
        break;
      index[k] = 0;
    }
  }
}

/// A copy of `bytes` in a buffer aligned for compiled code (one byte when
/// empty, so that an empty tensor still has an address).
static std::shared_ptr<void>
allocateAlignedCopy(llvm::ArrayRef<uint8_t> bytes) {
  std::shared_ptr<void> block = allocateBuffer(bytes.size());
  if (!block)
    llvm::report_fatal_error("out of memory copying a tensor of " +
                             llvm::Twine(bytes.size()) + " bytes");
  if (!bytes.empty())
    std::memcpy(block.get(), bytes.data(), bytes.size());
  return block;
}

llvm::Expected<std::vector<NpyArray>>
CompiledModule::call(const std::string &entryName,
                     const std::vector<NpyArray> &inputs) {
  llvm::Expected<const Entry *> found = findEntry(entryName, inputs.size());
  if (!found)
    return found.takeError();
  const std::vector<TensorSignature> &arguments = (*found)->arguments;
  const std::vector<TensorSignature> &results = (*found)->results;
  // Aligned copies of the inputs.
  std::vector<std::shared_ptr<void>> storage;
  std::vector<OwnedDescriptor> descriptors;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorSignature &expected = arguments[i];
    const NpyArray &input = inputs[i];
    if (!fitsSignature(input.dtype, input.shape, expected))
      return makeInputError(entryName, i, expected, input.dtype,
                            input.getShapeString());
    if (expected.storageBits) {
      auto codes = toStorage(input, expected);
      if (!codes)
        return makeError("input #" + std::to_string(i) + " of @" + entryName +
                         " (" + expected.typeName +
                         "): " + llvm::toString(codes.takeError()));
      storage.push_back(allocateAlignedCopy(*codes));
    } else {
      storage.push_back(allocateAlignedCopy(input.data));
    }
    descriptors.emplace_back(storage.back().get(), input.shape);
  }
  std::vector<int64_t> resultStorage;
  std::vector<DynamicMemRefType<char>> views;
  if (llvm::Error error =
          invoke(**found, getPointers(descriptors), resultStorage, views))
    return std::move(error);

  // Freed when every result is copied (results may share a block).
  std::vector<bool> shared;
  std::vector<std::shared_ptr<void>> blocks = takeResultBlocks(views, shared);
  std::vector<NpyArray> outputs;
  for (auto [result, view] : llvm::zip_equal(results, views)) {
    int64_t rank = result.shape.size();
    NpyArray array;
    array.dtype = result.dtype;
    array.shape.assign(view.sizes, view.sizes + rank);
    unsigned size = getDTypeSize(result.dtype);
    int64_t count = array.getNumElements();
    array.data.resize(count * size);
    copyElements(view, size, array.data.data());
    // Codes narrower than their bytes: only the low bits are defined.
    unsigned bits = result.storageBits;
    if (bits && bits < 8 * size)
      for (int64_t n = 0; n < count; ++n) {
        uint64_t code = 0;
        std::memcpy(&code, &array.data[n * size], size);
        code &= (uint64_t(1) << bits) - 1;
        if (result.signedStorage && (code >> (bits - 1)))
          code |= ~uint64_t(0) << bits;
        std::memcpy(&array.data[n * size], &code, size);
      }
    outputs.push_back(std::move(array));
  }
  return outputs;
}

llvm::Expected<std::unique_ptr<CompiledModule>>
CompiledModule::compileSource(llvm::StringRef text,
                              const std::vector<std::string> &entries,
                              const RunnerOptions &options) {
  std::unique_ptr<MLIRContext> context = createJitContext();
  auto module = parseModule(text, "<source>", *context);
  if (!module)
    return module.takeError();
  return compile(std::move(context), std::move(*module), entries, options);
}

int64_t TensorBuffer::getNumElements() const {
  int64_t count = 1;
  for (int64_t size : shape)
    count *= size;
  return count;
}

TensorBuffer TensorBuffer::copyOf(const NpyArray &array) {
  TensorBuffer buffer;
  buffer.dtype = array.dtype;
  buffer.shape = array.shape;
  buffer.owner = allocateAlignedCopy(array.data);
  buffer.data = buffer.owner.get();
  return buffer;
}

NpyArray TensorBuffer::toArray() const {
  NpyArray array;
  array.dtype = dtype;
  array.shape = shape;
  array.data.resize(getNumElements() * getDTypeSize(dtype));
  if (!array.data.empty())
    std::memcpy(array.data.data(), data, array.data.size());
  return array;
}

llvm::Expected<std::vector<TensorBuffer>>
CompiledModule::callInPlace(const std::string &entryName,
                            const std::vector<TensorBuffer> &inputs) {
  llvm::Expected<const Entry *> found = findEntry(entryName, inputs.size());
  if (!found)
    return found.takeError();
  const std::vector<TensorSignature> &arguments = (*found)->arguments;
  const std::vector<TensorSignature> &results = (*found)->results;
  for (const TensorSignature &signature :
       llvm::concat<const TensorSignature>(arguments, results))
    if (signature.storageBits)
      return makeError("@" + entryName + " takes or returns codes in " +
                       signature.typeName + ": call it with arrays");
  std::vector<OwnedDescriptor> descriptors;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorBuffer &input = inputs[i];
    if (!fitsSignature(input.dtype, input.shape, arguments[i]))
      return makeInputError(entryName, i, arguments[i], input.dtype,
                            formatShape(input.shape));
    if (!input.data)
      return makeError("input #" + std::to_string(i) + " of @" + entryName +
                       " has no data");
    descriptors.emplace_back(input.data, input.shape);
  }
  std::vector<int64_t> resultStorage;
  std::vector<DynamicMemRefType<char>> views;
  if (llvm::Error error =
          invoke(**found, getPointers(descriptors), resultStorage, views))
    return std::move(error);

  // Each result is a block of the compiled code's own (freed with free);
  // a contiguous one is handed over as it is. A result in a block an earlier
  // result already has (a value returned twice) is copied, so that no two
  // results alias.
  std::vector<bool> shared;
  std::vector<std::shared_ptr<void>> blocks = takeResultBlocks(views, shared);
  std::vector<TensorBuffer> outputs;
  for (auto [k, result, view] : llvm::enumerate(results, views)) {
    int64_t rank = result.shape.size();
    TensorBuffer buffer;
    buffer.dtype = result.dtype;
    buffer.shape.assign(view.sizes, view.sizes + rank);
    unsigned size = getDTypeSize(result.dtype);
    if (isContiguous(view) && !shared[k]) {
      buffer.data = view.data + view.offset * size;
      buffer.owner = blocks[k];
    } else {
      size_t bytes = std::max<size_t>(buffer.getNumElements() * size, 1);
      std::shared_ptr<uint8_t[]> copy(new uint8_t[bytes]());
      copyElements(view, size, copy.get());
      buffer.data = copy.get();
      buffer.owner = std::shared_ptr<void>(copy, copy.get());
    }
    outputs.push_back(std::move(buffer));
  }
  return outputs;
}

llvm::Error CompiledModule::callLowered(const std::string &name,
                                        const std::string &resultKind,
                                        std::string &printed) {
  if (resultKind != "void" && resultKind != "i32" && resultKind != "i64" &&
      resultKind != "f32")
    return makeOptionError(Option::EntryPointResult,
                           "must be void, i32, i64 or f32, got '" + resultKind +
                               "'");
  // Calling through a mismatched signature reads garbage or crashes: check
  // it first, as mlir-runner does.
  auto function = loweredFunctions.find(name);
  if (function == loweredFunctions.end())
    return makeError("no function @" + name + " is defined");
  const LoweredFunction &lowered = function->second;
  if (lowered.numParams != 0 || lowered.isVarArg)
    return makeError("@" + name + " takes " +
                     std::to_string(lowered.numParams) +
                     " argument(s); a lowered entry point is called without "
                     "arguments");
  if (lowered.result != resultKind)
    return makeOptionError(Option::EntryPointResult,
                           "is " + resultKind + ", but @" + name + " returns " +
                               lowered.result);
  if (auto found = engine->lookupPacked(name); !found)
    return makeError("cannot call @" + name + ": " +
                     llvm::toString(found.takeError()));
  llvm::raw_string_ostream os(printed);
  // Calls the function with a result slot of type T and prints the value.
  auto callWith = [&](auto zero) -> llvm::Error {
    decltype(zero) value = zero;
    void *result = &value;
    if (llvm::Error error = engine->invokePacked(name, {&result, 1}))
      return error;
    os << value << "\n";
    return llvm::Error::success();
  };
  if (resultKind == "void")
    return engine->invokePacked(name);
  if (resultKind == "i32")
    return callWith(int32_t(0));
  if (resultKind == "i64")
    return callWith(int64_t(0));
  return callWith(0.0f);
}

namespace quantx::runtime {
std::string formatArray(const NpyArray &array, size_t maxElements) {
  int64_t count = array.getNumElements();
  // Empty arrays print as their shape: [[]] would not tell (3, 0) from
  // (0, 3).
  if (count > static_cast<int64_t>(maxElements) ||
      (count == 0 && !array.shape.empty()))
    return "";
  unsigned size = getDTypeSize(array.dtype);
  auto element = [&](int64_t n) -> std::string {
    const uint8_t *p = array.data.data() + n * size;
    char buffer[64];
    auto asFloat = [&](double v) {
      std::snprintf(buffer, sizeof(buffer), "%.8g", v);
      return std::string(buffer);
    };
    switch (array.dtype) {
    case DType::F16: {
      uint16_t bits;
      std::memcpy(&bits, p, 2);
      llvm::APFloat half(llvm::APFloat::IEEEhalf(), llvm::APInt(16, bits));
      return asFloat(half.convertToFloat());
    }
    case DType::F32: {
      float v;
      std::memcpy(&v, p, 4);
      return asFloat(v);
    }
    case DType::F64: {
      double v;
      std::memcpy(&v, p, 8);
      return asFloat(v);
    }
    case DType::I8:
      return std::to_string(*reinterpret_cast<const int8_t *>(p));
    case DType::U8:
      return std::to_string(*p);
    case DType::Bool:
      return *p ? "True" : "False";
    case DType::I16: {
      int16_t v;
      std::memcpy(&v, p, 2);
      return std::to_string(v);
    }
    case DType::I32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return std::to_string(v);
    }
    case DType::I64: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return std::to_string(v);
    }
    case DType::U16: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return std::to_string(v);
    }
    case DType::U32: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      return std::to_string(v);
    }
    case DType::U64: {
      uint64_t v;
      std::memcpy(&v, p, 8);
      return std::to_string(v);
    }
    }
    return "?";
  };
  if (array.shape.empty())
    return element(0);
  std::string text;
  size_t rank = array.shape.size();
  std::vector<int64_t> index(rank, 0);
  text.append(rank, '[');
  for (int64_t n = 0; n < count; ++n) {
    text += element(n);
    size_t closed = 0;
    for (size_t k = rank; k-- > 0;) {
      if (++index[k] < array.shape[k])
        break;
      index[k] = 0;
      ++closed;
    }
    text.append(closed, ']');
    if (n + 1 < count)
      text += ", " + std::string(closed, '[');
  }
  if (count == 0)
    text.append(rank, ']');
  return text;
}
} // namespace quantx::runtime
