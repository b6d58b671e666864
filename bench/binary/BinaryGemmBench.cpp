//===- BinaryGemmBench.cpp - quantx XNOR-popcount GEMM beside peers -------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// One process, one thread, the same operands: the binary product
// C[m, n] = K - 2 popcount(A[m] xor B[n]) of M activation rows and N weight
// rows of K signs packed 64 per word, computed by quantx's JIT-compiled
// quantx.binary_matmul (weights known at compile time, through
// quantx-to-llvm for the host), by a hand-written AVX2 kernel kept here as
// the reference (2 x 4 rows register-blocked, the vpshufb nibble popcount
// accumulated in bytes, vpsadbw every 8 steps), by a plain C++ loop over the
// words, and beside them OpenBLAS's sgemm on the same logical shape in f32
// (M x K times K x N). Every binary result is checked against the loop, and
// the loop against +-1 float sums on sampled outputs. Prints GOPS (2 M N K
// logical operations per call, medians of round-robin rounds) and the
// median time ratios of each peer to quantx (above 1: quantx is faster).
// Then the ternary products (quantx.ternary_matmul) and the products of
// float activations by packed weights (quantx.sign_matmul, BinaryConnect)
// beside OpenBLAS on the same values. An argument runs only the cases
// whose name contains it.
//
//===----------------------------------------------------------------------===//

#include "../common/BenchCommon.h"
#include "../common/BenchJit.h"

#include "quantx/CodeGen/Target.h"
#include "quantx/Numerics/Binary.h"
#include "quantx/Pipelines/Pipelines.h"
#include "quantx/Runtime/Memory.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "llvm/Support/TargetSelect.h"

#include <cblas.h>
#include <immintrin.h>

#include <bitset>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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
};

const Case kCases[] = {
    {"512x512x4096", 512, 512, 4096},
    {"512x512x1000", 512, 512, 1000},
    {"BNN fc 256x128x1568", 256, 128, 1568},
    {"BNN conv2 50176x32x144", 256 * 14 * 14, 32, 144},
    {"digits BNN 256x128x128", 256, 128, 128},
};

/// 64-byte aligned words.
struct Words {
  explicit Words(size_t count)
      : block(static_cast<uint64_t *>(
                  std::aligned_alloc(64, (count * 8 + 63) / 64 * 64)),
              std::free) {
    std::memset(block.get(), 0, (count * 8 + 63) / 64 * 64);
  }
  uint64_t *data() { return block.get(); }
  std::unique_ptr<uint64_t, void (*)(void *)> block;
};

std::string buildModule(const Case &c, const uint64_t *weights, int words) {
  std::string data;
  for (int r = 0; r < c.n; ++r) {
    data += r ? ", [" : "[";
    for (int w = 0; w < words; ++w)
      data += (w ? ", " : "") +
              std::to_string(static_cast<int64_t>(weights[r * words + w]));
    data += "]";
  }
  std::string a =
      "tensor<" + std::to_string(c.m) + "x" + std::to_string(words) + "xi64>";
  std::string b =
      "tensor<" + std::to_string(c.n) + "x" + std::to_string(words) + "xi64>";
  std::string out =
      "tensor<" + std::to_string(c.m) + "x" + std::to_string(c.n) + "xi32>";
  return "func.func @gemm(%a: " + a + ") -> " + out +
         " {\n  %w = arith.constant dense<[" + data + "]> : " + b +
         "\n  %r = quantx.binary_matmul %a, %w k " + std::to_string(c.k) +
         " : " + a + ", " + b + " -> " + out + "\n  return %r : " + out +
         "\n}\n";
}

