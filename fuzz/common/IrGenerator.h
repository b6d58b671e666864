//===- IrGenerator.h - quantx IR from fuzzer bytes --------------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Turns fuzzer bytes into quantx types and functions, so that the fuzzers
// spend their time in quantx (type parsers and verifiers, folders, the
// lowerings) rather than in rejecting random text. Parameters are drawn
// mostly from valid ranges, with edge values (widths at their limits, biases
// near the f64 range, tiny and huge scales, zero points at the storage
// bounds) and a few invalid ones mixed in.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_FUZZ_COMMON_IRGENERATOR_H
#define QUANTX_FUZZ_COMMON_IRGENERATOR_H

#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace quantx::fuzz {

inline std::string formatDouble(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  std::string text(buffer);
  if (text.find_first_of(".eni") == std::string::npos)
    text += ".0";
  return text;
}

/// Draws from `values` or, now and then, anything.
template <typename T>
T pick(FuzzedDataProvider &in, std::initializer_list<T> values) {
  return *(values.begin() +
           in.ConsumeIntegralInRange<size_t>(0, values.size() - 1));
}

inline double generateScale(FuzzedDataProvider &in) {
  switch (in.ConsumeIntegralInRange<int>(0, 7)) {
  case 0:
    return pick(in, {0.5, 1.0, 0.25, 0.1, 0.0235, 1.0 / 3.0, 3.0});
  case 1:
    return pick(in, {1e-30, 1e30, 5e-324, 1e-300, 1e300,
                     2.2250738585072014e-308, 0x1p-126, 0x1p127});
  case 2:
    return pick(in, {0.0, -0.5}); // invalid
  default:
    return std::ldexp(1.0 + in.ConsumeProbability<double>(),
                      in.ConsumeIntegralInRange<int>(-20, 20));
  }
}

/// The element part of a float type for fixed/binary/ternary formats.
inline std::string generateExpressed(FuzzedDataProvider &in) {
  return pick<std::string>(in, {"f32", "f32", "f16", "bf16", "f64"});
}

/// `(:` axis `)?` and the scale (and zero point) list of a format with
/// `channels` channels along `axis` (per tensor when channels == 0).
inline std::string generateParams(FuzzedDataProvider &in, int64_t channels,
                                  int axis, bool zeroPoints, int64_t zpMin,
                                  int64_t zpMax) {
  auto one = [&]() {
    std::string text = formatDouble(generateScale(in));
    if (zeroPoints && in.ConsumeBool()) {
      int64_t zp = in.ConsumeIntegralInRange<int64_t>(zpMin, zpMax);
      if (in.ConsumeIntegralInRange<int>(0, 15) == 0)
        zp = zpMax + 1; // invalid
      text += ":" + std::to_string(zp);
    }
    return text;
  };
  if (channels == 0)
    return ", " + one();
  std::string text = ":" + std::to_string(axis) + ", {";
  for (int64_t c = 0; c < channels; ++c)
    text += (c ? ", " : "") + one();
  return text + "}";
}

