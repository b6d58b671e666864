//===- Datasets.cpp - offline datasets for training and evaluation --------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Runtime/Datasets.h"

#include "quantx/Numerics/Random.h"
#include "quantx/Runtime/Npy.h"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <unistd.h>

#ifndef QUANTX_DEFAULT_DATA_DIR
#define QUANTX_DEFAULT_DATA_DIR ""
#endif

namespace quantx::runtime {

int64_t Dataset::getSampleSize() const {
  int64_t size = 1;
  for (int64_t dim : sampleShape)
    size *= dim;
  return size;
}

/// Calls `consume(data, size)` on successive chunks of the file at `path`,
/// inflated when it is gzip (gzread passes other files through unchanged),
/// until the end or until `consume` returns false (having set `error`).
template <typename Consume>
static bool readChunks(const std::string &path, Consume consume,
                       std::string &error) {
  std::error_code code;
  if (std::filesystem::exists(path, code) &&
      !std::filesystem::is_regular_file(path, code)) {
    error = path + ": not a regular file";
    return false;
  }
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) {
    error = path + ": cannot open file";
    return false;
  }
  std::vector<uint8_t> buffer(1 << 16);
  int n;
  bool consumed = true;
  while (consumed && (n = gzread(file, buffer.data(), buffer.size())) > 0)
    consumed = consume(buffer.data(), static_cast<size_t>(n));
  int status;
  std::string message = gzerror(file, &status);
  gzclose(file);
  if (!consumed)
    return false;
  if (n < 0 || (status != Z_OK && status != Z_STREAM_END)) {
    error = path + ": corrupt gzip data (" + message + ")";
    return false;
  }
  return true;
}

bool readMaybeGzipped(const std::string &path, std::vector<uint8_t> &out,
                      std::string &error) {
  out.clear();
  return readChunks(
      path,
      [&](const uint8_t *data, size_t size) {
        out.insert(out.end(), data, data + size);
        return true;
      },
      error);
}

std::vector<std::string> getDatasetSearchPaths(const std::string &name) {
  std::vector<std::string> dirs;
  if (const char *env = std::getenv("QUANTX_DATA_DIR"))
    dirs.push_back(env);
  if (std::strlen(QUANTX_DEFAULT_DATA_DIR))
    dirs.push_back(QUANTX_DEFAULT_DATA_DIR);
  std::vector<std::string> paths;
  if (name == "digits") {
    for (const std::string &dir : dirs)
      paths.push_back(dir + "/digits.csv.gz");
    paths.push_back(
        "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz");
  } else if (name == "fashion-mnist") {
    for (const std::string &dir : dirs)
      paths.push_back(dir + "/fashion-mnist");
    paths.push_back("/usr/share/datasets/fashion-mnist");
  }
  return paths;
}

static bool exists(const std::string &path) {
  return std::ifstream(path).good() ||
         std::ifstream(path + "/train-labels-idx1-ubyte.gz").good();
}

std::optional<Dataset> parseDigitsCsv(const std::string &text,
                                      std::string &error) {
  Dataset dataset;
  dataset.name = "digits";
  dataset.sampleShape = {64};
  dataset.numClasses = 10;
  std::istringstream lines(text);
  std::string line;
  int64_t index = 0;
  while (std::getline(lines, line)) {
    if (line.empty())
      continue;
    if (line.back() == '\r')
      line.pop_back();
    std::vector<int> values;
    std::istringstream fields(line);
    std::string field;
    while (std::getline(fields, field, ',')) {
      // Whole decimal numbers only: a pixel in [0, 16] or a label in [0, 9].
      int value = 0;
      const char *end = field.data() + field.size();
      auto [next, status] = std::from_chars(field.data(), end, value);
      if (status != std::errc() || next != end || field.empty()) {
        error = "digits line " + std::to_string(index + 1) + " field " +
                std::to_string(values.size() + 1) + " is not an integer: '" +
                field + "'";
        return std::nullopt;
      }
      values.push_back(value);
    }
    if (values.size() != 65) {
      error = "digits line " + std::to_string(index + 1) + " has " +
              std::to_string(values.size()) + " fields, expected 65";
      return std::nullopt;
    }
    Split &split = index % 5 == 4 ? dataset.test : dataset.train;
    for (int i = 0; i < 64; ++i) {
      if (values[i] < 0 || values[i] > 16) {
        error = "digits line " + std::to_string(index + 1) + " has pixel " +
                std::to_string(values[i]) + ", outside [0, 16]";
        return std::nullopt;
      }
      split.samples.push_back(static_cast<float>(values[i]) / 16.0f);
    }
    if (values[64] < 0 || values[64] > 9) {
      error = "digits line " + std::to_string(index + 1) + " has label " +
              std::to_string(values[64]);
      return std::nullopt;
    }
    split.labels.push_back(values[64]);
    ++index;
  }
  if (index == 0) {
    error = "the digits file is empty";
    return std::nullopt;
  }
  return dataset;
}

