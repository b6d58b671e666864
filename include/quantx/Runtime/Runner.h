//===- Runner.h - JIT-compile and call models -------------------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The engine behind quantx-runner: compiles a module through quantx-to-llvm
// (or takes it as already lowered), JIT-compiles it for the host CPU, and
// calls functions on .npy arrays.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_RUNTIME_RUNNER_H
#define QUANTX_RUNTIME_RUNNER_H

#include "quantx/Runtime/Npy.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

template <typename T> class DynamicMemRefType;

namespace mlir {
class DialectRegistry;
class MLIRContext;
class ExecutionEngine;
class ModuleOp;
template <typename OpTy> class OwningOpRef;
} // namespace mlir

namespace quantx::runtime {

struct RunnerOptions {
  /// LLVM optimization level of the JIT (0 to 3).
  unsigned optLevel = 3;
  /// Libraries the JIT-compiled code may call (runner utils, ...).
  std::vector<std::string> sharedLibs;
  /// Tile and vectorize in quantx-to-llvm (false: scalar loops, for
  /// isolating a miscompile).
  bool vectorize = true;
  /// Vector register width the code is generated for, in bits (256 or
  /// 512); 0: the host's (CpuTarget::getHost).
  int64_t vectorBits = 0;
  /// The int8 kernels' dot product (generic, avx2, avx-vnni, avx512-vnni);
  /// empty: the host's best. One the host cannot execute is an error at
  /// compile time, before any code runs.
  std::string int8Dot;
  /// Compute int8Dot's definition with portable vector arithmetic in its
  /// data layout (tests of the layout on hosts without the instruction).
  bool int8EmulateDot = false;
  /// Call retainFreedMemory (quantx/Runtime/Memory.h) before compiling, so
  /// that the temporaries of repeated calls are not page-faulted in again
  /// on every call. Process-wide; false leaves malloc's settings alone.
  bool retainFreedMemory = true;
};

/// How one argument or result of an entry function travels: a ranked tensor
/// or a scalar of an element type .npy can hold.
struct TensorSignature {
  DType dtype;
  /// Dimensions; ShapedType::kDynamic (a negative value) where dynamic.
  std::vector<int64_t> shape;
  bool isScalar = false;
  /// For quantized values, which travel as their storage codes: the code
  /// width in bits and whether codes are signed (0 otherwise).
  unsigned storageBits = 0;
  bool signedStorage = false;
  /// For quantized values, the format's valid codes.
  int64_t codeMin = 0, codeMax = 0;
  /// The MLIR spelling, for messages.
  std::string typeName;
};

/// A contiguous row-major tensor handed to and taken from compiled code
/// where it lies: CompiledModule::callInPlace reads its inputs from their
/// bytes and returns the blocks the compiled code allocated for its results,
/// copying neither (a training loop passes the parameters it got from the
/// last step back into the next).
struct TensorBuffer {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// The first element, kept alive by `owner`.
  void *data = nullptr;
  std::shared_ptr<void> owner;

  int64_t getNumElements() const;
  /// A buffer holding a copy of `array`'s elements.
  static TensorBuffer copyOf(const NpyArray &array);
  /// A copy of the elements as an array.
  NpyArray toArray() const;
};

/// A module compiled for the host.
class CompiledModule {
public:
  ~CompiledModule();

  /// Parses and compiles `path`. A module with func.func definitions is
  /// lowered through quantx-to-llvm (with a tensor-level wrapper around
  /// `entry`); a module already in the LLVM dialect is JIT-compiled as is
  /// (then `entry` is only looked up at call time).
  static llvm::Expected<std::unique_ptr<CompiledModule>>
  compile(const std::string &path, const std::string &entry,
          const RunnerOptions &options);

  /// Compiles an in-memory module of tensor-level functions, with a
  /// callable wrapper for each function in `entries`. Takes ownership of
  /// the context and the module.
  static llvm::Expected<std::unique_ptr<CompiledModule>>
  compile(std::unique_ptr<mlir::MLIRContext> context,
          mlir::OwningOpRef<mlir::ModuleOp> module,
          const std::vector<std::string> &entries,
          const RunnerOptions &options);

  /// Parses `text` (tensor-level functions, as a model file holds them) in
  /// a context of its own and compiles it with a callable wrapper for each
  /// function in `entries`; parse errors are printed and returned.
  static llvm::Expected<std::unique_ptr<CompiledModule>>
  compileSource(llvm::StringRef text, const std::vector<std::string> &entries,
                const RunnerOptions &options);