/// A format type with expressed type `expressed` (when it has one),
/// `channels` channels along `axis` (0: per tensor).
inline std::string generateFormat(FuzzedDataProvider &in,
                                  const std::string &expressed,
                                  int64_t channels, int axis) {
  switch (in.ConsumeIntegralInRange<int>(0, 5)) {
  case 0:
  case 1: { // !quantx.fixed
    bool isSigned = in.ConsumeBool();
    unsigned width = in.ConsumeIntegralInRange<int>(0, 15) == 0
                         ? pick<unsigned>(in, {0, 33, 64, 32, 31, 1})
                         : in.ConsumeIntegralInRange<unsigned>(1, 16);
    int64_t lo = 0, hi = 0;
    if (width >= 1 && width <= 32) {
      lo = isSigned ? -(int64_t(1) << (width - 1)) : 0;
      hi = isSigned ? (int64_t(1) << (width - 1)) - 1
                    : (int64_t(1) << width) - 1;
    }
    std::string storage = (isSigned ? "i" : "u") + std::to_string(width);
    if (hi > lo && in.ConsumeIntegralInRange<int>(0, 3) == 0) {
      int64_t narrowLo = in.ConsumeIntegralInRange<int64_t>(lo, hi - 1);
      int64_t narrowHi = in.ConsumeIntegralInRange<int64_t>(narrowLo + 1, hi);
      lo = narrowLo;
      hi = narrowHi;
      storage += "<" + std::to_string(lo) + ":" + std::to_string(hi) + ">";
    }
    return "!quantx.fixed<" + storage + ":" + expressed +
           generateParams(in, channels, axis, true, lo, hi) + ">";
  }
  case 2: { // !quantx.float
    unsigned e = in.ConsumeIntegralInRange<unsigned>(0, 9);
    unsigned m = in.ConsumeIntegralInRange<unsigned>(0, 12);
    if (in.ConsumeIntegralInRange<int>(0, 7) == 0)
      m = in.ConsumeIntegralInRange<unsigned>(13, 24);
    std::string text =
        "!quantx.float<e" + std::to_string(e) + "m" + std::to_string(m);
    if (in.ConsumeIntegralInRange<int>(0, 3) == 0) {
      int64_t bias =
          in.ConsumeIntegralInRange<int>(0, 7) == 0
              ? pick<int64_t>(in, {4096, 4097, -4097, 1 << 30, -(1 << 30),
                                   2147483647, -2147483648LL, 2147483648LL})
              : in.ConsumeIntegralInRange<int64_t>(-300, 300);
      text += ", bias = " + std::to_string(bias);
    }
    if (in.ConsumeIntegralInRange<int>(0, 3) == 0)
      text += ", radix = " + std::to_string(pick(in, {2, 4, 4, 3}));
    if (in.ConsumeIntegralInRange<int>(0, 2) == 0)
      text += ", special = " +
              pick<std::string>(in, {"ieee", "fn", "fnuz", "none"});
    if (in.ConsumeIntegralInRange<int>(0, 3) == 0)
      text += ", overflow = " + pick<std::string>(in, {"sat", "inf"});
    if (in.ConsumeIntegralInRange<int>(0, 5) == 0)
      text += ", unsigned";
    if (in.ConsumeIntegralInRange<int>(0, 5) == 0)
      text += ", nosubnormal";
    if (in.ConsumeIntegralInRange<int>(0, 5) == 0)
      text += ", nozero";
    if (in.ConsumeIntegralInRange<int>(0, 15) == 0)
      text += ", bias = 3"; // maybe twice
    return text + ">";
  }
  case 3: // !quantx.binary
    return "!quantx.binary<" + expressed +
           (channels || in.ConsumeBool()
                ? generateParams(in, channels, axis, false, 0, 0)
                : "") +
           ">";
  case 4: // !quantx.ternary
    return "!quantx.ternary<" + expressed +
           (channels || in.ConsumeBool()
                ? generateParams(in, channels, axis, false, 0, 0)
                : "") +
           ">";
  default: { // !quant.uniform
    bool isSigned = in.ConsumeBool();
    unsigned width = pick<unsigned>(in, {8, 8, 4, 16, 32, 2});
    int64_t lo = isSigned ? -(int64_t(1) << (width - 1)) : 0;
    int64_t hi =
        isSigned ? (int64_t(1) << (width - 1)) - 1 : (int64_t(1) << width) - 1;
    std::string storage = (isSigned ? "i" : "u") + std::to_string(width);
    std::string text = "!quant.uniform<" + storage + ":" + expressed;
    if (channels == 0)
      return text + ", " + formatDouble(generateScale(in)) + ":" +
             std::to_string(in.ConsumeIntegralInRange<int64_t>(lo, hi + 2)) +
             ">";
    text += ":" + std::to_string(axis) + ", {";
    for (int64_t c = 0; c < channels; ++c)
      text += (c ? ", " : "") + formatDouble(generateScale(in)) + ":" +
              std::to_string(in.ConsumeIntegralInRange<int64_t>(lo, hi));
    return text + "}>";
  }
  }
}

/// A shape: rank 0 to 3, small sizes, some dynamic; `channels` > 0 puts a
/// static dimension of that size at `axis`.
struct Shape {
  std::vector<int64_t> dims; // -1: dynamic
  std::string text() const {
    std::string result;
    for (int64_t d : dims)
      result += (d < 0 ? std::string("?") : std::to_string(d)) + "x";
    return result;
  }
  bool isDynamic() const {
    for (int64_t d : dims)
      if (d < 0)
        return true;
    return false;
  }
};

inline Shape generateShape(FuzzedDataProvider &in, int64_t channels,
                           int &axis) {
  Shape shape;
  int rank = in.ConsumeIntegralInRange<int>(channels ? 1 : 0, 3);
  for (int d = 0; d < rank; ++d)
    shape.dims.push_back(
        in.ConsumeIntegralInRange<int>(0, 4) == 0
            ? -1
            : pick<int64_t>(in, {1, 2, 3, 5, 8, 16, 17, 33, 0}));
  axis = 0;
  if (channels) {
    axis = in.ConsumeIntegralInRange<int>(0, rank - 1);
    shape.dims[axis] = channels;
  }
  return shape;
}

} // namespace quantx::fuzz

#endif // QUANTX_FUZZ_COMMON_IRGENERATOR_H
