//===- DatasetsTest.cpp - offline datasets --------------------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Runtime/Datasets.h"
#include "quantx/Runtime/Npy.h"

#include "gtest/gtest.h"

#include <map>

#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <set>

using namespace quantx::runtime;

namespace {

std::string tempPath(const std::string &name) {
  return testing::TempDir() + "/quantx-datasets-" + name;
}

TEST(Datasets, DigitsCsvSplitAndScale) {
  std::string csv;
  for (int i = 0; i < 10; ++i) {
    for (int f = 0; f < 64; ++f)
      csv += std::to_string((i + f) % 17) + ",";
    csv += std::to_string(i % 10) + "\n";
  }
  std::string error;
  std::optional<Dataset> digits = parseDigitsCsv(csv, error);
  ASSERT_TRUE(digits) << error;
  // Samples 4 and 9 (i % 5 == 4) are the test set.
  EXPECT_EQ(digits->train.size(), 8);
  EXPECT_EQ(digits->test.size(), 2);
  EXPECT_EQ(digits->test.labels, (std::vector<int32_t>{4, 9}));
  EXPECT_EQ(digits->getSampleSize(), 64);
  EXPECT_FLOAT_EQ(digits->train.samples[1], 1.0f / 16);
  EXPECT_FLOAT_EQ(digits->test.samples[12], 16.0f / 16);

  EXPECT_FALSE(parseDigitsCsv("1,2,3\n", error));
  EXPECT_EQ(error, "digits line 1 has 3 fields, expected 65");
  EXPECT_FALSE(parseDigitsCsv("", error));
  EXPECT_EQ(error, "the digits file is empty");
}

TEST(Datasets, DigitsCsvRejectsWhatIsNotAWholeNumberInRange) {
  auto line = [](const std::string &pixel, const std::string &label) {
    std::string text = pixel;
    for (int f = 1; f < 64; ++f)
      text += ",3";
    return text + "," + label + "\n";
  };
  std::string error;
  ASSERT_TRUE(parseDigitsCsv(line("16", "9"), error)) << error;
  // Windows line ends are accepted.
  std::string crlf = line("0", "0");
  crlf.insert(crlf.size() - 1, "\r");
  ASSERT_TRUE(parseDigitsCsv(crlf, error)) << error;
  const std::pair<std::string, std::string> bad[] = {
      {line("x", "1"), "digits line 1 field 1 is not an integer: 'x'"},
      {line("1.5", "1"), "digits line 1 field 1 is not an integer: '1.5'"},
      {line("", "1"), "digits line 1 field 1 is not an integer: ''"},
      {line("99999999999", "1"),
       "digits line 1 field 1 is not an integer: '99999999999'"},
      {line("4", "one"), "digits line 1 field 65 is not an integer: 'one'"},
      {line("17", "1"), "digits line 1 has pixel 17, outside [0, 16]"},
      {line("-1", "1"), "digits line 1 has pixel -1, outside [0, 16]"},
      {line("4", "10"), "digits line 1 has label 10"},
  };
  for (const auto &[text, message] : bad) {
    EXPECT_FALSE(parseDigitsCsv(text, error)) << text;
    EXPECT_EQ(error, message);
  }
}

TEST(Datasets, IdxFiles) {
  std::vector<uint8_t> images = {0, 0, 8, 3, 0, 0, 0, 2,   0,  0,
                                 0, 2, 0, 0, 0, 1, 0, 255, 51, 102};
  std::vector<float> pixels;
  std::vector<int64_t> shape;
  std::string error;
  ASSERT_TRUE(parseIdxImages(images, pixels, shape, error)) << error;
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 2, 1}));
  EXPECT_EQ(pixels, (std::vector<float>{0.0f, 1.0f, 0.2f, 0.4f}));
  images.pop_back();
  EXPECT_FALSE(parseIdxImages(images, pixels, shape, error));
  EXPECT_EQ(error, "IDX image file holds 3 bytes of pixels, its header says "
                   "2x2x1");
  std::vector<uint8_t> labels = {0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9};
  std::vector<int32_t> values;
  ASSERT_TRUE(parseIdxLabels(labels, values, error)) << error;
  EXPECT_EQ(values, (std::vector<int32_t>{7, 0, 9}));
  labels[3] = 3;
  EXPECT_FALSE(parseIdxLabels(labels, values, error));
  EXPECT_EQ(error, "not an IDX label file (magic 0x00000801)");
}