static uint32_t readBigEndian(const uint8_t *bytes) {
  return (uint32_t(bytes[0]) << 24) | (uint32_t(bytes[1]) << 16) |
         (uint32_t(bytes[2]) << 8) | uint32_t(bytes[3]);
}

static uint32_t readBigEndian(const std::vector<uint8_t> &bytes, size_t at) {
  return readBigEndian(bytes.data() + at);
}

/// The machine's physical memory in bytes (64 GiB where it cannot be
/// asked).
static uint64_t getPhysicalMemory() {
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || pageSize <= 0)
    return uint64_t(64) << 30;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(pageSize);
}

namespace {
/// Parses an IDX images file fed in chunks, writing each pixel once into
/// its place in the samples (reserved from the header): loading a dataset
/// keeps no second copy of it, and frees no large buffer after writing it
/// (on some virtual machines, unmapping a large block makes the next touch
/// of every page written before it slow, which the first epoch would pay).
class IdxImageReader {
public:
  IdxImageReader(std::vector<float> &out, std::vector<int64_t> &shape)
      : out(out), shape(shape) {}

  /// Consumes the next `size` bytes; false and `error` on a bad header.
  /// `totalBytes`, when known, is the size of the whole file.
  bool feed(const uint8_t *data, size_t size, std::string &error,
            std::optional<uint64_t> totalBytes = std::nullopt) {
    while (header.size() < 16 && size > 0) {
      header.push_back(*data++);
      --size;
    }
    if (header.size() < 16)
      return true;
    if (!started && !start(error, totalBytes))
      return false;
    // Bytes past the pixels the header announces are counted, not stored.
    uint64_t take =
        seen >= expected ? 0 : std::min<uint64_t>(size, expected - seen);
    size_t at = out.size();
    out.resize(at + take);
    for (uint64_t i = 0; i < take; ++i)
      out[at + i] = static_cast<float>(data[i]) / 255.0f;
    seen += size;
    return true;
  }

  /// Checks that the pixels were all there; false and `error` if not.
  bool finish(std::string &error) {
    if (header.size() < 16)
      return fail(error, "not an IDX image file (magic 0x00000803)");
    if (seen != expected)
      return fail(error, "IDX image file holds " + std::to_string(seen) +
                             " bytes of pixels, its header says " +
                             getShapeText());
    return true;
  }

private:
  bool start(std::string &error, std::optional<uint64_t> totalBytes) {
    started = true;
    if (readBigEndian(header.data()) != 0x00000803)
      return fail(error, "not an IDX image file (magic 0x00000803)");
    count = readBigEndian(header.data() + 4);
    rows = readBigEndian(header.data() + 8);
    cols = readBigEndian(header.data() + 12);
    if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096)
      return fail(error, "IDX image file with images of " +
                             std::to_string(rows) + "x" + std::to_string(cols) +
                             " pixels (1 to 4096 each)");
    expected = count * rows * cols;
    if (totalBytes && *totalBytes - 16 != expected)
      return fail(error,
                  "IDX image file holds " + std::to_string(*totalBytes - 16) +
                      " bytes of pixels, its header says " + getShapeText());
    // Reserve what the header claims (address space only: the pages are
    // touched as the pixels arrive), unless this machine cannot hold it: a
    // failed reservation would end the process.
    uint64_t bytes = expected * sizeof(float), memory = getPhysicalMemory();
    if (bytes > memory)
      return fail(error, "IDX image file header says " + getShapeText() + ": " +
                             std::to_string(bytes >> 20) +
                             " MiB of samples, more than this machine's " +
                             std::to_string(memory >> 20) + " MiB of memory");
    shape = {static_cast<int64_t>(count), static_cast<int64_t>(rows),
             static_cast<int64_t>(cols)};
    out.clear();
    out.reserve(expected);
    return true;
  }

  std::string getShapeText() const {
    return std::to_string(count) + "x" + std::to_string(rows) + "x" +
           std::to_string(cols);
  }

  static bool fail(std::string &error, std::string message) {
    error = std::move(message);
    return false;
  }

  std::vector<float> &out;
  std::vector<int64_t> &shape;
  std::vector<uint8_t> header;
  bool started = false;
  uint64_t count = 0, rows = 0, cols = 0, expected = 0, seen = 0;
};
} // namespace

bool parseIdxImages(const std::vector<uint8_t> &bytes, std::vector<float> &out,
                    std::vector<int64_t> &shape, std::string &error) {
  IdxImageReader reader(out, shape);
  return reader.feed(bytes.data(), bytes.size(), error, bytes.size()) &&
         reader.finish(error);
}

