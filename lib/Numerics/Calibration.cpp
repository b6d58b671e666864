//===- Calibration.cpp - choosing quantization ranges from data -----------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Numerics/Calibration.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

using namespace quantx::numerics;

Histogram::Histogram(int64_t bins, double max)
    : counts(static_cast<size_t>(bins), 0.0), max(max) {
  assert(bins >= 1 && std::isfinite(max) && max > 0 && "bad histogram");
}

void Histogram::add(const float *values, int64_t count) {
  double scale = static_cast<double>(getNumBins()) / max;
  int64_t last = getNumBins() - 1;
  for (int64_t i = 0; i < count; ++i) {
    double magnitude = std::fabs(static_cast<double>(values[i]));
    if (std::isnan(magnitude))
      continue;
    double position = magnitude * scale;
    int64_t bin = position >= static_cast<double>(last)
                      ? last
                      : static_cast<int64_t>(position);
    counts[static_cast<size_t>(bin)] += 1;
  }
}

double Histogram::getTotal() const {
  return std::accumulate(counts.begin(), counts.end(), 0.0);
}

std::optional<std::string> quantx::numerics::verifyPercentile(double percent) {
  if (!(percent > 0 && percent <= 100)) {
    char text[64];
    std::snprintf(text, sizeof(text), "%.17g", percent);
    return std::string("the percentile must be in (0, 100], got ") + text;
  }
  return std::nullopt;
}

double quantx::numerics::choosePercentileClip(const Histogram &histogram,
                                              double percent) {
  assert(!verifyPercentile(percent) && "bad percentile");
  double total = histogram.getTotal();
  if (total == 0)
    return histogram.getMax();
  double wanted = total * percent / 100.0;
  double running = 0;
  const std::vector<double> &counts = histogram.getCounts();
  for (size_t b = 0; b < counts.size(); ++b) {
    running += counts[b];
    if (running >= wanted)
      return static_cast<double>(b + 1) * histogram.getBinWidth();
  }
  return histogram.getMax();
}

/// Normalizes `p` to a distribution and gives every empty bin `epsilon` of
/// mass, taken from the others in proportion, so that KL stays finite
/// (MXNet's and PyTorch's smoothing).
static bool smooth(std::vector<double> &p) {
  constexpr double epsilon = 1e-4;
  double total = std::accumulate(p.begin(), p.end(), 0.0);
  if (total <= 0)
    return false;
  size_t zeros = std::count(p.begin(), p.end(), 0.0);
  size_t nonZeros = p.size() - zeros;
  if (nonZeros == 0)
    return false;
  double taken =
      epsilon * static_cast<double>(zeros) / static_cast<double>(nonZeros);
  for (double &v : p) {
    v /= total;
    v = v == 0 ? epsilon : v - taken;
  }
  return std::all_of(p.begin(), p.end(), [](double v) { return v > 0; });
}

double quantx::numerics::chooseEntropyClip(const Histogram &histogram,
                                           int64_t levels) {
  assert(levels >= 1 && "no levels");
  const std::vector<double> &counts = histogram.getCounts();
  int64_t bins = histogram.getNumBins();
  if (bins <= levels || histogram.getTotal() == 0)
    return histogram.getMax();
  double bestDivergence = std::numeric_limits<double>::infinity();
  int64_t best = bins;
  for (int64_t i = levels; i <= bins; ++i) {
    // P: the first i bins, the outliers folded into the last of them.
    std::vector<double> p(counts.begin(), counts.begin() + i);
    p.back() += std::accumulate(counts.begin() + i, counts.end(), 0.0);
    // Q: the first i bins merged into `levels` groups (the last takes the
    // remainder), each group's count spread over its non-empty bins of P.
    int64_t merged = i / levels;
    std::vector<double> q(static_cast<size_t>(i), 0.0);
    for (int64_t j = 0; j < levels; ++j) {
      int64_t start = j * merged;
      int64_t stop = j + 1 == levels ? i : start + merged;
      double sum = 0;
      int64_t nonEmpty = 0;
      for (int64_t k = start; k < stop; ++k) {
        sum += counts[static_cast<size_t>(k)];
        nonEmpty += p[static_cast<size_t>(k)] != 0;
      }
      if (nonEmpty == 0)
        continue;
      for (int64_t k = start; k < stop; ++k)
        if (p[static_cast<size_t>(k)] != 0)
          q[static_cast<size_t>(k)] = sum / static_cast<double>(nonEmpty);
    }
    if (!smooth(p) || !smooth(q))
      continue;
    double divergence = 0;
    for (size_t k = 0; k < p.size(); ++k)
      divergence += p[k] * std::log(p[k] / q[k]);
    if (divergence < bestDivergence) {
      bestDivergence = divergence;
      best = i;
    }
  }
  return static_cast<double>(best) * histogram.getBinWidth();
}