/// An IDX images file of `count` images of `rows`x`cols` pixels, pixel k
/// being k * 7 mod 256, written gzip-compressed or plain.
std::vector<uint8_t> makeIdxImages(uint32_t count, uint32_t rows,
                                   uint32_t cols) {
  std::vector<uint8_t> bytes = {0, 0, 8, 3};
  for (uint32_t value : {count, rows, cols})
    for (int shift = 24; shift >= 0; shift -= 8)
      bytes.push_back(static_cast<uint8_t>(value >> shift));
  for (uint64_t k = 0; k < uint64_t(count) * rows * cols; ++k)
    bytes.push_back(static_cast<uint8_t>(k * 7));
  return bytes;
}

void writeFile(const std::string &path, const std::vector<uint8_t> &bytes,
               bool gzip) {
  if (gzip) {
    gzFile file = gzopen(path.c_str(), "wb");
    ASSERT_TRUE(file);
    if (!bytes.empty())
      gzwrite(file, bytes.data(), bytes.size());
    gzclose(file);
    return;
  }
  FILE *file = std::fopen(path.c_str(), "wb");
  ASSERT_TRUE(file);
  std::fwrite(bytes.data(), 1, bytes.size(), file);
  std::fclose(file);
}

/// Reading a file as it inflates gives what parsing the whole file gives,
/// for files spanning many read chunks, in gzip and plain, and the same
/// errors for truncated files, extra bytes and bad headers.
TEST(Datasets, IdxImagesStreamedLikeParsed) {
  for (bool gzip : {true, false}) {
    SCOPED_TRACE(gzip ? "gzip" : "plain");
    std::string path = tempPath(gzip ? "images.gz" : "images");
    for (std::vector<uint8_t> bytes :
         {makeIdxImages(300, 28, 28), makeIdxImages(1, 1, 1),
          makeIdxImages(0, 3, 3)}) {
      writeFile(path, bytes, gzip);
      std::vector<float> parsed, streamed;
      std::vector<int64_t> parsedShape, streamedShape;
      std::string error;
      ASSERT_TRUE(parseIdxImages(bytes, parsed, parsedShape, error)) << error;
      ASSERT_TRUE(readIdxImages(path, streamed, streamedShape, error)) << error;
      EXPECT_EQ(streamedShape, parsedShape);
      EXPECT_EQ(streamed, parsed);
      ASSERT_EQ(parsed.size(), bytes.size() - 16);
      for (size_t k = 0; k < parsed.size(); ++k)
        ASSERT_EQ(parsed[k], static_cast<float>(bytes[16 + k]) / 255.0f);
    }
    auto expectError = [&](std::vector<uint8_t> bytes,
                           const std::string &message) {
      writeFile(path, bytes, gzip);
      std::vector<float> values;
      std::vector<int64_t> shape;
      std::string error;
      EXPECT_FALSE(parseIdxImages(bytes, values, shape, error));
      EXPECT_EQ(error, message);
      EXPECT_FALSE(readIdxImages(path, values, shape, error));
      EXPECT_EQ(error, path + ": " + message);
    };
    std::vector<uint8_t> bytes = makeIdxImages(100, 28, 28);
    std::vector<uint8_t> truncated(bytes.begin(), bytes.end() - 1);
    expectError(truncated, "IDX image file holds 78399 bytes of pixels, its "
                           "header says 100x28x28");
    std::vector<uint8_t> longer = bytes;
    longer.push_back(0);
    expectError(longer, "IDX image file holds 78401 bytes of pixels, its "
                        "header says 100x28x28");
    // Trailing bytes across many read chunks are counted, never stored.
    std::vector<uint8_t> trailing = makeIdxImages(1, 1, 1);
    trailing.resize(trailing.size() + 200000, 7);
    expectError(trailing, "IDX image file holds 200001 bytes of pixels, its "
                          "header says 1x1x1");
    {
      std::vector<float> values;
      std::vector<int64_t> shape;
      std::string error;
      EXPECT_FALSE(readIdxImages(path, values, shape, error));
      EXPECT_EQ(values.size(), 1u);
    }
    expectError({0, 0, 8, 3, 0}, "not an IDX image file (magic 0x00000803)");
    expectError({}, "not an IDX image file (magic 0x00000803)");
    std::vector<uint8_t> labels = bytes;
    labels[3] = 1;
    expectError(labels, "not an IDX image file (magic 0x00000803)");
    std::vector<uint8_t> wide = makeIdxImages(1, 1, 5000);
    expectError(wide, "IDX image file with images of 1x5000 pixels (1 to "
                      "4096 each)");
  }
  // Headers claiming more than any machine's memory (2^56 and 2^44 pixels,
  // 256 PiB and 64 TiB of floats) are refused before any allocation, not by
  // a failed one ending the process.
  std::string path = tempPath("huge");
  std::vector<float> values;
  std::vector<int64_t> shape;
  std::string error;
  for (auto [countBytes, count] :
       {std::pair{std::vector<uint8_t>{0xff, 0xff, 0xff, 0xff}, "4294967295"},
        std::pair{std::vector<uint8_t>{0x00, 0x10, 0x00, 0x00}, "1048576"}}) {
    std::vector<uint8_t> huge = {0, 0, 8, 3};
    huge.insert(huge.end(), countBytes.begin(), countBytes.end());
    huge.insert(huge.end(), {0, 0, 16, 0, 0, 0, 16, 0, 1, 2, 3});
    writeFile(path, huge, /*gzip=*/true);
    EXPECT_FALSE(readIdxImages(path, values, shape, error));
    EXPECT_EQ(error.rfind(path + ": IDX image file header says " +
                              std::string(count) + "x4096x4096: ",
                          0),
              0u)
        << error;
    EXPECT_NE(error.find("MiB of samples, more than this machine's"),
              std::string::npos)
        << error;
  }
  EXPECT_FALSE(readIdxImages(tempPath("absent"), values, shape, error));
  EXPECT_EQ(error, tempPath("absent") + ": cannot open file");
}

