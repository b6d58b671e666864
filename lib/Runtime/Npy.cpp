//===- Npy.cpp - NumPy .npy tensor files ----------------------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The header is a Python dict literal; this parser accepts exactly the
// grammar NumPy writes (string keys, string/bool/tuple values, optional
// trailing commas, spaces) and rejects anything else rather than guessing.
//
//===----------------------------------------------------------------------===//

#include "quantx/Runtime/Npy.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

namespace quantx::runtime {

namespace {
struct DTypeInfo {
  DType dtype;
  const char *descr; ///< As NumPy writes it.
  const char *name;
  unsigned size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::F16, "<f2", "f16", 2},   {DType::F32, "<f4", "f32", 4},
    {DType::F64, "<f8", "f64", 8},   {DType::I8, "|i1", "i8", 1},
    {DType::I16, "<i2", "i16", 2},   {DType::I32, "<i4", "i32", 4},
    {DType::I64, "<i8", "i64", 8},   {DType::U8, "|u1", "u8", 1},
    {DType::Bool, "|b1", "bool", 1}, {DType::U16, "<u2", "u16", 2},
    {DType::U32, "<u4", "u32", 4},   {DType::U64, "<u8", "u64", 8},
};
const DTypeInfo &info(DType dtype) {
  return kDTypes[static_cast<unsigned>(dtype)];
}

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
/// Far beyond any real header; guards against absurd lengths.
constexpr size_t kMaxHeaderSize = size_t(1) << 20;

/// A cursor over the header's dict literal.
class HeaderParser {
public:
  HeaderParser(std::string_view text) : text(text) {}

  bool parse(std::string &descr, bool &fortranOrder,
             std::vector<int64_t> &shape, std::string &error) {
    bool sawDescr = false, sawOrder = false, sawShape = false;
    skipSpace();
    if (!consume('{'))
      return fail(error, "expected '{' at the start of the header");
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(key))
        return fail(error, "expected a quoted key in the header");
      skipSpace();
      if (!consume(':'))
        return fail(error, "expected ':' after key '" + key + "'");
      skipSpace();
      if (key == "descr") {
        if (!parseString(descr))
          return fail(error, "expected a string for 'descr'");
        sawDescr = true;
      } else if (key == "fortran_order") {
        if (consumeWord("True"))
          fortranOrder = true;
        else if (consumeWord("False"))
          fortranOrder = false;
        else
          return fail(error, "expected True or False for 'fortran_order'");
        sawOrder = true;
      } else if (key == "shape") {
        if (!parseShape(shape, error))
          return false;
        sawShape = true;
      } else {
        return fail(error, "unexpected key '" + key + "' in the header");
      }
      skipSpace();
      if (consume(','))
        continue;
      skipSpace();
      if (consume('}'))
        break;
      return fail(error, "expected ',' or '}' in the header");
    }
    skipSpace();
    if (pos != text.size())
      return fail(error, "unexpected characters after the header dict");
    if (!sawDescr || !sawOrder || !sawShape)
      return fail(error, "the header lacks 'descr', 'fortran_order' or "
                         "'shape'");
    return true;
  }

private:
  bool fail(std::string &error, std::string message) {
    error = std::move(message);
    return false;
  }
  void skipSpace() {
    while (pos < text.size() &&
           (text[pos] == ' ' || text[pos] == '\n' || text[pos] == '\t'))
      ++pos;
  }
  bool consume(char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool consumeWord(std::string_view word) {
    if (text.substr(pos, word.size()) != word)
      return false;
    pos += word.size();
    return true;
  }
  bool parseString(std::string &out) {
    if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"'))
      return false;
    char quote = text[pos++];
    size_t end = text.find(quote, pos);
    if (end == std::string_view::npos)
      return false;
    out = std::string(text.substr(pos, end - pos));
    pos = end + 1;
    return true;
  }
  bool parseShape(std::vector<int64_t> &shape, std::string &error) {
    shape.clear();
    if (!consume('('))
      return fail(error, "expected a tuple for 'shape'");
    while (true) {
      skipSpace();
      if (consume(')'))
        return true;
      if (pos >= text.size() || text[pos] < '0' || text[pos] > '9')
        return fail(error, "expected a non-negative integer in 'shape'");
      int64_t dim = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (dim > (std::numeric_limits<int64_t>::max() - 9) / 10)
          return fail(error, "a dimension in 'shape' is too large");
        dim = dim * 10 + (text[pos++] - '0');
      }
      // NumPy writes Python ints, possibly with an L suffix (Python 2).
      consume('L');
      shape.push_back(dim);
      skipSpace();
      if (consume(','))
        continue;
      skipSpace();
      if (consume(')'))
        return true;
      return fail(error, "expected ',' or ')' in 'shape'");
    }
  }

  std::string_view text;
  size_t pos = 0;
};