double quantx::numerics::chooseMseClip(const Histogram &histogram,
                                       unsigned bits) {
  assert(bits >= 2 && bits <= 32 && "bad width");
  const std::vector<double> &counts = histogram.getCounts();
  int64_t bins = histogram.getNumBins();
  double width = histogram.getBinWidth();
  if (histogram.getTotal() == 0)
    return histogram.getMax();
  double qmax = std::ldexp(1.0, static_cast<int>(bits) - 1) - 1;
  double bestError = std::numeric_limits<double>::infinity();
  double best = histogram.getMax();
  for (int64_t k = 1; k <= bins; ++k) {
    double clip = static_cast<double>(k) * width;
    double step = clip / qmax;
    double error = 0;
    for (int64_t b = 0; b < bins; ++b) {
      double count = counts[static_cast<size_t>(b)];
      if (count == 0)
        continue;
      double centre = (static_cast<double>(b) + 0.5) * width;
      double quantized = std::min(std::nearbyint(centre / step), qmax) * step;
      error += count * (quantized - centre) * (quantized - centre);
    }
    if (error < bestError) {
      bestError = error;
      best = clip;
    }
  }
  return best;
}

double quantx::numerics::computeSqnr(const FloatFormat &format,
                                     const float *values, int64_t count) {
  double signal = 0, noise = 0;
  for (int64_t i = 0; i < count; ++i) {
    double x = values[i];
    if (std::isnan(x))
      continue;
    double q = format.decode(format.encode(x));
    signal += x * x;
    noise += (x - q) * (x - q);
  }
  if (noise == 0)
    return std::numeric_limits<double>::infinity();
  if (signal == 0)
    return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

std::optional<FloatFormat> quantx::numerics::withBias(const FloatFormat &base,
                                                      int32_t bias) {
  FloatFormat format = base;
  format.bias = bias;
  if (format.verify())
    return std::nullopt;
  return format;
}

int32_t quantx::numerics::chooseMaxBias(const FloatFormat &base,
                                        double maxMagnitude) {
  if (!(maxMagnitude > 0) || !std::isfinite(maxMagnitude))
    return base.bias;
  // The largest finite value falls as the bias grows.
  auto covers = [&](int32_t bias) {
    std::optional<FloatFormat> format = withBias(base, bias);
    return format && format->getMaxFinite() >= maxMagnitude;
  };
  int32_t bias = base.bias;
  while (!covers(bias) && withBias(base, bias - 1))
    --bias;
  while (covers(bias + 1) && bias < FloatFormat::kMaxBiasMagnitude)
    ++bias;
  return bias;
}

BiasChoice quantx::numerics::chooseSqnrBias(const FloatFormat &base,
                                            const float *values,
                                            int64_t count) {
  double maxMagnitude = 0;
  for (int64_t i = 0; i < count; ++i)
    if (std::isfinite(values[i]))
      maxMagnitude = std::max(maxMagnitude, std::fabs(double(values[i])));
  // No finite non-zero value: nothing to fit, the format's own bias.
  if (maxMagnitude == 0)
    return {base.bias, computeSqnr(base, values, count)};
  int32_t maxBias = chooseMaxBias(base, maxMagnitude);
  BiasChoice best{maxBias, -std::numeric_limits<double>::infinity()};
  bool found = false;
  int32_t last = maxBias + (int32_t(1) << base.exponentBits);
  for (int32_t bias = maxBias - 2; bias <= last; ++bias) {
    std::optional<FloatFormat> format = withBias(base, bias);
    if (!format)
      continue;
    double sqnr = computeSqnr(*format, values, count);
    if (!found || sqnr > best.sqnr) {
      best = {bias, sqnr};
      found = true;
    }
  }
  return best;
}