/// The plain loop: words XORed and counted one by one.
void plainLoop(const Case &c, int words, const uint64_t *a, const uint64_t *b,
               int32_t *out) {
  for (int i = 0; i < c.m; ++i)
    for (int j = 0; j < c.n; ++j) {
      int64_t differ = 0;
      for (int w = 0; w < words; ++w)
        differ += std::bitset<64>(a[static_cast<size_t>(i) * words + w] ^
                                  b[static_cast<size_t>(j) * words + w])
                      .count();
      out[static_cast<size_t>(i) * c.n + j] =
          static_cast<int32_t>(c.k - 2 * differ);
    }
}

/// A ternary product's case: which side is ternary (the other binary).
struct TernaryCase {
  const char *name;
  int m, n, k;
  bool lhsTernary;
};

const TernaryCase kTernaryCases[] = {
    {"TWN 512x512x4096", 512, 512, 4096, false},
    {"ternary 512x512x4096", 512, 512, 4096, true},
    {"TWN digits 256x128x128", 256, 128, 128, false},
};

/// A product of float activations by packed weights (quantx.sign_matmul:
/// BinaryConnect, or TWN weights with float activations).
struct SignCase {
  const char *name;
  int m, n, k;
  bool ternary;
};

const SignCase kSignCases[] = {
    {"BinaryConnect 512x512x4096", 512, 512, 4096, false},
    {"TWN float 512x512x4096", 512, 512, 4096, true},
    {"BC digits 256x64x64", 256, 64, 64, false},
};

/// quantx.sign_matmul of f32 activations by constant packed weights
/// `packed` (N x W, or N x 2 x W for ternary weights).
std::string buildSignModule(const SignCase &c, const uint64_t *packed,
                            int words) {
  int planes = c.ternary ? 2 : 1;
  std::string data;
  for (int r = 0; r < c.n; ++r) {
    data += r ? ", [" : "[";
    for (int p = 0; p < planes; ++p) {
      if (c.ternary)
        data += p ? ", [" : "[";
      for (int w = 0; w < words; ++w)
        data += (w ? ", " : "") +
                std::to_string(static_cast<int64_t>(
                    packed[(static_cast<size_t>(r) * planes + p) * words + w]));
      if (c.ternary)
        data += "]";
    }
    data += "]";
  }
  std::string ws = std::to_string(words), ns = std::to_string(c.n);
  std::string x =
      "tensor<" + std::to_string(c.m) + "x" + std::to_string(c.k) + "xf32>";
  std::string w = c.ternary ? "tensor<" + ns + "x2x" + ws + "xi64>"
                            : "tensor<" + ns + "x" + ws + "xi64>";
  std::string out = "tensor<" + std::to_string(c.m) + "x" + ns + "xf32>";
  return "func.func @gemm(%x: " + x + ") -> " + out +
         " {\n  %w = arith.constant dense<[" + data + "]> : " + w +
         "\n  %r = quantx.sign_matmul %x, %w : " + x + ", " + w + " -> " + out +
         "\n  return %r : " + out + "\n}\n";
}

/// The plain loop of a signed product: numerics::signedSum per output.
void signLoop(const SignCase &c, int words, const float *x,
              const uint64_t *packed, float *out) {
  size_t row = static_cast<size_t>(words) * (c.ternary ? 2 : 1);
  for (int i = 0; i < c.m; ++i)
    for (int j = 0; j < c.n; ++j)
      out[static_cast<size_t>(i) * c.n + j] = ::quantx::numerics::signedSum(
          x + static_cast<size_t>(i) * c.k, packed + j * row, c.ternary, c.k);
}

