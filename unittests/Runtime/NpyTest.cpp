//===- NpyTest.cpp - .npy reading and writing -----------------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Reads files NumPy wrote (testdata/make_testdata.py), round-trips every
// dtype through the writer, and checks that every kind of malformed file gets
// its own message.
//
//===----------------------------------------------------------------------===//

#include "quantx/Runtime/Npy.h"

#include "gtest/gtest.h"

#include <cstring>
#include <fstream>
#include <iterator>

using namespace quantx::runtime;

namespace {

std::string testdata(const std::string &name) {
  return std::string(QUANTX_NPY_TESTDATA) + "/" + name;
}

std::vector<uint8_t> fileBytes(const std::string &name) {
  std::ifstream file(testdata(name), std::ios::binary);
  return {std::istreambuf_iterator<char>(file),
          std::istreambuf_iterator<char>()};
}

template <typename T> std::vector<T> elements(const NpyArray &array) {
  std::vector<T> values(array.data.size() / sizeof(T));
  std::memcpy(values.data(), array.data.data(), array.data.size());
  return values;
}

NpyArray read(const std::string &name) {
  std::string error;
  std::optional<NpyArray> array = readNpyFile(testdata(name), error);
  EXPECT_TRUE(array) << error;
  return array.value_or(NpyArray());
}

std::string readError(const std::vector<uint8_t> &bytes) {
  std::string error;
  std::optional<NpyArray> array = parseNpy(bytes.data(), bytes.size(), error);
  EXPECT_FALSE(array);
  return error;
}

TEST(Npy, ReadsWhatNumPyWrites) {
  NpyArray f32 = read("f32_2x3.npy");
  EXPECT_EQ(f32.dtype, DType::F32);
  EXPECT_EQ(f32.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(elements<float>(f32),
            (std::vector<float>{0.5f, -1.25f, 3.0f, 1e-3f, -0.0f, 65504.0f}));
  EXPECT_EQ(elements<double>(read("f64_2x3.npy"))[3], 1e-3);
  NpyArray f16 = read("f16_2x3.npy");
  EXPECT_EQ(f16.dtype, DType::F16);
  EXPECT_EQ(elements<uint16_t>(f16)[5], 0x7BFF); // 65504, the f16 maximum
  EXPECT_EQ(elements<int8_t>(read("i8_4.npy")),
            (std::vector<int8_t>{-128, -1, 0, 127}));
  EXPECT_EQ(elements<int16_t>(read("i16_4.npy"))[0], -32768);
  EXPECT_EQ(elements<int32_t>(read("i32_4.npy"))[3], 2147483647);
  EXPECT_EQ(elements<int64_t>(read("i64_4.npy"))[0], INT64_MIN);
  EXPECT_EQ(elements<uint8_t>(read("u8_4.npy"))[3], 255);
  EXPECT_EQ(elements<uint8_t>(read("bool_4.npy")),
            (std::vector<uint8_t>{1, 0, 0, 1}));
  NpyArray scalar = read("f32_scalar.npy");
  EXPECT_TRUE(scalar.shape.empty());
  EXPECT_EQ(scalar.getShapeString(), "()");
  EXPECT_EQ(elements<float>(scalar), std::vector<float>{2.5f});
  NpyArray empty = read("f32_empty_0x3.npy");
  EXPECT_EQ(empty.shape, (std::vector<int64_t>{0, 3}));
  EXPECT_TRUE(empty.data.empty());
  NpyArray v2 = read("f32_v2.npy");
  EXPECT_EQ(v2.shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(elements<float>(v2)[5], 5.0f);
}

TEST(Npy, RoundTripsEveryDType) {
  for (DType dtype : {DType::F16, DType::F32, DType::F64, DType::I8, DType::I16,
                      DType::I32, DType::I64, DType::U8, DType::Bool,
                      DType::U16, DType::U32, DType::U64}) {
    NpyArray array;
    array.dtype = dtype;
    array.shape = {2, 1, 3};
    for (int i = 0; i < 6 * static_cast<int>(getDTypeSize(dtype)); ++i)
      array.data.push_back(dtype == DType::Bool ? i % 2 : uint8_t(i * 37));
    std::vector<uint8_t> bytes = serializeNpy(array);
    // NumPy aligns the data to 64 bytes.
    EXPECT_EQ((bytes.size() - array.data.size()) % 64, 0u);
    std::string error;
    std::optional<NpyArray> back = parseNpy(bytes.data(), bytes.size(), error);
    ASSERT_TRUE(back) << getDTypeName(dtype) << ": " << error;
    EXPECT_EQ(back->dtype, dtype);
    EXPECT_EQ(back->shape, array.shape);
    EXPECT_EQ(back->data, array.data);
  }
  // The writer's bytes match NumPy's for the same array.
  NpyArray f32 = read("f32_2x3.npy");
  EXPECT_EQ(serializeNpy(f32), fileBytes("f32_2x3.npy"));
}

TEST(Npy, RejectsWhatItCannotRead) {
  EXPECT_EQ(readError({}), "not a .npy file (bad magic string)");
  EXPECT_EQ(readError({'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0}),
            "not a .npy file (bad magic string)");
  EXPECT_NE(readError(fileBytes("f32_fortran.npy")).find("Fortran-order"),
            std::string::npos);
  EXPECT_EQ(readError(fileBytes("f32_bigendian.npy")),
            "big-endian data ('>f4') is not supported");
  EXPECT_EQ(readError(fileBytes("c64_2.npy")),
            "unsupported dtype '<c8'; expected f2, f4, f8, i1, i2, i4, i8, "
            "u1 or b1");

  std::vector<uint8_t> good = fileBytes("f32_2x3.npy");
  std::vector<uint8_t> truncated(good.begin(), good.end() - 4);
  EXPECT_EQ(readError(truncated), "shape (2, 3) of <f4 needs 24 bytes of "
                                  "data, the file has 20 (truncated)");
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  EXPECT_EQ(readError(longer),
            "shape (2, 3) of <f4 needs 24 bytes of data, the file has 25");
  std::vector<uint8_t> headerOnly(good.begin(), good.begin() + 20);
  EXPECT_NE(readError(headerOnly).find("truncated .npy header"),
            std::string::npos);
  std::vector<uint8_t> version9 = good;
  version9[6] = 9;
  EXPECT_EQ(readError(version9), "unsupported .npy version 9.0");

  // Header edits: the dict must be what NumPy writes.
  auto withHeader = [&](std::string header) {
    NpyArray array;
    std::vector<uint8_t> bytes = serializeNpy(array);
    std::vector<uint8_t> out(bytes.begin(), bytes.begin() + 8);
    out.push_back(static_cast<uint8_t>(header.size()));
    out.push_back(0);
    out.insert(out.end(), header.begin(), header.end());
    return readError(out);
  };
  EXPECT_EQ(withHeader("{'descr': '<f4', 'fortran_order': False}"),
            "malformed .npy header: the header lacks 'descr', "
            "'fortran_order' or 'shape'");
  EXPECT_EQ(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': "
                       "(-1,), }"),
            "malformed .npy header: expected a non-negative integer in "
            "'shape'");
  EXPECT_EQ(withHeader("{'descr': '<f4', 'fortran_order': Maybe, 'shape': "
                       "(), }"),
            "malformed .npy header: expected True or False for "
            "'fortran_order'");
  EXPECT_EQ(withHeader("{'descr': '<f4', 'extra': 1, 'shape': (), }"),
            "malformed .npy header: unexpected key 'extra' in the header");
  EXPECT_EQ(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': "
                       "(99999999999, 99999999999, 99999999999), }"),
            "shape (99999999999, 99999999999, 99999999999) is too large");

  std::vector<uint8_t> badBool = fileBytes("bool_4.npy");
  badBool.back() = 7;
  EXPECT_EQ(readError(badBool), "bool element 3 is 7, not 0 or 1");

  std::string error;
  EXPECT_FALSE(readNpyFile(testdata("missing.npy"), error));
  EXPECT_NE(error.find("missing.npy: cannot open file"), std::string::npos);
}

} // namespace

namespace {
/// Integer elements read as the values they hold, whatever their dtype.
TEST(Npy, IntegerElements) {
  auto array = [](DType dtype, std::vector<uint8_t> bytes) {
    NpyArray a;
    a.dtype = dtype;
    a.shape = {static_cast<int64_t>(bytes.size() / getDTypeSize(dtype))};
    a.data = std::move(bytes);
    return a;
  };
  EXPECT_EQ(getIntegerElement(array(DType::I8, {0xFE}), 0), -2);
  EXPECT_EQ(getIntegerElement(array(DType::U8, {0xFE}), 0), 254);
  EXPECT_EQ(getIntegerElement(array(DType::I16, {0xFE, 0xFF}), 0), -2);
  EXPECT_EQ(getIntegerElement(array(DType::U16, {0xFE, 0xFF}), 0), 65534);
  EXPECT_EQ(getIntegerElement(array(DType::U32, {0xFF, 0xFF, 0xFF, 0xFF}), 0),
            4294967295);
  EXPECT_EQ(
      getIntegerElement(array(DType::U64, std::vector<uint8_t>(8, 0xFF)), 0),
      std::nullopt);
  EXPECT_EQ(getIntegerElement(array(DType::Bool, {0, 1}), 1), 1);
  EXPECT_EQ(getIntegerElement(array(DType::F32, {0, 0, 0x80, 0x3F}), 0),
            std::nullopt);
  EXPECT_TRUE(isIntegerDType(DType::U16));
  EXPECT_FALSE(isIntegerDType(DType::F16));
}
} // namespace
