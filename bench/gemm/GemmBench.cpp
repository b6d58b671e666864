//===- GemmBench.cpp - quantx f32 GEMM beside OpenBLAS and a plain loop ---===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// One process, one thread, the same buffers: quantx's JIT-compiled
// linalg.matmul (through quantx-to-llvm), OpenBLAS cblas_sgemm, and a plain
// C++ loop, on operands small enough to stay in the L1 cache (the inner
// kernels alone), on 512^3 in the three layouts a training step uses (A*B,
// A^T*B, A*B^T) and on the shapes of a 784-256-10 MLP (batches 64 and
// 256). Operands start on a 64-byte boundary, as quantx-runner and PyTorch
// allocate them; one row repeats 512^3 A*B with operands 16 bytes past it
// (NumPy's and malloc's alignment). The three run
// round-robin; prints each one's median GFLOPS and the median over rounds of
// the time ratios, and checks every quantx result against OpenBLAS.
//
//===----------------------------------------------------------------------===//

#include "../common/BenchCommon.h"
#include "../common/BenchJit.h"

#include "quantx/Pipelines/Pipelines.h"
#include "quantx/Runtime/Memory.h"
#include "quantx/Runtime/Runner.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "llvm/Support/TargetSelect.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace quantx::bench;

namespace {

struct Case {
  const char *name;
  int m, n, k;
  bool transA, transB; ///< C = op(A) * op(B)
  /// Bytes past a 64-byte boundary where A and B start.
  int misalignBytes = 0;
};

const Case kCases[] = {
    {"in L1 96x64x128", 96, 64, 128, false, false},
    {"512^3 A*B", 512, 512, 512, false, false},
    {"512^3 A*B, 16B-aligned", 512, 512, 512, false, false, 16},
    {"512^3 A^T*B", 512, 512, 512, true, false},
    {"512^3 A*B^T", 512, 512, 512, false, true},
    {"MLP fwd 64x256x784", 64, 256, 784, false, false},
    {"MLP fwd 64x10x256", 64, 10, 256, false, false},
    {"MLP infer 256x256x784", 256, 256, 784, false, false},
    {"MLP dW 784x256x64 (A^T*B)", 784, 256, 64, true, false},
    {"MLP dX 64x784x256 (A*B^T)", 64, 784, 256, false, true},
};

/// The MLIR of C = op(A) * op(B) with row-major operands, as a model writes
/// it: a zero-filled fresh tensor accumulates the products.
std::string buildModule(const Case &c) {
  auto dims = [](int rows, int cols) {
    return "tensor<" + std::to_string(rows) + "x" + std::to_string(cols) +
           "xf32>";
  };
  std::string a = c.transA ? dims(c.k, c.m) : dims(c.m, c.k);
  std::string b = c.transB ? dims(c.n, c.k) : dims(c.k, c.n);
  std::string out = dims(c.m, c.n);
  std::string mapA = c.transA ? "(k, m)" : "(m, k)";
  std::string mapB = c.transB ? "(n, k)" : "(k, n)";
  return "func.func @gemm(%a: " + a + ", %b: " + b + ") -> " + out +
         " {\n  %zero = arith.constant 0.0 : f32\n  %e = tensor.empty() : " +
         out + "\n  %c = linalg.fill ins(%zero : f32) outs(%e : " + out +
         ") -> " + out +
         "\n  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> " +
         mapA + ">, affine_map<(m, n, k) -> " + mapB +
         ">, affine_map<(m, n, k) -> (m, n)>] ins(%a, %b : " + a + ", " + b +
         ") outs(%c : " + out + ") -> " + out + "\n  return %r : " + out +
         "\n}\n";
}

/// C = op(A) * op(B), the textbook loops in cache-friendly order.
void plainLoop(const Case &c, const float *a, const float *b, float *out) {
  std::fill(out, out + static_cast<size_t>(c.m) * c.n, 0.0f);
  for (int i = 0; i < c.m; ++i)
    for (int p = 0; p < c.k; ++p) {
      float x = c.transA ? a[p * c.m + i] : a[i * c.k + p];
      float *row = out + i * c.n;
      if (c.transB)
        for (int j = 0; j < c.n; ++j)
          row[j] += x * b[j * c.k + p];
      else
        for (int j = 0; j < c.n; ++j)
          row[j] += x * b[p * c.n + j];
    }
}

/// `count` floats starting `misalignBytes` past a 64-byte boundary.
class Floats {
public:
  Floats(size_t count, int misalignBytes)
      : block(static_cast<float *>(std::aligned_alloc(
                  64, (count * sizeof(float) + 127) / 64 * 64)),
              std::free),
        first(block.get() + misalignBytes / sizeof(float)), count(count) {}
  float *data() { return first; }
  float *begin() { return first; }
  float *end() { return first + count; }

private:
  std::unique_ptr<float, void (*)(void *)> block;
  float *first;
  size_t count;
};

} // namespace

