//===- Datasets.h - offline datasets for training and evaluation -*- C++
//-*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Real datasets read from files that Debian packages ship (never downloaded
// at run time):
//   digits         the 8x8 handwritten digits of python3-sklearn
//                  (sklearn/datasets/data/digits.csv.gz): 1797 samples,
//                  64 features in [0, 16] scaled to [0, 1], 10 classes.
//                  Fixed split: sample i is a test sample when i % 5 == 4
//                  (1438 train, 359 test).
//   fashion-mnist  dataset-fashion-mnist's IDX files
//                  (/usr/share/datasets/fashion-mnist): 60000 train and
//                  10000 test 28x28 images scaled to [0, 1], 10 classes.
//   npy:X,Y[,TX,TY] a user's own data: float32 samples [N, ...] and integer
//                  labels [N]. For training, X,Y is the training split and
//                  TX,TY the test split; without TX,TY there is no test
//                  split unless a hold-out is asked for (a seeded random
//                  split of each class). For evaluation, the test split is
//                  TX,TY, or every sample of X,Y when only those are given.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_RUNTIME_DATASETS_H
#define QUANTX_RUNTIME_DATASETS_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace quantx::runtime {

struct Split {
  /// Samples in row-major order, `sampleShape` each.
  std::vector<float> samples;
  std::vector<int32_t> labels;
  int64_t size() const { return static_cast<int64_t>(labels.size()); }
};

struct Dataset {
  std::string name;
  /// The shape of one sample, e.g. {64} or {28, 28, 1}.
  std::vector<int64_t> sampleShape;
  int64_t numClasses = 0;
  Split train, test;

  int64_t getSampleSize() const;
};

/// How a dataset is split (see the file comment).
struct DatasetOptions {
  /// Loading for evaluation only: `npy:X,Y` is all test data.
  bool forEvaluation = false;
  /// The fraction of each class of `npy:X,Y` held out as the test split
  /// (0: none), drawn with `seed`; only for `npy:X,Y` training data.
  double holdout = 0.0;
  uint64_t seed = 0;
};

/// Loads a dataset by name (see the file comment). On failure returns
/// nothing and sets `error` to one line naming what is missing or wrong and
/// how to get it.
std::optional<Dataset> loadDataset(const std::string &spec, std::string &error,
                                   const DatasetOptions &options = {});

/// Moves round(fraction * count) samples of each class, chosen by a
/// Fisher-Yates shuffle seeded with `seed`, from `from` into `to` (both keep
/// their samples in the original order). `sampleSize` values per sample.
void holdOutStratified(Split &from, Split &to, int64_t sampleSize,
                       double fraction, uint64_t seed);

/// The files `name` is read from, in search order ($QUANTX_DATA_DIR first).
std::vector<std::string> getDatasetSearchPaths(const std::string &name);

/// Parses the digits CSV (64 features then the label per line).
std::optional<Dataset> parseDigitsCsv(const std::string &text,
                                      std::string &error);

/// Parses an IDX images file (magic 0x00000803) into [count, rows, cols] and
/// values scaled to [0, 1].
bool parseIdxImages(const std::vector<uint8_t> &bytes, std::vector<float> &out,
                    std::vector<int64_t> &shape, std::string &error);
/// Reads an IDX images file (gzip or plain) at `path` like parseIdxImages,
/// converting the pixels as they are inflated (no copy of the file is kept).
/// `error` names the file.
bool readIdxImages(const std::string &path, std::vector<float> &out,
                   std::vector<int64_t> &shape, std::string &error);
/// Parses an IDX labels file (magic 0x00000801).
bool parseIdxLabels(const std::vector<uint8_t> &bytes,
                    std::vector<int32_t> &out, std::string &error);

/// Reads a file, transparently inflating gzip.
bool readMaybeGzipped(const std::string &path, std::vector<uint8_t> &out,
                      std::string &error);

} // namespace quantx::runtime

#endif // QUANTX_RUNTIME_DATASETS_H
