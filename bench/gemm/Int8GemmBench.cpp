//===- Int8GemmBench.cpp - quantx int8 GEMM beside oneDNN and OpenBLAS ----===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// One process, one thread, the same operands: C = A * B with A unsigned
// 8-bit (M x K), B signed 8-bit (K x N, the weights) and C int32, computed
// by quantx's JIT-compiled linalg.quantized_matmul (weights known at
// compile time, through quantx-to-llvm with the host's int8 dot product),
// by oneDNN's dnnl_gemm_u8s8s32, by a plain C++ loop, and beside them
// OpenBLAS's sgemm on the same shape in f32. Shapes: 512^3 and the
// contractions of the Fashion-MNIST examples at batch 256 (convolutions as
// the GEMMs of their im2col). Every int8 result is checked against the
// loop: on full-range activations (0..255, where a kernel built on the
// saturating 16-bit vpmaddubsw goes wrong: oneDNN's mismatches are counted
// and printed, not hidden) and on 7-bit activations (0..127, which every
// kernel computes exactly; the timings use these). Prints GOPS (2 M N K
// operations per call, medians of round-robin rounds) and the median time
// ratios of each peer to quantx (above 1: quantx is faster).
//
//===----------------------------------------------------------------------===//

#include "../common/BenchCommon.h"
#include "../common/BenchJit.h"

#include "quantx/CodeGen/Target.h"
#include "quantx/Pipelines/Pipelines.h"
#include "quantx/Runtime/Memory.h"
#include "quantx/Runtime/Runner.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "llvm/Support/TargetSelect.h"

#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
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
  /// Weights of 4 bits (values in [-8, 7], an i4 constant for quantx).
  bool int4 = false;
};

const Case kCases[] = {
    {"512^3", 512, 512, 512},
    {"512^3 int4 weights", 512, 512, 512, true},
    {"MLP fc1 256x256x784", 256, 256, 784},
    {"MLP fc2 256x10x256", 256, 10, 256},
    {"CNN conv1 200704x16x9", 256 * 28 * 28, 16, 9},
    {"CNN conv2 50176x32x144", 256 * 14 * 14, 32, 144},
    {"CNN fc1 256x128x1568", 256, 128, 1568},
    {"CNN fc2 256x10x128", 256, 10, 128},
};

/// `count` bytes on a 64-byte boundary.
struct Bytes {
  explicit Bytes(size_t count)
      : block(static_cast<uint8_t *>(
                  std::aligned_alloc(64, (count + 63) / 64 * 64)),
              std::free),
        count(count) {}
  uint8_t *data() { return block.get(); }
  std::unique_ptr<uint8_t, void (*)(void *)> block;
  size_t count;
};

/// The MLIR of C = A * B: activations of `bits` bits (u8 stored as i8 with
/// zero point -128, as quantx-quantize stores them; u7 as i7 with -64),
/// the weights a constant (i4 for int4 cases).
std::string buildModule(const Case &c, const std::vector<int8_t> &weights,
                        unsigned bits) {
  std::string data;
  for (size_t i = 0; i < weights.size(); ++i)
    data += (i ? "," : "") + std::to_string(weights[i]);
  std::string wt = c.int4 ? "i4" : "i8";
  std::string a = "tensor<" + std::to_string(c.m) + "x" + std::to_string(c.k) +
                  "xi" + std::to_string(bits) + ">";
  std::string flat =
      "tensor<" + std::to_string(weights.size()) + "x" + wt + ">";
  std::string b = "tensor<" + std::to_string(c.k) + "x" + std::to_string(c.n) +
                  "x" + wt + ">";
  std::string out =
      "tensor<" + std::to_string(c.m) + "x" + std::to_string(c.n) + "xi32>";
  return "func.func @gemm(%a: " + a + ") -> " + out +
         " {\n  %flat = arith.constant dense<[" + data + "]> : " + flat +
         "\n  %w = tensor.expand_shape %flat [[0, 1]] output_shape [" +
         std::to_string(c.k) + ", " + std::to_string(c.n) + "] : " + flat +
         " into " + b + "\n  %za = arith.constant " +
         std::to_string(-(1 << (bits - 1))) +
         " : i32\n  %zw = arith.constant 0 : i32\n  %zero = arith.constant "
         "0 : i32\n  %e = tensor.empty() : " +
         out + "\n  %f = linalg.fill ins(%zero : i32) outs(%e : " + out +
         ") -> " + out + "\n  %r = linalg.quantized_matmul ins(%a, %w, %za, " +
         "%zw : " + a + ", " + b + ", i32, i32) outs(%f : " + out + ") -> " +
         out + "\n  return %r : " + out + "\n}\n";
}