bool readIdxImages(const std::string &path, std::vector<float> &out,
                   std::vector<int64_t> &shape, std::string &error) {
  IdxImageReader reader(out, shape);
  std::string message;
  if (!readChunks(
          path,
          [&](const uint8_t *data, size_t size) {
            return reader.feed(data, size, message);
          },
          error)) {
    if (!message.empty())
      error = path + ": " + message;
    return false;
  }
  if (!reader.finish(message)) {
    error = path + ": " + message;
    return false;
  }
  return true;
}

bool parseIdxLabels(const std::vector<uint8_t> &bytes,
                    std::vector<int32_t> &out, std::string &error) {
  if (bytes.size() < 8 || readBigEndian(bytes, 0) != 0x00000801) {
    error = "not an IDX label file (magic 0x00000801)";
    return false;
  }
  uint64_t count = readBigEndian(bytes, 4);
  if (bytes.size() - 8 != count) {
    error = "IDX label file holds " + std::to_string(bytes.size() - 8) +
            " labels, its header says " + std::to_string(count);
    return false;
  }
  out.assign(bytes.begin() + 8, bytes.end());
  return true;
}

static std::optional<Dataset> loadFashionMnist(const std::string &dir,
                                               std::string &error) {
  Dataset dataset;
  dataset.name = "fashion-mnist";
  dataset.sampleShape = {28, 28, 1};
  dataset.numClasses = 10;
  for (auto [prefix, split] :
       {std::pair{"train", &dataset.train}, {"t10k", &dataset.test}}) {
    std::vector<uint8_t> bytes;
    std::vector<int64_t> shape;
    std::string images = dir + "/" + prefix + "-images-idx3-ubyte.gz";
    std::string labels = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
    if (!readIdxImages(images, split->samples, shape, error))
      return std::nullopt;
    if (shape[1] != 28 || shape[2] != 28) {
      error = images + ": expected 28x28 images";
      return std::nullopt;
    }
    if (!readMaybeGzipped(labels, bytes, error))
      return std::nullopt;
    if (!parseIdxLabels(bytes, split->labels, error)) {
      error = labels + ": " + error;
      return std::nullopt;
    }
    if (split->size() != shape[0]) {
      error = labels + ": " + std::to_string(split->size()) + " labels for " +
              std::to_string(shape[0]) + " images";
      return std::nullopt;
    }
  }
  return dataset;
}

void holdOutStratified(Split &from, Split &to, int64_t sampleSize,
                       double fraction, uint64_t seed) {
  std::map<int32_t, std::vector<int64_t>> byClass;
  for (int64_t i = 0; i < from.size(); ++i)
    byClass[from.labels[i]].push_back(i);
  std::vector<bool> heldOut(from.size(), false);
  for (auto &[label, indices] : byClass) {
    // Fisher-Yates from the counter-based generator: reproducible, and the
    // same for a class whatever the other classes hold.
    uint64_t classSeed = seed ^ (static_cast<uint64_t>(label) *
                                 ::quantx::numerics::kGoldenGamma);
    for (size_t i = indices.size(); i > 1; --i) {
      uint64_t bits = ::quantx::numerics::counterRandomBits(classSeed, i);
      std::swap(indices[i - 1], indices[bits % i]);
    }
    auto count = static_cast<size_t>(
        std::llround(fraction * static_cast<double>(indices.size())));
    for (size_t k = 0; k < std::min(count, indices.size()); ++k)
      heldOut[indices[k]] = true;
  }
  // The held-out samples are copied out (reserved, so written once), and
  // the kept ones compacted in place, in order: no large block is
  // reallocated or freed after the samples are written.
  int64_t held = std::count(heldOut.begin(), heldOut.end(), true);
  to.labels.reserve(to.labels.size() + held);
  to.samples.reserve(to.samples.size() + held * sampleSize);
  int64_t kept = 0;
  for (int64_t i = 0; i < from.size(); ++i) {
    const float *sample = from.samples.data() + i * sampleSize;
    if (heldOut[i]) {
      to.labels.push_back(from.labels[i]);
      to.samples.insert(to.samples.end(), sample, sample + sampleSize);
      continue;
    }
    if (kept != i) {
      from.labels[kept] = from.labels[i];
      std::memmove(from.samples.data() + kept * sampleSize, sample,
                   sampleSize * sizeof(float));
    }
    ++kept;
  }
  from.labels.resize(kept);
  from.samples.resize(kept * sampleSize);
}

