//===- Npy.h - NumPy .npy tensor files --------------------------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Reading and writing the NumPy .npy format (versions 1.0, 2.0 and 3.0):
// little-endian, C-order arrays of f16, f32, f64, int8/16/32/64, uint8 and
// bool. Everything else is rejected with a message naming the problem. Plain
// C++ with no MLIR or LLVM dependency, so the reader can be fuzzed alone.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_RUNTIME_NPY_H
#define QUANTX_RUNTIME_NPY_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quantx::runtime {

/// The element types quantx reads and writes.
enum class DType : uint8_t {
  F16,
  F32,
  F64,
  I8,
  I16,
  I32,
  I64,
  U8,
  Bool,
  U16,
  U32,
  U64
};

/// The NumPy type string of `dtype`, e.g. "<f4" or "|u1".
std::string_view getNpyDescr(DType dtype);
/// A short name: f16, f32, f64, i8, i16, i32, i64, u8, u16, u32, u64, bool.
std::string_view getDTypeName(DType dtype);
/// Bytes per element.
unsigned getDTypeSize(DType dtype);
/// True for the integer and bool dtypes.
bool isIntegerDType(DType dtype);

struct NpyArray {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// Elements in C order, little endian.
  std::vector<uint8_t> data;

  int64_t getNumElements() const;
  /// The shape as NumPy prints it: "(2, 3)", "(4,)", "()".
  std::string getShapeString() const;
};

/// A shape as NumPy prints it: "(2, 3)", "(4,)", "()".
std::string formatShape(const std::vector<int64_t> &shape);

/// Returns element `index` of an integer or bool array as an int64_t, or
/// nothing for float arrays and u64 values above INT64_MAX.
std::optional<int64_t> getIntegerElement(const NpyArray &array, int64_t index);

/// Parses the bytes of a .npy file. On failure returns nothing and sets
/// `error` to a one-line reason.
std::optional<NpyArray> parseNpy(const uint8_t *bytes, size_t size,
                                 std::string &error);

/// Reads a whole regular file (a directory, a missing or unreadable file is
/// an error naming it).
bool readRegularFile(const std::string &path, std::vector<uint8_t> &bytes,
                     std::string &error);

/// Reads a .npy file; errors name the file.
std::optional<NpyArray> readNpyFile(const std::string &path,
                                    std::string &error);

/// Encodes an array as a version 1.0 .npy file.
std::vector<uint8_t> serializeNpy(const NpyArray &array);

/// Writes a .npy file; returns false and sets `error` on failure.
bool writeNpyFile(const std::string &path, const NpyArray &array,
                  std::string &error);

} // namespace quantx::runtime

#endif // QUANTX_RUNTIME_NPY_H