/// C = A * B over u8 x s8 in int32, the textbook loops.
void plainLoop(const Case &c, const uint8_t *a, const int8_t *b, int32_t *out) {
  std::fill(out, out + static_cast<size_t>(c.m) * c.n, 0);
  for (int i = 0; i < c.m; ++i)
    for (int p = 0; p < c.k; ++p) {
      int32_t x = a[static_cast<size_t>(i) * c.k + p];
      int32_t *row = out + static_cast<size_t>(i) * c.n;
      const int8_t *brow = b + static_cast<size_t>(p) * c.n;
      for (int j = 0; j < c.n; ++j)
        row[j] += x * brow[j];
    }
}

} // namespace

int main(int argc, char **argv) {
  std::string removed = restartWithPeerEnvironment(argv);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  openblas_set_num_threads(1);
  bool retained = ::quantx::runtime::retainFreedMemory();
  mlir::quantx::CpuTarget host = mlir::quantx::CpuTarget::getHost();
  std::string dot = mlir::quantx::stringifyInt8Dot(host.int8Dot).str();
  if (argc > 1)
    dot = argv[1];
  if (auto parsed = mlir::quantx::parseInt8Dot(dot);
      !parsed || !mlir::quantx::CpuTarget::hostHas(*parsed)) {
    std::fprintf(stderr,
                 "int8 dot product '%s' is unknown or not on this "
                 "host\n",
                 dot.c_str());
    return 1;
  }

  std::printf("machine: %s, %u hardware threads; one thread used\n",
              cpuModel().c_str(), std::thread::hardware_concurrency());
  std::printf("CPU features: %s\n", cpuKernelFlags().c_str());
  const dnnl_version_t *version = dnnl_version();
  std::printf("peers: oneDNN %d.%d.%d (%s), dnnl_gemm_u8s8s32; OpenBLAS %s, "
              "kernels for %s (sgemm, f32)\n",
              version->major, version->minor, version->patch,
              version->cpu_runtime == DNNL_RUNTIME_OMP
                  ? "OpenMP"
                  : "sequential or other runtime",
              openblas_get_config(), openblas_get_corename());
  if (!removed.empty())
    std::printf("peer environment: ignored %s (QUANTX_BENCH_PEER_ENV=keep "
                "keeps it)\n",
                removed.c_str());
  std::printf("quantx: int8 dot product %s\n", dot.c_str());
  std::printf("allocator: %s\n",
              retained ? "freed memory kept for reuse (as quantx-runner)"
                       : "the C library's defaults");
  std::printf("1-minute load average at start: %.2f\n\n",
              waitForQuietMachine());

  HostJit jit;

  std::printf("%-22s %8s %8s %8s %8s %8s %10s %11s %9s  %s\n", "case", "quantx",
              "quantx", "oneDNN", "OpenBLAS", "loop", "oneDNN/q7",
              "OpenBLAS/q8", "loop/q8",
              "checks (quantx: every input; "
              "oneDNN: full-range u8)");
  std::printf("%-22s %8s %8s %8s %8s %8s\n", "", "u8 GOPS", "u7 GOPS",
              "u7 GOPS", "GFLOPS", "GOPS");
  std::mt19937 rng(1);
  bool allExact = true;
  // Compiles @gemm for activations of `bits` bits; null on failure.
  auto compile = [&](const Case &c, const std::vector<int8_t> &weights,
                     unsigned bits) {
    mlir::quantx::QuantxToLLVMPipelineOptions pipelineOptions;
    pipelineOptions.vectorBits = host.vectorBits;
    pipelineOptions.int8Dot = dot;
    return jit.compile(buildModule(c, weights, bits), pipelineOptions, c.name);
  };
  using GemmFn =
      void (*)(StridedMemRefType<int32_t, 2> *, StridedMemRefType<int8_t, 2> *);
  for (const Case &c : kCases) {
    size_t mk = static_cast<size_t>(c.m) * c.k,
           mn = static_cast<size_t>(c.m) * c.n;
    Bytes full(mk), seven(mk), fullCodes(mk), sevenCodes(mk);
    std::vector<int8_t> weights(static_cast<size_t>(c.k) * c.n);
    std::uniform_int_distribution<int> u8(0, 255);
    std::uniform_int_distribution<int> s8(c.int4 ? -8 : -128, c.int4 ? 7 : 127);
    for (size_t i = 0; i < mk; ++i) {
      // Runs of 255 in full-range activations: the values whose products
      // with -128 weights overflow 16 bits in pairs.
      full.data()[i] = (i / 5) % 4 == 0 ? 255 : static_cast<uint8_t>(u8(rng));
      seven.data()[i] = full.data()[i] >> 1;
      // quantx's codes: u8 as i8 with zero point -128, u7 as i7 with -64.
      fullCodes.data()[i] = full.data()[i] ^ 0x80;
      sevenCodes.data()[i] = static_cast<uint8_t>(seven.data()[i] - 64);
    }
    for (size_t i = 0; i < weights.size(); ++i)
      weights[i] = (i / 3) % 4 == 0 ? (c.int4 ? -8 : -128)
                                    : static_cast<int8_t>(s8(rng));
    std::vector<float> af(mk), bf(weights.size()), cf(mn);
    for (size_t i = 0; i < mk; ++i)
      af[i] = full.data()[i];
    for (size_t i = 0; i < weights.size(); ++i)
      bf[i] = weights[i];

    std::unique_ptr<mlir::ExecutionEngine> engine8 = compile(c, weights, 8),
                                           engine7 = compile(c, weights, 7);
    if (!engine8 || !engine7)
      return 1;
    void *gemm8 = HostJit::lookupCInterface(*engine8, "gemm", c.name);
    void *gemm7 = HostJit::lookupCInterface(*engine7, "gemm", c.name);
    if (!gemm8 || !gemm7)
      return 1;

    std::vector<int32_t> reference(mn), got(mn), dnnl(mn);
    auto runQuantx = [&](void *fn, Bytes &a, std::vector<int32_t> *keep) {
      StridedMemRefType<int8_t, 2> dA =
          matrixDescriptor(reinterpret_cast<int8_t *>(a.data()), c.m, c.k);
      StridedMemRefType<int32_t, 2> result;
      reinterpret_cast<GemmFn>(fn)(&result, &dA);
      if (keep)
        std::copy(result.data, result.data + mn, keep->begin());
      std::free(result.basePtr);
    };
    const int32_t zeroOffset = 0;
    auto runDnnl = [&](Bytes &a) {
      dnnl_gemm_u8s8s32('N', 'N', 'F', c.m, c.n, c.k, 1.0f, a.data(), c.k, 0,
                        weights.data(), c.n, 0, 0.0f, dnnl.data(), c.n,
                        &zeroOffset);
    };

    // Checks: full-range activations, then 7-bit ones.
    plainLoop(c, full.data(), weights.data(), reference.data());
    runQuantx(gemm8, fullCodes, &got);
    size_t quantxWrong = countMismatches(got, reference);
    runDnnl(full);
    size_t dnnlFull = countMismatches(dnnl, reference);
    plainLoop(c, seven.data(), weights.data(), reference.data());
    runQuantx(gemm7, sevenCodes, &got);
    quantxWrong += countMismatches(got, reference);
    runDnnl(seven);
    size_t dnnlSeven = countMismatches(dnnl, reference);
    allExact &= quantxWrong == 0;

    std::vector<int32_t> loopOut(mn);
    Timings t = timeRoundRobin({
        [&] { runQuantx(gemm8, fullCodes, nullptr); },
        [&] { runQuantx(gemm7, sevenCodes, nullptr); },
        [&] { runDnnl(seven); },
        [&] {
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c.m, c.n, c.k,
                      1.0f, af.data(), c.k, bf.data(), c.n, 0.0f, cf.data(),
                      c.n);
        },
        [&] { plainLoop(c, full.data(), weights.data(), loopOut.data()); },
    });
    double ops = 2.0 * c.m * c.n * c.k;
    auto gops = [&](double ms) { return ops / (ms * 1e6); };
    // Ratios to quantx u7 from the per-round ratios to quantx u8.
    double toSeven = t.medianRatioToFirst[1];
    char checks[160];
    std::snprintf(checks, sizeof(checks),
                  "quantx %zu wrong%s; oneDNN %zu of %zu wrong%s", quantxWrong,
                  quantxWrong ? " (WRONG)" : "", dnnlFull, mn,
                  dnnlSeven ? " (and wrong on 7-bit inputs)" : "");
    std::printf("%-22s %8.1f %8.1f %8.1f %8.1f %8.1f %9.2fx %10.2fx %8.2fx  "
                "%s\n",
                c.name, gops(t.medianMs[0]), gops(t.medianMs[1]),
                gops(t.medianMs[2]), gops(t.medianMs[3]), gops(t.medianMs[4]),
                t.medianRatioToFirst[2] / toSeven, t.medianRatioToFirst[3],
                t.medianRatioToFirst[4], checks);
  }
  std::printf("\n(ratios: the peer's time over quantx's; above 1, quantx is "
              "faster. q8: quantx on u8 activations (i8 codes, any value); "
              "q7: on u7 activations (i7 codes), which oneDNN computes "
              "exactly on every CPU and quantx may multiply as bytes; "
              "oneDNN timed on the same 7-bit values, OpenBLAS and the loop "
              "on the u8 ones.)\n");
  return allExact ? 0 : 1;
}