int main(int argc, char **argv) {
  std::string removed = restartWithPeerEnvironment(argv);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  openblas_set_num_threads(1);
  // As quantx-runner: memory freed by compiled code is kept for the next
  // call (OpenBLAS and the loop allocate nothing per call).
  bool retained = ::quantx::runtime::retainFreedMemory();

  std::printf("machine: %s, %u hardware threads; one thread used\n",
              cpuModel().c_str(), std::thread::hardware_concurrency());
  std::printf("CPU features: %s\n", cpuKernelFlags().c_str());
  std::printf("peer: %s, kernels for %s\n", openblas_get_config(),
              openblas_get_corename());
  if (!removed.empty())
    std::printf("peer environment: ignored %s (QUANTX_BENCH_PEER_ENV=keep "
                "keeps it)\n",
                removed.c_str());
  std::printf(
      "quantx: code for %lld-bit vectors\n",
      static_cast<long long>(mlir::quantx::CpuTarget::getHost().vectorBits));
  std::printf("allocator: %s\n",
              retained ? "freed memory kept for reuse (as quantx-runner)"
                       : "the C library's defaults");
  // Wait (up to 60 s) for the machine to settle before timing.
  std::printf("1-minute load average at start: %.2f\n\n",
              waitForQuietMachine());

  HostJit jit;

  std::printf("%-28s %10s %10s %10s %12s %12s %10s\n", "case", "quantx",
              "OpenBLAS", "loop", "quantx/BLAS", "quantx/loop", "max-err");
  std::printf("%-28s %10s %10s %10s\n", "", "GFLOPS", "GFLOPS", "GFLOPS");
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-1, 1);
  bool allCorrect = true;
  for (const Case &c : kCases) {
    Floats a(static_cast<size_t>(c.m) * c.k, c.misalignBytes),
        b(static_cast<size_t>(c.k) * c.n, c.misalignBytes);
    std::vector<float> out(static_cast<size_t>(c.m) * c.n), ref(out.size());
    for (float &x : a)
      x = dist(rng);
    for (float &x : b)
      x = dist(rng);

    // Code for the host's vector width, as quantx-runner generates it.
    mlir::quantx::QuantxToLLVMPipelineOptions pipelineOptions;
    pipelineOptions.vectorBits = mlir::quantx::CpuTarget::getHost().vectorBits;
    std::unique_ptr<mlir::ExecutionEngine> engine =
        jit.compile(buildModule(c), pipelineOptions, c.name);
    void *symbol =
        engine ? HostJit::lookupCInterface(*engine, "gemm", c.name) : nullptr;
    if (!symbol)
      return 1;
    auto gemm = reinterpret_cast<void (*)(
        StridedMemRefType<float, 2> *, StridedMemRefType<float, 2> *,
        StridedMemRefType<float, 2> *)>(symbol);
    auto dA = c.transA ? matrixDescriptor(a.data(), c.k, c.m)
                       : matrixDescriptor(a.data(), c.m, c.k);
    auto dB = c.transB ? matrixDescriptor(b.data(), c.n, c.k)
                       : matrixDescriptor(b.data(), c.k, c.n);
    StridedMemRefType<float, 2> result;
    // The result is a fresh buffer, freed after each call (OpenBLAS writes
    // into one it is given); the correctness call keeps a copy.
    bool keepResult = false;
    auto quantx = [&] {
      gemm(&result, &dA, &dB);
      if (keepResult)
        std::copy(result.data, result.data + out.size(), out.begin());
      std::free(result.basePtr);
    };
    auto blas = [&] {
      cblas_sgemm(CblasRowMajor, c.transA ? CblasTrans : CblasNoTrans,
                  c.transB ? CblasTrans : CblasNoTrans, c.m, c.n, c.k, 1.0f,
                  a.data(), c.transA ? c.m : c.k, b.data(),
                  c.transB ? c.k : c.n, 0.0f, ref.data(), c.n);
    };

    // Correctness: one call each from zero.
    std::fill(out.begin(), out.end(), 0.0f);
    std::fill(ref.begin(), ref.end(), 0.0f);
    keepResult = true;
    quantx();
    keepResult = false;
    blas();
    double maxErr = 0, maxRef = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      maxErr = std::max(maxErr, double(std::fabs(out[i] - ref[i])));
      maxRef = std::max(maxRef, double(std::fabs(ref[i])));
    }
    double relErr = maxErr / std::max(maxRef, 1e-30);
    bool correct = relErr < 1e-5;
    allCorrect &= correct;

    double flops = 2.0 * c.m * c.n * c.k;
    Timings t = timeRoundRobin(
        {quantx, blas, [&] { plainLoop(c, a.data(), b.data(), ref.data()); }});
    auto gflops = [&](double ms) { return flops / (ms * 1e6); };
    std::printf("%-28s %10.1f %10.1f %10.1f %11.2fx %11.2fx %10.1e%s\n", c.name,
                gflops(t.medianMs[0]), gflops(t.medianMs[1]),
                gflops(t.medianMs[2]), t.medianRatioToFirst[1],
                t.medianRatioToFirst[2], relErr, correct ? "" : "  WRONG");
  }
  return allCorrect ? 0 : 1;
}