uint64_t readLittleEndian(const uint8_t *p, unsigned bytes) {
  uint64_t value = 0;
  for (unsigned i = 0; i < bytes; ++i)
    value |= uint64_t(p[i]) << (8 * i);
  return value;
}
} // namespace

std::string_view getNpyDescr(DType dtype) { return info(dtype).descr; }
std::string_view getDTypeName(DType dtype) { return info(dtype).name; }
unsigned getDTypeSize(DType dtype) { return info(dtype).size; }

bool isIntegerDType(DType dtype) {
  return dtype != DType::F16 && dtype != DType::F32 && dtype != DType::F64;
}

std::optional<int64_t> getIntegerElement(const NpyArray &array, int64_t index) {
  const uint8_t *p = array.data.data() + index * getDTypeSize(array.dtype);
  auto load = [&](auto value) {
    std::memcpy(&value, p, sizeof(value));
    return value;
  };
  switch (array.dtype) {
  case DType::I8:
    return load(int8_t());
  case DType::I16:
    return load(int16_t());
  case DType::I32:
    return load(int32_t());
  case DType::I64:
    return load(int64_t());
  case DType::U8:
  case DType::Bool:
    return load(uint8_t());
  case DType::U16:
    return load(uint16_t());
  case DType::U32:
    return load(uint32_t());
  case DType::U64: {
    uint64_t value = load(uint64_t());
    if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
    return static_cast<int64_t>(value);
  }
  case DType::F16:
  case DType::F32:
  case DType::F64:
    break;
  }
  return std::nullopt;
}

int64_t NpyArray::getNumElements() const {
  int64_t n = 1;
  for (int64_t dim : shape)
    n *= dim;
  return n;
}

std::string NpyArray::getShapeString() const { return formatShape(shape); }

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      text += ", ";
    text += std::to_string(shape[i]);
  }
  if (shape.size() == 1)
    text += ",";
  return text + ")";
}

std::optional<NpyArray> parseNpy(const uint8_t *bytes, size_t size,
                                 std::string &error) {
  if (size < kMagicSize + 2 || std::memcmp(bytes, kMagic, kMagicSize) != 0) {
    error = "not a .npy file (bad magic string)";
    return std::nullopt;
  }
  unsigned major = bytes[6];
  unsigned lengthBytes;
  if (major == 1) {
    lengthBytes = 2;
  } else if (major == 2 || major == 3) {
    lengthBytes = 4;
  } else {
    error = "unsupported .npy version " + std::to_string(major) + "." +
            std::to_string(bytes[7]);
    return std::nullopt;
  }
  size_t prefix = kMagicSize + 2 + lengthBytes;
  if (size < prefix) {
    error = "truncated .npy header";
    return std::nullopt;
  }
  uint64_t headerSize = readLittleEndian(bytes + kMagicSize + 2, lengthBytes);
  if (headerSize > kMaxHeaderSize || headerSize > size - prefix) {
    error = "truncated .npy header (it claims " + std::to_string(headerSize) +
            " bytes)";
    return std::nullopt;
  }
  std::string_view header(reinterpret_cast<const char *>(bytes + prefix),
                          headerSize);

  std::string descr;
  bool fortranOrder = false;
  NpyArray array;
  if (!HeaderParser(header).parse(descr, fortranOrder, array.shape, error)) {
    error = "malformed .npy header: " + error;
    return std::nullopt;
  }
  if (fortranOrder) {
    error = "Fortran-order arrays are not supported (save with C order)";
    return std::nullopt;
  }
  if (descr.size() == 3 && descr[0] == '>' && descr[2] != '1') {
    error = "big-endian data ('" + descr + "') is not supported";
    return std::nullopt;
  }
  bool known = false;
  for (const DTypeInfo &candidate : kDTypes) {
    std::string_view expected = candidate.descr;
    // Single-byte types may carry any byte-order mark; wider ones must be
    // little endian ('<', or '=' native on the little-endian hosts quantx
    // runs on).
    if (descr.size() == 3 && descr.substr(1) == expected.substr(1) &&
        (descr[0] == expected[0] ||
         (candidate.size == 1 && (descr[0] == '<' || descr[0] == '|' ||
                                  descr[0] == '=' || descr[0] == '>')) ||
         (candidate.size > 1 && descr[0] == '='))) {
      array.dtype = candidate.dtype;
      known = true;
      break;
    }
  }
  if (!known) {
    error = "unsupported dtype '" + descr +
            "'; expected f2, f4, f8, i1, i2, i4, i8, u1 or b1";
    return std::nullopt;
  }

  // Element count, guarding against overflow.
  uint64_t elements = 1;
  const uint64_t limit = std::numeric_limits<uint64_t>::max() / 8;
  for (int64_t dim : array.shape) {
    if (dim != 0 && elements > limit / static_cast<uint64_t>(dim)) {
      error = "shape " + array.getShapeString() + " is too large";
      return std::nullopt;
    }
    elements *= static_cast<uint64_t>(dim);
  }
  uint64_t needed = elements * getDTypeSize(array.dtype);
  uint64_t available = size - prefix - headerSize;
  if (available != needed) {
    error = "shape " + array.getShapeString() + " of " + descr + " needs " +
            std::to_string(needed) + " bytes of data, the file has " +
            std::to_string(available) +
            (available < needed ? " (truncated)" : "");
    return std::nullopt;
  }
  const uint8_t *data = bytes + prefix + headerSize;
  if (array.dtype == DType::Bool)
    for (uint64_t i = 0; i < elements; ++i)
      if (data[i] > 1) {
        error = "bool element " + std::to_string(i) + " is " +
                std::to_string(data[i]) + ", not 0 or 1";
        return std::nullopt;
      }
  array.data.assign(data, data + needed);
  return array;
}