/// quantx.ternary_matmul of the activations (signs, or ternary planes) by
/// constant ternary weights `planes` (N x 2 x W).
std::string buildTernaryModule(const TernaryCase &c, const uint64_t *planes,
                               int words) {
  std::string data;
  for (int r = 0; r < c.n; ++r) {
    data += r ? ", [" : "[";
    for (int plane = 0; plane < 2; ++plane) {
      data += plane ? ", [" : "[";
      for (int w = 0; w < words; ++w)
        data += (w ? ", " : "") +
                std::to_string(static_cast<int64_t>(
                    planes[(static_cast<size_t>(r) * 2 + plane) * words + w]));
      data += "]";
    }
    data += "]";
  }
  std::string ws = std::to_string(words);
  std::string a = "tensor<" + std::to_string(c.m) +
                  (c.lhsTernary ? "x2x" : "x") + ws + "xi64>";
  std::string b = "tensor<" + std::to_string(c.n) + "x2x" + ws + "xi64>";
  std::string out =
      "tensor<" + std::to_string(c.m) + "x" + std::to_string(c.n) + "xi32>";
  return "func.func @gemm(%a: " + a + ") -> " + out +
         " {\n  %w = arith.constant dense<[" + data + "]> : " + b +
         "\n  %r = quantx.ternary_matmul %a, %w k " + std::to_string(c.k) +
         " : " + a + ", " + b + " -> " + out + "\n  return %r : " + out +
         "\n}\n";
}

/// The plain loop of a ternary product: numerics::ternaryDot per output.
void ternaryLoop(const TernaryCase &c, int words, const uint64_t *a,
                 const uint64_t *b, int32_t *out) {
  size_t aRow = static_cast<size_t>(words) * (c.lhsTernary ? 2 : 1);
  for (int i = 0; i < c.m; ++i)
    for (int j = 0; j < c.n; ++j)
      out[static_cast<size_t>(i) * c.n + j] =
          static_cast<int32_t>(::quantx::numerics::ternaryDot(
              a + i * aRow, c.lhsTernary,
              b + static_cast<size_t>(j) * 2 * words, true, c.k));
}

/// The bit counts of the 32 bytes of `x`: two nibble lookups (vpshufb).
__attribute__((target("avx2"), always_inline)) inline __m256i
countBytes(__m256i x) {
  const __m256i lookup =
      _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1,
                       2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  __m256i lo = _mm256_shuffle_epi8(lookup, _mm256_and_si256(x, low));
  __m256i hi = _mm256_shuffle_epi8(
      lookup, _mm256_and_si256(_mm256_srli_epi16(x, 4), low));
  return _mm256_add_epi8(lo, hi);
}

