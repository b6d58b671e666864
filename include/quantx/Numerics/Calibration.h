//===- Calibration.h - choosing quantization ranges from data ---*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Post-training calibration: the clipping range of a tensor chosen from the
// values it took on calibration data. A Histogram of magnitudes (or of
// values) summarizes any number of batches; the methods read it:
//
//   min/max     the observed extremes;
//   percentile  the magnitude below which P percent of the values lie;
//   entropy     TensorRT's search: the threshold whose quantized histogram
//               (the bins in [0, threshold) merged into the grid's levels)
//               is closest, in KL divergence, to the observed one with the
//               outliers folded into its last bin;
//   mse         the clip of a symmetric grid that minimizes the expected
//               squared quantization error, over the histogram.
//
// Plain C++, as the rest of Numerics: the runner's calibration and the
// tests share it.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_NUMERICS_CALIBRATION_H
#define QUANTX_NUMERICS_CALIBRATION_H

#include "quantx/Numerics/FloatFormat.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace quantx::numerics {

/// Equal-width bins over [0, max): counts of |x|. Values at or above `max`
/// land in the last bin; NaNs are not counted.
class Histogram {
public:
  /// `bins` >= 1 bins over [0, max), max finite and positive.
  Histogram(int64_t bins, double max);

  void add(const float *values, int64_t count);
  void add(const std::vector<float> &values) {
    add(values.data(), static_cast<int64_t>(values.size()));
  }

  int64_t getNumBins() const { return static_cast<int64_t>(counts.size()); }
  double getMax() const { return max; }
  double getBinWidth() const { return max / getNumBins(); }
  const std::vector<double> &getCounts() const { return counts; }
  double getTotal() const;

private:
  std::vector<double> counts;
  double max;
};

/// The magnitude below which `percent` (in (0, 100]) of the counted values
/// lie: the upper edge of the bin where the cumulative count reaches it.
double choosePercentileClip(const Histogram &histogram, double percent);

/// TensorRT's entropy calibration for a grid with `levels` magnitude levels
/// (128 for int8): over thresholds of `levels` to all bins, the one that
/// minimizes KL(P || Q), P the first bins with the rest folded into its last
/// bin, Q those bins merged into `levels` groups and spread back over the
/// non-empty bins of each group. Returns the threshold's upper bin edge. A
/// histogram with no more bins than levels returns its max.
double chooseEntropyClip(const Histogram &histogram, int64_t levels);

/// The clip `c` (a bin edge) minimizing the squared error of the symmetric
/// grid with step c / qmax (qmax = 2^(bits-1) - 1, so `bits` >= 2), the
/// values of each bin taken at its centre and clamped beyond c.
double chooseMseClip(const Histogram &histogram, unsigned bits);

/// Why `percent` is no percentile in (0, 100], or nothing.
std::optional<std::string> verifyPercentile(double percent);

//===----------------------------------------------------------------------===//
// Exponent biases of float formats
//===----------------------------------------------------------------------===//

/// The signal-to-quantization-noise ratio, in dB, of `values` rounded to
/// `format` (nearest even): 10 log10(sum x^2 / sum (x - q(x))^2); +inf when
/// every value is exact, -inf when the signal is 0 and the noise is not.
/// NaN values are skipped.
double computeSqnr(const FloatFormat &format, const float *values,
                   int64_t count);

/// `base` with exponent bias `bias`, if that format is valid.
std::optional<FloatFormat> withBias(const FloatFormat &base, int32_t bias);

/// The "max" method: the largest bias (the finest grid) whose largest
/// finite value is still at least `maxMagnitude` (the widest valid bias
/// when none is); `base`'s own bias when `maxMagnitude` is 0 or not finite.
int32_t chooseMaxBias(const FloatFormat &base, double maxMagnitude);

struct BiasChoice {
  int32_t bias;
  double sqnr;
};

/// The "sqnr" method: over the biases from two below to one binade count
/// (2^exponentBits) above the max bias, the one whose format gives
/// `values` the highest SQNR (ties to the smaller bias, the wider range);
/// `base`'s own bias when no value is finite and non-zero.
BiasChoice chooseSqnrBias(const FloatFormat &base, const float *values,
                          int64_t count);

} // namespace quantx::numerics

#endif // QUANTX_NUMERICS_CALIBRATION_H