bool readRegularFile(const std::string &path, std::vector<uint8_t> &bytes,
                     std::string &error) {
  std::error_code code;
  if (!std::filesystem::exists(path, code)) {
    error = path + ": cannot open file";
    return false;
  }
  if (!std::filesystem::is_regular_file(path, code)) {
    error = path + ": not a regular file";
    return false;
  }
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  std::streamoff size = file ? static_cast<std::streamoff>(file.tellg()) : -1;
  if (size < 0) {
    error = path + ": cannot open file";
    return false;
  }
  bytes.resize(static_cast<size_t>(size));
  file.seekg(0);
  if (size > 0 && !file.read(reinterpret_cast<char *>(bytes.data()), size)) {
    error = path + ": cannot read file";
    return false;
  }
  return true;
}

std::optional<NpyArray> readNpyFile(const std::string &path,
                                    std::string &error) {
  std::vector<uint8_t> bytes;
  if (!readRegularFile(path, bytes, error))
    return std::nullopt;
  std::optional<NpyArray> array = parseNpy(bytes.data(), bytes.size(), error);
  if (!array)
    error = path + ": " + error;
  return array;
}

std::vector<uint8_t> serializeNpy(const NpyArray &array) {
  std::string header =
      "{'descr': '" + std::string(getNpyDescr(array.dtype)) +
      "', 'fortran_order': False, 'shape': " + array.getShapeString() + ", }";
  // Pad with spaces and a newline so the data starts at a multiple of 64.
  size_t total = kMagicSize + 2 + 2 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::vector<uint8_t> bytes(kMagic, kMagic + kMagicSize);
  bytes.push_back(1);
  bytes.push_back(0);
  bytes.push_back(static_cast<uint8_t>(header.size() & 0xff));
  bytes.push_back(static_cast<uint8_t>(header.size() >> 8));
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), array.data.begin(), array.data.end());
  return bytes;
}

bool writeNpyFile(const std::string &path, const NpyArray &array,
                  std::string &error) {
  std::vector<uint8_t> bytes = serializeNpy(array);
  std::ofstream file(path, std::ios::binary);
  // Buffered data reaches the file at close: check that too (a full disk).
  if (!file ||
      !file.write(reinterpret_cast<const char *>(bytes.data()), bytes.size()) ||
      !file.flush() || (file.close(), file.fail())) {
    error = path + ": cannot write file";
    return false;
  }
  return true;
}

} // namespace quantx::runtime