  /// True when the input was lowered here, so call() takes tensors.
  bool hasTensorEntry() const { return tensorEntry; }
  /// The signature of the (first) entry.
  const std::vector<TensorSignature> &getArguments() const {
    return getArguments(entryName);
  }
  const std::vector<TensorSignature> &getResults() const {
    return getResults(entryName);
  }
  const std::vector<TensorSignature> &
  getArguments(const std::string &entry) const;
  const std::vector<TensorSignature> &
  getResults(const std::string &entry) const;

  /// Calls the tensor-level (first) entry on `inputs`, checking them against
  /// its signature.
  llvm::Expected<std::vector<NpyArray>>
  call(const std::vector<NpyArray> &inputs) {
    return call(entryName, inputs);
  }
  /// Calls the tensor-level entry `entry`.
  llvm::Expected<std::vector<NpyArray>>
  call(const std::string &entry, const std::vector<NpyArray> &inputs);

  /// Calls the tensor-level entry `entry` on buffers, copying neither the
  /// inputs (which the compiled code only reads) nor the results.
  /// Quantized arguments and results (codes in storage) go through call().
  llvm::Expected<std::vector<TensorBuffer>>
  callInPlace(const std::string &entry,
              const std::vector<TensorBuffer> &inputs);

  /// Calls an already-lowered, argument-free function like mlir-runner:
  /// `resultKind` is void, i32, i64 or f32; the value is printed.
  llvm::Error callLowered(const std::string &name,
                          const std::string &resultKind, std::string &printed);

private:
  CompiledModule();

  struct Entry {
    std::string wrapper;
    std::vector<TensorSignature> arguments;
    std::vector<TensorSignature> results;
    /// The wrapper's packed interface, looked up when compiled.
    void (*packed)(void **) = nullptr;
  };

  /// The signature of a function of an already-lowered module.
  struct LoweredFunction {
    unsigned numParams = 0;
    bool isVarArg = false;
    /// "void" or the LLVM dialect spelling of the result type.
    std::string result;
  };

  llvm::Error jitCompile(mlir::ModuleOp module, const RunnerOptions &options);
  /// The entry `entry` of a module lowered here, called with `numInputs`
  /// inputs, or an error.
  llvm::Expected<const Entry *> findEntry(const std::string &entry,
                                          size_t numInputs) const;
  /// Calls `entry`'s wrapper on descriptors of its arguments. The results'
  /// descriptors are written to `storage`, one after another, and `views`
  /// gets one view of each (element type bytes).
  llvm::Error invoke(const Entry &entry, std::vector<void *> arguments,
                     std::vector<int64_t> &storage,
                     std::vector<::DynamicMemRefType<char>> &views);

  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  std::string entryName;
  bool tensorEntry = false;
  std::map<std::string, Entry> entries;
  std::map<std::string, LoweredFunction> loweredFunctions;
};

/// Registers what JIT compilation of a quantx model needs: every upstream
/// dialect and extension (bufferization models included), quantx, and the
/// translations to LLVM IR.
void registerJitDialects(mlir::DialectRegistry &registry);

/// A context with registerJitDialects' dialects.
std::unique_ptr<mlir::MLIRContext> createJitContext();

/// Parses `text` (called `name` in messages) into `context`: the one way
/// running and training read a module. Parse and verifier diagnostics go
/// to stderr with their source lines; the error says the module did not
/// parse.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
parseModule(llvm::StringRef text, const std::string &name,
            mlir::MLIRContext &context);

/// Reads `path` ("-": stdin) into `text` and parses it as parseModule does.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
parseModuleFile(const std::string &path, mlir::MLIRContext &context,
                std::string &text);

/// While alive, keeps the errors of `context` off the terminal and
/// remembers the first one as one line, "file:line:col: message" (notes,
/// and the op dumps attached to pass errors, are dropped), so that a failed
/// compile becomes a one-line error. Warnings and remarks are printed to
/// stderr as they come, one line each ("file:line:col: warning: message",
/// "file:line:col: remark: message").
class FirstErrorCollector {
public:
  explicit FirstErrorCollector(mlir::MLIRContext &context);
  ~FirstErrorCollector();
  /// The first error, or `fallback` when none was emitted.
  std::string getMessage(const std::string &fallback) const;

private:
  mlir::MLIRContext &context;
  uint64_t handlerId;
  bool printedOps;
  std::string first;
};

/// Renders a small array in NumPy style; "" when it has more than
/// `maxElements` elements.
std::string formatArray(const NpyArray &array, size_t maxElements = 64);

} // namespace quantx::runtime

#endif // QUANTX_RUNTIME_RUNNER_H
