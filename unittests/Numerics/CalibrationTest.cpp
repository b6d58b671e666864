//===- CalibrationTest.cpp - calibration methods on small histograms ------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Each calibration method against results worked out by hand on small
// histograms (the working is in the comments), and the properties that
// define it on larger ones.
//
//===----------------------------------------------------------------------===//

#include "quantx/Numerics/Calibration.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>

using namespace quantx::numerics;

namespace {

/// A histogram with the given counts over [0, bins).
Histogram makeHistogram(const std::vector<double> &counts) {
  Histogram histogram(static_cast<int64_t>(counts.size()),
                      static_cast<double>(counts.size()));
  std::vector<float> values;
  for (size_t b = 0; b < counts.size(); ++b)
    for (int k = 0; k < counts[b]; ++k)
      values.push_back(static_cast<float>(b) + 0.5f);
  histogram.add(values);
  return histogram;
}

TEST(Calibration, HistogramBinsMagnitudes) {
  // Bins of width 1 over [0, 4): |x| goes to floor(|x|); 4 and beyond to
  // the last bin; NaN nowhere.
  Histogram histogram(4, 4.0);
  histogram.add({0.0f, 0.99f, 1.0f, 3.99f, 4.0f, 100.0f, -2.5f,
                 std::numeric_limits<float>::quiet_NaN(),
                 -std::numeric_limits<float>::infinity()});
  EXPECT_EQ(histogram.getCounts(), (std::vector<double>{2, 1, 1, 4}));
  EXPECT_EQ(histogram.getTotal(), 8);
}

TEST(Calibration, PercentileIsTheUpperEdgeWhereTheCountIsReached) {
  // Counts 2, 1, 1, 3 (total 7): 20% is 1.4 values, reached in bin 0; 50%
  // is 3.5, reached in bin 2 (2 + 1 + 1 = 4); 100% in bin 3.
  Histogram histogram = makeHistogram({2, 1, 1, 3});
  EXPECT_EQ(choosePercentileClip(histogram, 20), 1.0);
  EXPECT_EQ(choosePercentileClip(histogram, 50), 3.0);
  EXPECT_EQ(choosePercentileClip(histogram, 100), 4.0);
  EXPECT_TRUE(verifyPercentile(0).has_value());
  EXPECT_TRUE(verifyPercentile(100.5).has_value());
  EXPECT_TRUE(verifyPercentile(std::nan("")).has_value());
  EXPECT_FALSE(verifyPercentile(99.99).has_value());
}

TEST(Calibration, EntropyKeepsAnOutlierTwoLevelsCanHold) {
  // Counts 10, 0, 0, 1 with 2 levels. Threshold 2 bins: P = [10, 1] (the
  // outlier folded in), Q = [10, 0] (bin 1 holds no count of its own), so
  // Q needs smoothing and KL > 0.5. Threshold 4 bins: 2 bins per level,
  // Q = [10, 0, 0, 1] = P: KL = 0. The whole range wins.
  EXPECT_EQ(chooseEntropyClip(makeHistogram({10, 0, 0, 1}), 2), 4.0);
}

TEST(Calibration, EntropyClipsWhereTheLevelsFitTheMass) {
  // All the mass in the first `levels` bins: at that threshold P = Q
  // exactly (one bin per level), KL = 0, and it is the first such.
  EXPECT_EQ(chooseEntropyClip(makeHistogram({5, 3, 2, 1, 0, 0, 0, 0}), 4), 4.0);
  // No more bins than levels: nothing to search.
  EXPECT_EQ(chooseEntropyClip(makeHistogram({1, 2}), 4), 2.0);
}

TEST(Calibration, EntropyClipsTheTailOfAGaussianForInt8) {
  // A million normal values, 2048 bins up to their max (about 5 sigma),
  // 128 levels: the threshold cuts the sparse tail but keeps the body.
  std::mt19937 random(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(1 << 20);
  float max = 0;
  for (float &v : values) {
    v = normal(random);
    max = std::max(max, std::fabs(v));
  }
  Histogram histogram(2048, max);
  histogram.add(values);
  double clip = chooseEntropyClip(histogram, 128);
  EXPECT_GT(clip, 2.5);
  EXPECT_LT(clip, 0.95 * max);
}

TEST(Calibration, MseChoosesTheEdgeWithTheSmallestError) {
  // Five values at 1.5 (bin 1 of width 1), 3 bits (qmax 3). Clip 1: step
  // 1/3, 1.5 clamps to 1, error 0.25 each. Clip 2: step 2/3, 1.5 / step =
  // 2.25 rounds to 2, 4/3, error 1/36. Clip 3: step 1, rounds to 2, error
  // 0.25. Clip 4: step 4/3, 1.125 rounds to 1, error 1/36 again: the first
  // of the two, 2, is kept.
  EXPECT_EQ(chooseMseClip(makeHistogram({0, 5, 0, 0}), 3), 2.0);
  // Values spread evenly up to the max: clipping any of them costs more
  // than the coarser step saves at 8 bits.
  EXPECT_EQ(chooseMseClip(makeHistogram(std::vector<double>(64, 10)), 8), 64.0);
}

TEST(Calibration, MseAgreesWithTheQuadratureOptimumOfAGaussian) {
  // quantx-sawb-fit integrates the same error exactly for a Gaussian: the
  // best clip of the narrow grid is 2.4739 sigma at 4 bits and 3.9205 sigma
  // at 8. A million samples in 2048 bins land within 3%.
  std::mt19937 random(9);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<float> values(1 << 20);
  double square = 0;
  float max = 0;
  for (float &v : values) {
    v = static_cast<float>(normal(random));
    square += double(v) * v;
    max = std::max(max, std::fabs(v));
  }
  double sigma = std::sqrt(square / static_cast<double>(values.size()));
  Histogram histogram(2048, max);
  histogram.add(values);
  EXPECT_NEAR(chooseMseClip(histogram, 4) / sigma, 2.4739, 0.03 * 2.4739);
  EXPECT_NEAR(chooseMseClip(histogram, 8) / sigma, 3.9205, 0.03 * 3.9205);
}

TEST(Calibration, EmptyHistogramsKeepTheirRange) {
  Histogram empty(16, 2.0);
  EXPECT_EQ(choosePercentileClip(empty, 99), 2.0);
  EXPECT_EQ(chooseEntropyClip(empty, 4), 2.0);
  EXPECT_EQ(chooseMseClip(empty, 8), 2.0);
}

} // namespace

namespace {

std::vector<float> makeGaussian(unsigned seed, int64_t count, float sigma) {
  std::mt19937 random(seed);
  std::normal_distribution<float> normal(0.0f, sigma);
  std::vector<float> values(static_cast<size_t>(count));
  for (float &v : values)
    v = normal(random);
  return values;
}

TEST(BiasCalibration, MaxBiasIsTheFinestThatCoversTheMax) {
  FloatFormat e4m3 = FloatFormat::get(4, 3);
  double top = e4m3.getMaxFinite();
  // Exactly the largest value: the default bias; a little more needs one
  // binade more (bias - 1); half of it one binade less (bias + 1).
  EXPECT_EQ(chooseMaxBias(e4m3, top), e4m3.bias);
  EXPECT_EQ(chooseMaxBias(e4m3, top * 1.0001), e4m3.bias - 1);
  EXPECT_EQ(chooseMaxBias(e4m3, top / 2), e4m3.bias + 1);
  EXPECT_EQ(chooseMaxBias(e4m3, top / 2 * 1.0001), e4m3.bias);
  // Nothing to cover: the format's own bias.
  EXPECT_EQ(chooseMaxBias(e4m3, 0.0), e4m3.bias);
  EXPECT_EQ(chooseMaxBias(e4m3, std::nan("")), e4m3.bias);
  // Radix 4: a binade is two powers of two.
  FloatFormat radix4 = FloatFormat::get(3, 0);
  radix4.radix = 4;
  radix4.special = SpecialValues::None;
  ASSERT_FALSE(radix4.verify().has_value());
  double top4 = radix4.getMaxFinite();
  EXPECT_EQ(chooseMaxBias(radix4, top4 / 4), radix4.bias + 1);
  EXPECT_EQ(chooseMaxBias(radix4, top4 / 2), radix4.bias);
}

TEST(BiasCalibration, NothingToFitKeepsTheFormatsBias) {
  FloatFormat e3m2 = FloatFormat::get(3, 2);
  std::vector<float> zeros(8, 0.0f);
  EXPECT_EQ(chooseSqnrBias(e3m2, zeros.data(), 8).bias, e3m2.bias);
  EXPECT_EQ(chooseSqnrBias(e3m2, nullptr, 0).bias, e3m2.bias);
  // A magnitude no bias covers: the widest valid one, a valid format.
  int32_t widest = chooseMaxBias(e3m2, 1e308);
  EXPECT_TRUE(withBias(e3m2, widest).has_value());
  EXPECT_FALSE(withBias(e3m2, widest - 1).has_value());
}

TEST(BiasCalibration, SqnrOfExactValuesIsInfinite) {
  FloatFormat e3m2 = FloatFormat::get(3, 2);
  std::vector<float> exact = {0.25f, -1.0f, 1.5f, 0.0f};
  EXPECT_EQ(computeSqnr(e3m2, exact.data(), 4),
            std::numeric_limits<double>::infinity());
  // One rounding error of 0.125 on a signal of 1.125^2: 10 log10(81).
  std::vector<float> inexact = {1.125f};
  EXPECT_NEAR(computeSqnr(e3m2, inexact.data(), 1), 10 * std::log10(81.0),
              1e-12);
}

TEST(BiasCalibration, SqnrBiasFollowsAPowerOfTwoScaling) {
  // Scaling the data by 2^k scales every format's grid with it: the best
  // bias moves by exactly -k and the SQNR is the same.
  FloatFormat e3m2 = FloatFormat::get(3, 2);
  std::vector<float> values = makeGaussian(1, 20000, 1.0f);
  BiasChoice unit = chooseSqnrBias(e3m2, values.data(), 20000);
  for (int k : {-6, -1, 3, 9}) {
    std::vector<float> scaled = values;
    for (float &v : scaled)
      v = std::ldexp(v, k);
    BiasChoice moved = chooseSqnrBias(e3m2, scaled.data(), 20000);
    EXPECT_EQ(moved.bias, unit.bias - k) << "k = " << k;
    EXPECT_DOUBLE_EQ(moved.sqnr, unit.sqnr) << "k = " << k;
  }
}

TEST(BiasCalibration, SqnrBiasIsTheArgmaxOfAnIndependentSearch) {
  // The SQNR of each bias recomputed with the bisection encoder (an
  // independent path through the format), on heavy-tailed data (a
  // Gaussian times e^N(0,1)): the method picks its argmax, ties to the
  // smaller bias, and beats or equals the max bias.
  for (auto [e, m] : {std::pair{3, 2}, std::pair{2, 3}, std::pair{4, 3}}) {
    FloatFormat base = FloatFormat::get(e, m);
    std::vector<float> values = makeGaussian(7, 4000, 1.0f);
    std::vector<float> scales = makeGaussian(8, 4000, 1.0f);
    for (size_t i = 0; i < values.size(); ++i)
      values[i] *= std::exp(scales[i]);
    BiasChoice chosen = chooseSqnrBias(base, values.data(),
                                       static_cast<int64_t>(values.size()));
    double maxMagnitude = 0;
    for (float v : values)
      maxMagnitude = std::max(maxMagnitude, std::fabs(double(v)));
    int32_t maxBias = chooseMaxBias(base, maxMagnitude);
    int32_t bestBias = 0;
    double bestSqnr = -std::numeric_limits<double>::infinity();
    double maxBiasSqnr = 0;
    for (int32_t bias = maxBias - 2; bias <= maxBias + (1 << e); ++bias) {
      std::optional<FloatFormat> format = withBias(base, bias);
      if (!format)
        continue;
      double signal = 0, noise = 0;
      for (float v : values) {
        double q = format->decode(format->encodeBySearch(v));
        signal += double(v) * v;
        noise += (v - q) * (v - q);
      }
      double sqnr = 10 * std::log10(signal / noise);
      if (bias == maxBias)
        maxBiasSqnr = sqnr;
      if (sqnr > bestSqnr) {
        bestSqnr = sqnr;
        bestBias = bias;
      }
    }
    EXPECT_EQ(chosen.bias, bestBias) << "e" << e << "m" << m;
    EXPECT_NEAR(chosen.sqnr, bestSqnr, 1e-9 * std::fabs(bestSqnr));
    EXPECT_GE(chosen.sqnr, maxBiasSqnr);
  }
}

} // namespace