/// `npy:X,Y[,TX,TY]`.
static std::optional<Dataset> loadNpy(const std::string &spec,
                                      std::string &error,
                                      const DatasetOptions &options) {
  std::vector<std::string> files;
  std::istringstream parts(spec);
  std::string part;
  while (std::getline(parts, part, ','))
    files.push_back(part);
  if (files.size() != 2 && files.size() != 4) {
    error = "npy datasets are npy:X.npy,Y.npy or "
            "npy:X.npy,Y.npy,TEST_X.npy,TEST_Y.npy";
    return std::nullopt;
  }
  Dataset dataset;
  dataset.name = "npy";
  auto readSplit = [&](const std::string &xPath, const std::string &yPath,
                       Split &split) {
    std::optional<NpyArray> x = readNpyFile(xPath, error);
    if (!x)
      return false;
    std::optional<NpyArray> y = readNpyFile(yPath, error);
    if (!y)
      return false;
    if (x->dtype != DType::F32 || x->shape.empty()) {
      error = xPath + ": samples must be a float32 array [N, ...]";
      return false;
    }
    if (!isIntegerDType(y->dtype) || y->shape.size() != 1 ||
        y->shape[0] != x->shape[0]) {
      error = yPath + ": labels must be an integer array [N] matching " + xPath;
      return false;
    }
    std::vector<int64_t> sampleShape(x->shape.begin() + 1, x->shape.end());
    if (!dataset.sampleShape.empty() && dataset.sampleShape != sampleShape) {
      error = xPath + ": samples of another shape than the training set's";
      return false;
    }
    dataset.sampleShape = sampleShape;
    split.samples.resize(x->data.size() / 4);
    std::memcpy(split.samples.data(), x->data.data(), x->data.size());
    for (int64_t i = 0; i < y->shape[0]; ++i) {
      // Any integer dtype; a u64 above INT64_MAX is no class index either.
      std::optional<int64_t> value = getIntegerElement(*y, i);
      if (!value || *value < 0 || *value > 1000000) {
        error = yPath + ": label " +
                (value ? std::to_string(*value) : std::string("above 2^63")) +
                " at index " + std::to_string(i) + " is not a class index";
        return false;
      }
      int64_t label = *value;
      split.labels.push_back(static_cast<int32_t>(label));
      dataset.numClasses = std::max<int64_t>(dataset.numClasses, label + 1);
    }
    return true;
  };
  if (options.holdout != 0.0 && (files.size() == 4 || options.forEvaluation)) {
    error = files.size() == 4
                ? "a hold-out applies to npy:X,Y; npy:X,Y,TX,TY has a test "
                  "split"
                : "a hold-out applies to training";
    return std::nullopt;
  }
  if (files.size() == 4) {
    if (!readSplit(files[0], files[1], dataset.train) ||
        !readSplit(files[2], files[3], dataset.test))
      return std::nullopt;
    // Evaluation reads the test split only.
    if (options.forEvaluation)
      dataset.train = Split();
    return dataset;
  }
  // Evaluating npy:X,Y evaluates every sample given.
  if (!readSplit(files[0], files[1],
                 options.forEvaluation ? dataset.test : dataset.train))
    return std::nullopt;
  if (options.holdout != 0.0)
    holdOutStratified(dataset.train, dataset.test, dataset.getSampleSize(),
                      options.holdout, options.seed);
  return dataset;
}

std::optional<Dataset> loadDataset(const std::string &spec, std::string &error,
                                   const DatasetOptions &options) {
  if (!(options.holdout >= 0.0 && options.holdout < 1.0)) {
    error = "the hold-out fraction must be in [0, 1), got " +
            std::to_string(options.holdout);
    return std::nullopt;
  }
  if (spec.rfind("npy:", 0) == 0)
    return loadNpy(spec.substr(4), error, options);
  if (options.holdout != 0.0) {
    error = "dataset '" + spec +
            "' has a fixed test split; a hold-out applies to npy:X,Y";
    return std::nullopt;
  }
  if (spec != "digits" && spec != "fashion-mnist") {
    error = "unknown dataset '" + spec +
            "'; expected digits, fashion-mnist or npy:X.npy,Y.npy";
    return std::nullopt;
  }
  for (const std::string &path : getDatasetSearchPaths(spec)) {
    if (!exists(path))
      continue;
    if (spec == "fashion-mnist")
      return loadFashionMnist(path, error);
    std::vector<uint8_t> bytes;
    if (!readMaybeGzipped(path, bytes, error))
      return std::nullopt;
    std::optional<Dataset> dataset =
        parseDigitsCsv(std::string(bytes.begin(), bytes.end()), error);
    if (!dataset)
      error = path + ": " + error;
    return dataset;
  }
  error = "dataset '" + spec + "' is not installed; run `make datasets` (" +
          (spec == "digits"
               ? std::string("digits.csv.gz from the python3-sklearn package")
               : std::string("the dataset-fashion-mnist package")) +
          ")";
  return std::nullopt;
}

} // namespace quantx::runtime