TEST(Datasets, ReadsGzipAndPlainFiles) {
  std::string path = tempPath("data.gz");
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_TRUE(file);
  const char text[] = "compressed payload";
  gzwrite(file, text, sizeof(text) - 1);
  gzclose(file);
  std::vector<uint8_t> bytes;
  std::string error;
  ASSERT_TRUE(readMaybeGzipped(path, bytes, error)) << error;
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), "compressed payload");
  EXPECT_FALSE(readMaybeGzipped(tempPath("missing"), bytes, error));
  EXPECT_NE(error.find("cannot open file"), std::string::npos);
}

/// Labels come in any integer (or bool) dtype; each must be a class index.
TEST(Datasets, NpyLabelsOfEveryIntegerDType) {
  NpyArray x;
  x.dtype = DType::F32;
  x.shape = {4, 1};
  x.data.resize(16);
  std::string error;
  ASSERT_TRUE(writeNpyFile(tempPath("lx.npy"), x, error));
  std::string spec = "npy:" + tempPath("lx.npy") + "," + tempPath("ly.npy");
  auto labelsOf = [&](DType dtype, std::vector<uint64_t> values) {
    NpyArray y;
    y.dtype = dtype;
    y.shape = {static_cast<int64_t>(values.size())};
    unsigned size = getDTypeSize(dtype);
    for (uint64_t value : values)
      for (unsigned b = 0; b < size; ++b)
        y.data.push_back(static_cast<uint8_t>(value >> (8 * b)));
    EXPECT_TRUE(writeNpyFile(tempPath("ly.npy"), y, error));
    std::optional<Dataset> data = loadDataset(spec, error);
    return data ? data->train.labels : std::vector<int32_t>{-1};
  };
  for (DType dtype : {DType::I8, DType::I16, DType::I32, DType::I64, DType::U8,
                      DType::U16, DType::U32, DType::U64}) {
    SCOPED_TRACE(std::string(getDTypeName(dtype)));
    EXPECT_EQ(labelsOf(dtype, {3, 0, 2, 1}),
              (std::vector<int32_t>{3, 0, 2, 1}));
  }
  EXPECT_EQ(labelsOf(DType::Bool, {1, 0, 0, 1}),
            (std::vector<int32_t>{1, 0, 0, 1}));
  EXPECT_EQ(labelsOf(DType::I16, {0, 0xffff, 0, 0}),
            (std::vector<int32_t>{-1}));
  EXPECT_EQ(error, tempPath("ly.npy") + ": label -1 at index 1 is not a "
                                        "class index");
  EXPECT_EQ(labelsOf(DType::U64, {0, 1, ~uint64_t(0), 0}),
            (std::vector<int32_t>{-1}));
  EXPECT_EQ(error, tempPath("ly.npy") + ": label above 2^63 at index 2 is "
                                        "not a class index");
  EXPECT_EQ(labelsOf(DType::F32, {0, 0, 0, 0}), (std::vector<int32_t>{-1}));
  EXPECT_NE(error.find("labels must be an integer array [N]"),
            std::string::npos);
}

