//===- BenchCommon.h - what the side-by-side benchmarks share ---*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The machine's description, the peers' environment, and round-robin
// timing, for the benchmarks that run quantx beside a peer library in one
// process (bench/gemm).
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_BENCH_COMMON_H
#define QUANTX_BENCH_COMMON_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace quantx::bench {

/// The model name of the first CPU, as /proc/cpuinfo gives it.
std::string cpuModel();

/// Whether the first CPU lists `flag` (avx2, avx512_vnni, ...).
bool cpuHas(const char *flag);

/// The flags among those that decide the int8 and f32 kernels (avx2, fma,
/// avx512f, avx512bw, avx512_vnni, avx_vnni, ...) the CPU has.
std::string cpuKernelFlags();

/// Restarts the process (once) with the peers at their best: OpenBLAS's
/// tuning variables dropped and its best kernel family for this CPU set
/// (it falls back to SSE3 on virtual CPUs that hide the model), and one
/// OpenMP thread (oneDNN). QUANTX_BENCH_PEER_ENV=keep keeps the
/// environment. Returns the variables it dropped ("" if none).
std::string restartWithPeerEnvironment(char **argv);

/// Waits up to 60 s for the 1-minute load average to fall below 0.5 and
/// returns it.
double waitForQuietMachine();

/// The elements where `got` and `want` differ (both of the same size).
inline size_t countMismatches(const std::vector<int32_t> &got,
                              const std::vector<int32_t> &want) {
  size_t count = 0;
  for (size_t i = 0; i < got.size(); ++i)
    count += got[i] != want[i];
  return count;
}

/// Each implementation's median time and the median over rounds of its
/// time relative to the first.
struct Timings {
  std::vector<double> medianMs;
  std::vector<double> medianRatioToFirst;
};

/// Times the implementations round-robin (three warm-up rounds, then at
/// least 7 and at most 51 rounds, about 1.5 s), so that a change in machine
/// load hits all of them alike.
Timings timeRoundRobin(const std::vector<std::function<void()>> &calls);

} // namespace quantx::bench

#endif // QUANTX_BENCH_COMMON_H
