//===- Calibrator.h - post-training calibration from data -------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// `quantx-runner calibrate`: a trained float model becomes a model whose
// every quantized tensor carries a static format chosen from data. Batch
// norms are folded into the preceding layers first; the quantization points
// are those of quantx-insert-fake-quant (the operands of every contraction);
// weights are calibrated from their own values, activations from the values
// they take when the JIT-compiled float model runs on calibration samples.
// The result is the float model with `quantx.fake_quant` to the chosen
// formats: runnable (the simulated model) and the input of the integer
// pipeline.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_RUNTIME_CALIBRATOR_H
#define QUANTX_RUNTIME_CALIBRATOR_H

#include "quantx/Runtime/Datasets.h"
#include "quantx/Runtime/Runner.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace quantx::runtime {

/// How the clipping range of a fixed-point activation is chosen.
enum class CalibrationMethod { MinMax, Percentile, Entropy, Mse };

/// How the exponent bias of a float-format tensor is chosen.
enum class BiasMethod { Fixed, Max, Sqnr };

struct CalibrationOptions {
  /// The forward function.
  std::string model = "forward";
  CalibrationMethod method = CalibrationMethod::MinMax;
  /// For CalibrationMethod::Percentile, in (0, 100].
  double percentile = 99.99;
  /// Calibration samples drawn (seeded) from the training split.
  int64_t samples = 1024;
  uint64_t seed = 0;
  /// Samples per call of the model (its static batch size when it has one).
  int64_t batchSize = 256;
  int64_t weightBits = 8, activationBits = 8;
  /// Bits of the first and the last layer (0: like the others).
  int64_t firstLastBits = 8;
  /// One weight scale per output channel (else one per tensor).
  bool perChannel = true;
  /// Activations on a zero-point-free grid (else affine).
  bool symmetric = false;
  /// `!quantx.float` bodies ("e3m2", "e4m3, special = fn"); empty: fixed
  /// point with weightBits / activationBits.
  std::string weightFormat, activationFormat;
  BiasMethod biasMethod = BiasMethod::Sqnr;
  /// Histogram bins of the percentile, entropy and MSE methods.
  int64_t histogramBins = 2048;
};

/// What was chosen for one quantized tensor.
struct CalibratedTensor {
  /// "@w1" for weights, "layer 2 input" for activations.
  std::string name;
  bool isWeight = false;
  /// The chosen format, as MLIR prints it, and in short (a per-channel
  /// format's range of scales).
  std::string format, summary;
  /// Fixed-point activations: the observed and the chosen range.
  double observedMin = 0, observedMax = 0, clipMin = 0, clipMax = 0;
  /// Float formats: each bias method's bias and SQNR (dB) on the values.
  struct BiasCandidate {
    BiasMethod method;
    int32_t bias;
    double sqnr;
  };
  std::vector<BiasCandidate> biases;
};

struct CalibrationReport {
  /// Samples the model ran on.
  int64_t samples = 0;
  std::vector<CalibratedTensor> tensors;
  /// Warnings (constant or empty ranges, ...), one line each.
  std::vector<std::string> warnings;
};

/// Why the options are inconsistent, or nothing: checked before anything
/// is loaded.
std::optional<std::string> verifyCalibrationOptions(const CalibrationOptions &);

/// Calibrates the model in `path` on `dataset`'s training split and writes
/// the calibrated model to `outputPath` ("-": stdout).
llvm::Expected<CalibrationReport>
calibrateModel(const std::string &path, const Dataset &dataset,
               const CalibrationOptions &options,
               const RunnerOptions &runnerOptions,
               const std::string &outputPath);

llvm::StringRef getBiasMethodName(BiasMethod method);

} // namespace quantx::runtime

#endif // QUANTX_RUNTIME_CALIBRATOR_H