TEST(Datasets, NpyDatasets) {
  NpyArray x, y;
  x.dtype = DType::F32;
  x.shape = {10, 3};
  x.data.resize(10 * 3 * 4);
  for (int i = 0; i < 30; ++i) {
    float v = static_cast<float>(i);
    std::memcpy(&x.data[i * 4], &v, 4);
  }
  y.dtype = DType::I64;
  y.shape = {10};
  y.data.resize(80);
  for (int64_t i = 0; i < 10; ++i)
    std::memcpy(&y.data[i * 8], &i, 8);
  std::string error;
  ASSERT_TRUE(writeNpyFile(tempPath("x.npy"), x, error));
  ASSERT_TRUE(writeNpyFile(tempPath("y.npy"), y, error));
  std::string spec = "npy:" + tempPath("x.npy") + "," + tempPath("y.npy");
  // Training data: every sample trains; no test split unless asked for.
  std::optional<Dataset> data = loadDataset(spec, error);
  ASSERT_TRUE(data) << error;
  EXPECT_EQ(data->sampleShape, (std::vector<int64_t>{3}));
  EXPECT_EQ(data->numClasses, 10);
  EXPECT_EQ(data->train.size(), 10);
  EXPECT_EQ(data->test.size(), 0);
  // Evaluation: every sample given is evaluated.
  DatasetOptions evaluation;
  evaluation.forEvaluation = true;
  data = loadDataset(spec, error, evaluation);
  ASSERT_TRUE(data) << error;
  EXPECT_EQ(data->train.size(), 0);
  EXPECT_EQ(data->test.size(), 10);
  EXPECT_EQ(data->test.samples[3], 3.0f);
  // A hold-out on training data only, in [0, 1).
  DatasetOptions heldOut;
  heldOut.holdout = 0.5;
  EXPECT_FALSE(loadDataset(spec, error, [&] {
    DatasetOptions both = heldOut;
    both.forEvaluation = true;
    return both;
  }()));
  EXPECT_EQ(error, "a hold-out applies to training");
  heldOut.holdout = 1.0;
  EXPECT_FALSE(loadDataset(spec, error, heldOut));
  EXPECT_FALSE(loadDataset("digits", error, [] {
    DatasetOptions options;
    options.holdout = 0.2;
    return options;
  }()));
  EXPECT_EQ(error, "dataset 'digits' has a fixed test split; a hold-out "
                   "applies to npy:X,Y");

  EXPECT_FALSE(
      loadDataset("npy:" + tempPath("y.npy") + "," + tempPath("y.npy"), error));
  EXPECT_NE(error.find("samples must be a float32 array"), std::string::npos);
  EXPECT_FALSE(loadDataset("npy:only-one.npy", error));
  EXPECT_FALSE(loadDataset("cifar", error));
  EXPECT_EQ(error, "unknown dataset 'cifar'; expected digits, fashion-mnist "
                   "or npy:X.npy,Y.npy");
}

