//===- BenchCommon.cpp - what the side-by-side benchmarks share -----------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "BenchCommon.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <unistd.h>

using namespace quantx::bench;

namespace {

std::string cpuInfoLine(const char *key) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind(key, 0) == 0)
      return line.substr(line.find(':') + 1);
  return "";
}

/// The OpenBLAS kernel family this CPU can run best.
const char *bestOpenBlasCore() {
  if (cpuHas("avx512f") && cpuHas("avx512bw") && cpuHas("avx512vl") &&
      cpuHas("avx512dq") && cpuHas("avx512cd"))
    return "SkylakeX";
  if (cpuHas("avx2") && cpuHas("fma"))
    return "Haswell";
  return nullptr;
}

double loadAverage() {
  std::ifstream file("/proc/loadavg");
  double load = 0;
  file >> load;
  return load;
}

double msOf(const std::function<void()> &call) {
  auto start = std::chrono::steady_clock::now();
  call();
  auto end = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::milli>(end - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

} // namespace

std::string quantx::bench::cpuModel() {
  std::string model = cpuInfoLine("model name");
  return model.empty() ? "unknown" : model.substr(1);
}

bool quantx::bench::cpuHas(const char *flag) {
  std::string flags = cpuInfoLine("flags") + " ";
  return flags.find(std::string(" ") + flag + " ") != std::string::npos;
}

std::string quantx::bench::cpuKernelFlags() {
  std::string result;
  for (const char *flag : {"sse4_2", "avx", "avx2", "fma", "f16c", "avx512f",
                           "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni",
                           "avx512_bf16", "avx512_vpopcntdq", "amx_int8"})
    if (cpuHas(flag))
      result += (result.empty() ? "" : " ") + std::string(flag);
  return result;
}

std::string quantx::bench::restartWithPeerEnvironment(char **argv) {
  if (const char *done = std::getenv("QUANTX_BENCH_PEER_ENV_SET"))
    return std::string(done) == "-" ? "" : done;
  const char *peerEnv = std::getenv("QUANTX_BENCH_PEER_ENV");
  if (peerEnv && std::string(peerEnv) == "keep")
    return "";
  std::string removed;
  std::vector<std::string> names;
  for (char **var = environ; *var; ++var) {
    std::string entry(*var);
    std::string name = entry.substr(0, entry.find('='));
    if (name.rfind("OPENBLAS_", 0) == 0 && name != "OPENBLAS_NUM_THREADS") {
      names.push_back(name);
      removed += (removed.empty() ? "" : " ") + entry;
    }
  }
  for (const std::string &name : names)
    unsetenv(name.c_str());
  if (const char *core = bestOpenBlasCore())
    setenv("OPENBLAS_CORETYPE", core, 1);
  setenv("OMP_NUM_THREADS", "1", 1);
  setenv("QUANTX_BENCH_PEER_ENV_SET", removed.empty() ? "-" : removed.c_str(),
         1);
  execv("/proc/self/exe", argv);
  // Still here: the peers keep the settings they loaded with.
  std::perror("restarting with the peers' environment");
  return removed;
}

double quantx::bench::waitForQuietMachine() {
  for (int i = 0; i < 60 && loadAverage() > 0.5; ++i)
    std::this_thread::sleep_for(std::chrono::seconds(1));
  return loadAverage();
}

Timings
quantx::bench::timeRoundRobin(const std::vector<std::function<void()>> &calls) {
  for (int i = 0; i < 3; ++i)
    for (const auto &call : calls)
      call();
  std::vector<std::vector<double>> ms(calls.size()), ratios(calls.size());
  auto begin = std::chrono::steady_clock::now();
  size_t rounds = 0;
  while (rounds < 7 ||
         (rounds < 51 && std::chrono::steady_clock::now() - begin <
                             std::chrono::milliseconds(1500))) {
    std::vector<double> round;
    for (const auto &call : calls)
      round.push_back(msOf(call));
    for (size_t i = 0; i < calls.size(); ++i) {
      ms[i].push_back(round[i]);
      ratios[i].push_back(round[i] / round[0]);
    }
    ++rounds;
  }
  Timings timings;
  for (size_t i = 0; i < calls.size(); ++i) {
    timings.medianMs.push_back(median(ms[i]));
    timings.medianRatioToFirst.push_back(median(ratios[i]));
  }
  return timings;
}