/// The hand-written AVX2 reference: rows padded to whole 256-bit vectors
/// (`stride` words, zeros past K), 2 activation rows by 4 weight rows of
/// byte-count accumulators, widened by vpsadbw every 8 steps (a byte holds
/// at most 8 x 8 = 64 counts per round of 8).
__attribute__((target("avx2"))) void referenceAvx2(const Case &c, int stride,
                                                   const uint64_t *a,
                                                   const uint64_t *b,
                                                   int32_t *out) {
  int steps = stride / 4;
  for (int i = 0; i < c.m; i += 2)
    for (int j = 0; j < c.n; j += 4) {
      int rows = std::min(2, c.m - i), cols = std::min(4, c.n - j);
      __m256i total[2][4];
      for (auto &row : total)
        for (__m256i &t : row)
          t = _mm256_setzero_si256();
      for (int s0 = 0; s0 < steps; s0 += 8) {
        __m256i bytes[2][4];
        for (auto &row : bytes)
          for (__m256i &t : row)
            t = _mm256_setzero_si256();
        for (int s = s0; s < std::min(steps, s0 + 8); ++s) {
          __m256i av[2], bv[4];
          for (int r = 0; r < 2; ++r)
            av[r] = _mm256_load_si256(reinterpret_cast<const __m256i *>(
                a + static_cast<size_t>(std::min(i + r, c.m - 1)) * stride +
                4 * s));
          for (int q = 0; q < 4; ++q)
            bv[q] = _mm256_load_si256(reinterpret_cast<const __m256i *>(
                b + static_cast<size_t>(std::min(j + q, c.n - 1)) * stride +
                4 * s));
          for (int r = 0; r < 2; ++r)
            for (int q = 0; q < 4; ++q)
              bytes[r][q] = _mm256_add_epi8(
                  bytes[r][q], countBytes(_mm256_xor_si256(av[r], bv[q])));
        }
        for (int r = 0; r < 2; ++r)
          for (int q = 0; q < 4; ++q)
            total[r][q] = _mm256_add_epi64(
                total[r][q],
                _mm256_sad_epu8(bytes[r][q], _mm256_setzero_si256()));
      }
      for (int r = 0; r < rows; ++r)
        for (int q = 0; q < cols; ++q) {
          alignas(32) int64_t lanes[4];
          _mm256_store_si256(reinterpret_cast<__m256i *>(lanes), total[r][q]);
          int64_t differ = lanes[0] + lanes[1] + lanes[2] + lanes[3];
          out[static_cast<size_t>(i + r) * c.n + j + q] =
              static_cast<int32_t>(c.k - 2 * differ);
        }
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
  bool avx2 = cpuHas("avx2");
  std::printf("machine: %s, %u hardware threads; one thread used\n",
              cpuModel().c_str(), std::thread::hardware_concurrency());
  std::printf("CPU features: %s\n", cpuKernelFlags().c_str());
  std::printf("peers: the hand-written AVX2 reference kernel (%s); OpenBLAS "
              "%s, kernels for %s (sgemm, f32, same logical M, N, K)\n",
              avx2 ? "run" : "skipped: no AVX2", openblas_get_config(),
              openblas_get_corename());
  if (!removed.empty())
    std::printf("peer environment: ignored %s (QUANTX_BENCH_PEER_ENV=keep "
                "keeps it)\n",
                removed.c_str());
  std::printf("quantx: %d-bit vectors%s\n", static_cast<int>(host.vectorBits),
              host.vpopcntdq ? ", vpopcntq" : "");
  std::printf("allocator: %s\n",
              retained ? "freed memory kept for reuse (as quantx-runner)"
                       : "the C library's defaults");
  std::printf("1-minute load average at start: %.2f\n\n",
              waitForQuietMachine());
  // An argument: run only the cases whose name contains it.
  std::string only = argc > 1 ? argv[1] : "";
  auto selected = [&](const char *name) {
    return std::string(name).find(only) != std::string::npos;
  };

  HostJit jit;
  std::printf("%-24s %9s %9s %9s %9s %8s %10s %9s  %s\n", "case", "quantx",
              "reference", "OpenBLAS", "loop", "ref/q", "OpenBLAS/q", "loop/q",
              "checks");
  std::printf("%-24s %9s %9s %9s %9s\n", "", "GOPS", "GOPS", "GFLOPS", "GOPS");
  std::mt19937_64 rng(1);
  bool allExact = true;
  for (const Case &c : kCases) {
    if (!selected(c.name))
      continue;
    int words = (c.k + 63) / 64;
    int stride = (words + 3) / 4 * 4;
    size_t mw = static_cast<size_t>(c.m) * words,
           nw = static_cast<size_t>(c.n) * words,
           mn = static_cast<size_t>(c.m) * c.n;
    // Signs packed with zeros past K, as quantx.pack_signs leaves them.
    auto randomRow = [&](uint64_t *row) {
      for (int w = 0; w < words; ++w) {
        row[w] = rng();
        int valid = std::min(64, c.k - 64 * w);
        if (valid < 64)
          row[w] &= (uint64_t(1) << valid) - 1;
      }
    };
    Words a(mw), b(nw), aPadded(static_cast<size_t>(c.m) * stride),
        bPadded(static_cast<size_t>(c.n) * stride);
    for (int i = 0; i < c.m; ++i) {
      randomRow(a.data() + static_cast<size_t>(i) * words);
      std::memcpy(aPadded.data() + static_cast<size_t>(i) * stride,
                  a.data() + static_cast<size_t>(i) * words, words * 8);
    }
    for (int j = 0; j < c.n; ++j) {
      randomRow(b.data() + static_cast<size_t>(j) * words);
      std::memcpy(bPadded.data() + static_cast<size_t>(j) * stride,
                  b.data() + static_cast<size_t>(j) * words, words * 8);
    }
    // The f32 operands of OpenBLAS: the same signs as +-1.
    std::vector<float> af(static_cast<size_t>(c.m) * c.k),
        bf(static_cast<size_t>(c.k) * c.n), cf(mn);
    for (int i = 0; i < c.m; ++i)
      for (int p = 0; p < c.k; ++p)
        af[static_cast<size_t>(i) * c.k + p] =
            (a.data()[static_cast<size_t>(i) * words + p / 64] >> (p % 64)) & 1
                ? 1.0f
                : -1.0f;
    for (int j = 0; j < c.n; ++j)
      for (int p = 0; p < c.k; ++p)
        bf[static_cast<size_t>(p) * c.n + j] =
            (b.data()[static_cast<size_t>(j) * words + p / 64] >> (p % 64)) & 1
                ? 1.0f
                : -1.0f;

    mlir::quantx::QuantxToLLVMPipelineOptions options;
    options.vectorBits = host.vectorBits;
    options.vpopcntdq = host.vpopcntdq && host.vectorBits == 512;
    std::unique_ptr<mlir::ExecutionEngine> engine =
        jit.compile(buildModule(c, b.data(), words), options, c.name);
    if (!engine)
      return 1;
    void *gemm = HostJit::lookupCInterface(*engine, "gemm", c.name);
    if (!gemm)
      return 1;
    using GemmFn = void (*)(StridedMemRefType<int32_t, 2> *,
                            StridedMemRefType<int64_t, 2> *);
    auto runQuantx = [&](std::vector<int32_t> *keep) {
      StridedMemRefType<int64_t, 2> dA =
          matrixDescriptor(reinterpret_cast<int64_t *>(a.data()), c.m, words);
      StridedMemRefType<int32_t, 2> result;
      reinterpret_cast<GemmFn>(gemm)(&result, &dA);
      if (keep)
        std::copy(result.data, result.data + mn, keep->begin());
      std::free(result.basePtr);
    };

    std::vector<int32_t> reference(mn), got(mn), handWritten(mn);
    plainLoop(c, words, a.data(), b.data(), reference.data());
    // The loop against +-1 float sums, on sampled outputs.
    size_t loopWrong = 0;
    for (size_t s = 0; s < 64; ++s) {
      size_t i = rng() % c.m, j = rng() % c.n;
      int64_t sum = 0;
      for (int p = 0; p < c.k; ++p)
        sum += static_cast<int64_t>(af[i * c.k + p] * bf[p * c.n + j]);
      loopWrong += sum != reference[i * c.n + j];
    }
    runQuantx(&got);
    size_t quantxWrong = countMismatches(got, reference);
    size_t referenceWrong = 0;
    if (avx2) {
      referenceAvx2(c, stride, aPadded.data(), bPadded.data(),
                    handWritten.data());
      referenceWrong = countMismatches(handWritten, reference);
    }
    allExact &= quantxWrong == 0 && loopWrong == 0 && referenceWrong == 0;

    std::vector<int32_t> loopOut(mn);
    std::vector<std::function<void()>> calls = {
        [&] { runQuantx(nullptr); },
        [&] {
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c.m, c.n, c.k,
                      1.0f, af.data(), c.k, bf.data(), c.n, 0.0f, cf.data(),
                      c.n);
        },
        [&] { plainLoop(c, words, a.data(), b.data(), loopOut.data()); },
    };
    if (avx2)
      calls.push_back([&] {
        referenceAvx2(c, stride, aPadded.data(), bPadded.data(),
                      handWritten.data());
      });
    Timings t = timeRoundRobin(calls);
    double ops = 2.0 * c.m * c.n * c.k;
    auto gops = [&](double ms) { return ops / (ms * 1e6); };
    char checks[160];
    std::snprintf(checks, sizeof(checks),
                  "quantx %zu wrong, reference %zu wrong, loop %zu of 64 "
                  "sampled wrong%s",
                  quantxWrong, referenceWrong, loopWrong,
                  quantxWrong || referenceWrong || loopWrong ? " (WRONG)" : "");
    std::printf("%-24s %9.1f %9.1f %9.1f %9.1f %7.2fx %9.2fx %8.2fx  %s\n",
                c.name, gops(t.medianMs[0]), avx2 ? gops(t.medianMs[3]) : 0.0,
                gops(t.medianMs[1]), gops(t.medianMs[2]),
                avx2 ? t.medianRatioToFirst[3] : 0.0, t.medianRatioToFirst[1],
                t.medianRatioToFirst[2], checks);
  }
  std::printf("\n(GOPS: 2 M N K logical operations per call. Ratios: the "
              "peer's time over quantx's; above 1, quantx is faster. "
              "OpenBLAS multiplies the same signs as f32 +-1.)\n");

  // Ternary products: sign activations by ternary weights (TWN) and
  // ternary by ternary, against OpenBLAS on the same -1, 0, +1 values as
  // f32 and the plain loop over words.
  std::printf("\n%-24s %9s %9s %9s %10s %9s  %s\n", "ternary case", "quantx",
              "OpenBLAS", "loop", "OpenBLAS/q", "loop/q", "checks");
  std::printf("%-24s %9s %9s %9s\n", "", "GOPS", "GFLOPS", "GOPS");
  for (const TernaryCase &c : kTernaryCases) {
    if (!selected(c.name))
      continue;
    int words = (c.k + 63) / 64;
    size_t mn = static_cast<size_t>(c.m) * c.n;
    // Random codes -1, 0, +1 (binary activations: -1, +1), packed.
    auto randomCodes = [&](int count, bool ternary) {
      std::vector<int64_t> codes(count);
      for (int64_t &code : codes)
        code = ternary ? static_cast<int64_t>(rng() % 3) - 1
                       : static_cast<int64_t>(rng() & 1);
      return codes;
    };
    size_t aRow = static_cast<size_t>(words) * (c.lhsTernary ? 2 : 1);
    Words a(c.m * aRow), b(static_cast<size_t>(c.n) * 2 * words);
    std::vector<float> af(static_cast<size_t>(c.m) * c.k),
        bf(static_cast<size_t>(c.k) * c.n), cf(mn);
    for (int i = 0; i < c.m; ++i) {
      std::vector<int64_t> codes = randomCodes(c.k, c.lhsTernary);
      std::vector<uint64_t> packed =
          c.lhsTernary ? ::quantx::numerics::packTernaryCodes(codes.data(), c.k)
                       : ::quantx::numerics::packSignCodes(codes.data(), c.k);
      std::memcpy(a.data() + i * aRow, packed.data(), packed.size() * 8);
      for (int p = 0; p < c.k; ++p)
        af[static_cast<size_t>(i) * c.k + p] =
            c.lhsTernary ? static_cast<float>(codes[p])
                         : (codes[p] ? 1.0f : -1.0f);
    }
    for (int j = 0; j < c.n; ++j) {
      std::vector<int64_t> codes = randomCodes(c.k, true);
      std::vector<uint64_t> packed =
          ::quantx::numerics::packTernaryCodes(codes.data(), c.k);
      std::memcpy(b.data() + static_cast<size_t>(j) * 2 * words, packed.data(),
                  packed.size() * 8);
      for (int p = 0; p < c.k; ++p)
        bf[static_cast<size_t>(p) * c.n + j] = static_cast<float>(codes[p]);
    }
    mlir::quantx::QuantxToLLVMPipelineOptions options;
    options.vectorBits = host.vectorBits;
    options.vpopcntdq = host.vpopcntdq && host.vectorBits == 512;
    std::unique_ptr<mlir::ExecutionEngine> engine =
        jit.compile(buildTernaryModule(c, b.data(), words), options, c.name);
    if (!engine)
      return 1;
    void *gemm = HostJit::lookupCInterface(*engine, "gemm", c.name);
    if (!gemm)
      return 1;
    auto runQuantx = [&](std::vector<int32_t> *keep) {
      StridedMemRefType<int32_t, 2> result;
      if (c.lhsTernary) {
        StridedMemRefType<int64_t, 3> dA;
        dA.basePtr = dA.data = reinterpret_cast<int64_t *>(a.data());
        dA.offset = 0;
        dA.sizes[0] = c.m;
        dA.sizes[1] = 2;
        dA.sizes[2] = words;
        dA.strides[0] = 2 * words;
        dA.strides[1] = words;
        dA.strides[2] = 1;
        reinterpret_cast<void (*)(StridedMemRefType<int32_t, 2> *,
                                  StridedMemRefType<int64_t, 3> *)>(gemm)(
            &result, &dA);
      } else {
        StridedMemRefType<int64_t, 2> dA =
            matrixDescriptor(reinterpret_cast<int64_t *>(a.data()), c.m, words);
        reinterpret_cast<void (*)(StridedMemRefType<int32_t, 2> *,
                                  StridedMemRefType<int64_t, 2> *)>(gemm)(
            &result, &dA);
      }
      if (keep)
        std::copy(result.data, result.data + mn, keep->begin());
      std::free(result.basePtr);
    };
    std::vector<int32_t> reference(mn), got(mn), loopOut(mn);
    ternaryLoop(c, words, a.data(), b.data(), reference.data());
    size_t loopWrong = 0;
    for (size_t s = 0; s < 64; ++s) {
      size_t i = rng() % c.m, j = rng() % c.n;
      int64_t sum = 0;
      for (int p = 0; p < c.k; ++p)
        sum += static_cast<int64_t>(af[i * c.k + p] * bf[p * c.n + j]);
      loopWrong += sum != reference[i * c.n + j];
    }
    runQuantx(&got);
    size_t quantxWrong = countMismatches(got, reference);
    allExact &= quantxWrong == 0 && loopWrong == 0;
    Timings t = timeRoundRobin({
        [&] { runQuantx(nullptr); },
        [&] {
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c.m, c.n, c.k,
                      1.0f, af.data(), c.k, bf.data(), c.n, 0.0f, cf.data(),
                      c.n);
        },
        [&] { ternaryLoop(c, words, a.data(), b.data(), loopOut.data()); },
    });
    double ops = 2.0 * c.m * c.n * c.k;
    auto gops = [&](double ms) { return ops / (ms * 1e6); };
    char checks[160];
    std::snprintf(checks, sizeof(checks),
                  "quantx %zu wrong, loop %zu of 64 sampled wrong%s",
                  quantxWrong, loopWrong,
                  quantxWrong || loopWrong ? " (WRONG)" : "");
    std::printf("%-24s %9.1f %9.1f %9.1f %9.2fx %8.2fx  %s\n", c.name,
                gops(t.medianMs[0]), gops(t.medianMs[1]), gops(t.medianMs[2]),
                t.medianRatioToFirst[1], t.medianRatioToFirst[2], checks);
  }
  std::printf("\n(TWN: sign activations by ternary weights; ternary: "
              "ternary by ternary. OpenBLAS multiplies the same -1, 0, +1 "
              "values as f32.)\n");

  // Float activations by packed weights: additions and subtractions in
  // quantx, multiplications by the same -1, 0, +1 weights in OpenBLAS.
  std::printf("\n%-26s %9s %9s %10s  %s\n", "float activations", "quantx",
              "OpenBLAS", "OpenBLAS/q", "checks");
  std::printf("%-26s %9s %9s\n", "", "GFLOPS", "GFLOPS");
  for (const SignCase &c : kSignCases) {
    if (!selected(c.name))
      continue;
    int words = (c.k + 63) / 64;
    size_t mn = static_cast<size_t>(c.m) * c.n;
    size_t row = static_cast<size_t>(words) * (c.ternary ? 2 : 1);
    std::normal_distribution<float> normal;
    std::vector<float> x(static_cast<size_t>(c.m) * c.k),
        bf(static_cast<size_t>(c.k) * c.n), cf(mn);
    for (float &v : x)
      v = normal(rng);
    std::vector<uint64_t> packed(c.n * row);
    for (int j = 0; j < c.n; ++j) {
      std::vector<int64_t> codes(c.k);
      for (int64_t &code : codes)
        code = c.ternary ? static_cast<int64_t>(rng() % 3) - 1
                         : static_cast<int64_t>(rng() & 1);
      std::vector<uint64_t> p =
          c.ternary ? ::quantx::numerics::packTernaryCodes(codes.data(), c.k)
                    : ::quantx::numerics::packSignCodes(codes.data(), c.k);
      std::copy(p.begin(), p.end(), packed.begin() + j * row);
      for (int q = 0; q < c.k; ++q)
        bf[static_cast<size_t>(q) * c.n + j] =
            c.ternary ? static_cast<float>(codes[q])
                      : (codes[q] ? 1.0f : -1.0f);
    }
    mlir::quantx::QuantxToLLVMPipelineOptions options;
    options.vectorBits = host.vectorBits;
    std::unique_ptr<mlir::ExecutionEngine> engine =
        jit.compile(buildSignModule(c, packed.data(), words), options, c.name);
    if (!engine)
      return 1;
    void *gemm = HostJit::lookupCInterface(*engine, "gemm", c.name);
    if (!gemm)
      return 1;
    auto runQuantx = [&](std::vector<float> *keep) {
      StridedMemRefType<float, 2> result;
      StridedMemRefType<float, 2> dX = matrixDescriptor(x.data(), c.m, c.k);
      reinterpret_cast<void (*)(StridedMemRefType<float, 2> *,
                                StridedMemRefType<float, 2> *)>(gemm)(&result,
                                                                      &dX);
      if (keep)
        std::copy(result.data, result.data + mn, keep->begin());
      std::free(result.basePtr);
    };
    // quantx's sums are the loop's bit for bit (the same additions in the
    // same order); OpenBLAS's differ by their rounding only.
    std::vector<float> reference(mn), got(mn);
    signLoop(c, words, x.data(), packed.data(), reference.data());
    runQuantx(&got);
    size_t quantxWrong = 0;
    for (size_t i = 0; i < mn; ++i)
      quantxWrong += std::memcmp(&got[i], &reference[i], 4) != 0;
    allExact &= quantxWrong == 0;
    Timings t = timeRoundRobin({
        [&] { runQuantx(nullptr); },
        [&] {
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c.m, c.n, c.k,
                      1.0f, x.data(), c.k, bf.data(), c.n, 0.0f, cf.data(),
                      c.n);
        },
    });
    double flops = 2.0 * c.m * c.n * c.k;
    auto gflops = [&](double ms) { return flops / (ms * 1e6); };
    char checks[96];
    std::snprintf(checks, sizeof(checks),
                  "quantx %zu of %zu differ from the loop's bits%s",
                  quantxWrong, mn, quantxWrong ? " (WRONG)" : "");
    std::printf("%-26s %9.1f %9.1f %9.2fx  %s\n", c.name, gflops(t.medianMs[0]),
                gflops(t.medianMs[1]), t.medianRatioToFirst[1], checks);
  }
  std::printf("\n(Float activations: quantx adds or subtracts each "
              "activation by its weight's bit, no multiply; OpenBLAS "
              "multiplies by the same -1, 0, +1 weights as f32. GFLOPS: "
              "2 M N K per call. The plain loop, numerics::signedSum per "
              "output, checks every result and is not timed.)\n");
  return allExact ? 0 : 1;
}