/// The real datasets, when installed (`make datasets`, run by make check).
TEST(Datasets, RealDigits) {
  std::string error;
  std::optional<Dataset> digits = loadDataset("digits", error);
  if (!digits)
    GTEST_SKIP() << error;
  EXPECT_EQ(digits->train.size(), 1438);
  EXPECT_EQ(digits->test.size(), 359);
  EXPECT_EQ(digits->train.samples.size(), 1438u * 64);
  std::set<int32_t> classes(digits->train.labels.begin(),
                            digits->train.labels.end());
  EXPECT_EQ(classes.size(), 10u);
  for (float v : digits->train.samples)
    ASSERT_TRUE(v >= 0.0f && v <= 1.0f);
}

TEST(Datasets, RealFashionMnist) {
  std::string error;
  std::optional<Dataset> fashion = loadDataset("fashion-mnist", error);
  if (!fashion)
    GTEST_SKIP() << error;
  EXPECT_EQ(fashion->train.size(), 60000);
  EXPECT_EQ(fashion->test.size(), 10000);
  EXPECT_EQ(fashion->getSampleSize(), 784);
  std::vector<int64_t> counts(10, 0);
  for (int32_t label : fashion->test.labels)
    ++counts.at(label);
  // Fashion-MNIST's test set is balanced: 1000 per class.
  EXPECT_EQ(counts, std::vector<int64_t>(10, 1000));
}

} // namespace

namespace {
/// The hold-out takes round(fraction * count) of each class, reproducibly
/// from the seed, keeps both splits in their original order and moves each
/// sample with its label.
TEST(Datasets, StratifiedHoldOut) {
  auto make = [] {
    Split split;
    // Classes of 10, 20 and 7 samples, sorted by label; sample i holds
    // {i, -i}.
    for (int32_t label : {0, 1, 2})
      for (int k = 0; k < (label == 0 ? 10 : label == 1 ? 20 : 7); ++k) {
        float i = static_cast<float>(split.size());
        split.samples.push_back(i);
        split.samples.push_back(-i);
        split.labels.push_back(label);
      }
    return split;
  };
  auto heldOut = [&](uint64_t seed) {
    Split train = make(), test;
    holdOutStratified(train, test, 2, 0.3, seed);
    EXPECT_EQ(train.size() + test.size(), 37);
    std::map<int32_t, int> perClass;
    for (int32_t label : test.labels)
      ++perClass[label];
    EXPECT_EQ(perClass[0], 3);
    EXPECT_EQ(perClass[1], 6);
    EXPECT_EQ(perClass[2], 2);
    for (const Split *split : {&train, &test})
      for (int64_t n = 0; n < split->size(); ++n) {
        float id = split->samples[2 * n];
        EXPECT_EQ(split->samples[2 * n + 1], -id);
        EXPECT_EQ(split->labels[n], id < 10 ? 0 : id < 30 ? 1 : 2);
        if (n > 0)
          EXPECT_LT(split->samples[2 * (n - 1)], id);
      }
    // Every sample lands in exactly one split.
    std::set<float> ids;
    for (const Split *split : {&train, &test})
      for (int64_t n = 0; n < split->size(); ++n)
        ids.insert(split->samples[2 * n]);
    EXPECT_EQ(ids.size(), 37u);
    EXPECT_EQ(*ids.begin(), 0.0f);
    EXPECT_EQ(*ids.rbegin(), 36.0f);
    return test.samples;
  };
  EXPECT_EQ(heldOut(1), heldOut(1));
  EXPECT_NE(heldOut(1), heldOut(2));
}
} // namespace
