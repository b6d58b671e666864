//===- QuantxTypes.cpp - quantx format types ------------------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Parsing, printing and verification of the format types, and their
// FormatTypeInterface implementations over the Numerics library.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/QuantxTypes.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <charconv>
#include <cmath>
#include <type_traits>

using namespace mlir;
using namespace mlir::quantx;
namespace num = ::quantx::numerics;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

/// Prints `value` with the fewest digits that parse back to the same double,
/// always as an MLIR float literal (with a '.').
static void printDouble(AsmPrinter &printer, double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  std::string text(buffer, ec == std::errc() ? end : buffer);
  size_t exponent = text.find('e');
  if (text.find('.') == std::string::npos &&
      text.find_first_of("ni") == std::string::npos)
    text.insert(exponent == std::string::npos ? text.size() : exponent, ".0");
  printer.getStream() << text;
}

num::RoundingMode mlir::quantx::toNumerics(RoundingMode mode) {
  switch (mode) {
  case RoundingMode::nearest_even:
    return num::RoundingMode::NearestEven;
  case RoundingMode::nearest_away:
    return num::RoundingMode::NearestAway;
  case RoundingMode::toward_zero:
    return num::RoundingMode::TowardZero;
  case RoundingMode::stochastic:
    return num::RoundingMode::Stochastic;
  }
  llvm_unreachable("unknown rounding mode");
}

num::Arithmetic mlir::quantx::toNumerics(Arithmetic arithmetic) {
  switch (arithmetic) {
  case Arithmetic::exact:
    return num::Arithmetic::Exact;
  case Arithmetic::onnx:
    return num::Arithmetic::Onnx;
  case Arithmetic::pytorch:
    return num::Arithmetic::PyTorch;
  }
  llvm_unreachable("unknown arithmetic");
}

LogicalResult mlir::quantx::verifyFormatForShape(
    FormatTypeInterface format, ArrayRef<int64_t> shape,
    function_ref<InFlightDiagnostic()> emitError) {
  std::optional<int32_t> axis = format.getChannelAxis();
  if (!axis)
    return success();
  if (*axis >= static_cast<int64_t>(shape.size()))
    return emitError() << "quantized dimension " << *axis
                       << " is out of range for a value of rank "
                       << shape.size();
  int64_t size = shape[*axis];
  // A runtime size could differ from the channel count, and nothing would
  // notice: the quantized dimension must be static.
  if (ShapedType::isDynamic(size))
    return emitError() << "quantized dimension " << *axis
                       << " must have a static size (the format has "
                       << format.getNumChannels()
                       << " channels), got a dynamic one";
  if (size != format.getNumChannels())
    return emitError() << "quantized dimension " << *axis << " has size "
                       << size << " but the format has "
                       << format.getNumChannels() << " channels";
  return success();
}

/// Parses `scale (`:` zero-point)?`; zero points only when `zeroPoints` is
/// given.
static ParseResult
parseScaleAndZeroPoint(AsmParser &parser, SmallVectorImpl<double> &scales,
                       SmallVectorImpl<int64_t> *zeroPoints) {
  double scale;
  if (parser.parseFloat(scale))
    return failure();
  scales.push_back(scale);
  if (!zeroPoints)
    return success();
  int64_t zeroPoint = 0;
  if (succeeded(parser.parseOptionalColon()) && parser.parseInteger(zeroPoint))
    return failure();
  zeroPoints->push_back(zeroPoint);
  return success();
}

/// Parses `(`:` axis)? (`,` params)?` where params is one
/// `scale(:zero-point)?` or a braced list of them; `params` is required when
/// `zeroPoints` is given (fixed point).
static ParseResult parseChannelParams(AsmParser &parser, int32_t &axis,
                                      SmallVectorImpl<double> &scales,
                                      SmallVectorImpl<int64_t> *zeroPoints) {
  axis = -1;
  if (succeeded(parser.parseOptionalColon())) {
    SMLoc loc = parser.getCurrentLocation();
    if (parser.parseInteger(axis))
      return failure();
    if (axis < 0)
      return parser.emitError(loc, "quantized dimension must be >= 0, got ")
             << axis;
  }
  if (zeroPoints) {
    if (parser.parseComma())
      return failure();
  } else if (failed(parser.parseOptionalComma())) {
    if (axis >= 0)
      return parser.emitError(parser.getCurrentLocation(),
                              "a quantized dimension needs a braced list of "
                              "per-channel scales");
    return success();
  }
  SMLoc loc = parser.getCurrentLocation();
  if (succeeded(parser.parseOptionalLBrace())) {
    if (axis < 0)
      return parser.emitError(loc, "per-channel parameters need a quantized "
                                   "dimension after the expressed type");
    if (parser.parseCommaSeparatedList([&] {
          return parseScaleAndZeroPoint(parser, scales, zeroPoints);
        }) ||
        parser.parseRBrace())
      return failure();
    return success();
  }
  if (axis >= 0)
    return parser.emitError(loc, "a quantized dimension needs a braced list "
                                 "of per-channel parameters");
  return parseScaleAndZeroPoint(parser, scales, zeroPoints);
}

static void printChannelParams(AsmPrinter &printer, int32_t axis,
                               ArrayRef<double> scales,
                               ArrayRef<int64_t> zeroPoints) {
  if (axis >= 0)
    printer << ":" << axis;
  if (scales.empty())
    return;
  printer << ", ";
  if (axis >= 0)
    printer << "{";
  for (size_t i = 0; i < scales.size(); ++i) {
    if (i)
      printer << ", ";
    printDouble(printer, scales[i]);
    if (i < zeroPoints.size() && zeroPoints[i] != 0)
      printer << ":" << zeroPoints[i];
  }
  if (axis >= 0)
    printer << "}";
}

/// Verifies per-tensor or per-channel scales (and zero points through
/// `format`, when given).
static LogicalResult
verifyChannelParams(function_ref<InFlightDiagnostic()> emitError,
                    int32_t quantizedDimension, ArrayRef<double> scales,
                    ArrayRef<int64_t> zeroPoints,
                    const num::FixedPointFormat *format) {
  if (quantizedDimension < -1)
    return emitError() << "quantized dimension must be >= 0, got "
                       << quantizedDimension;
  if (format && scales.size() != zeroPoints.size())
    return emitError() << "expected as many zero points as scales, got "
                       << zeroPoints.size() << " and " << scales.size();
  if (quantizedDimension >= 0 && scales.empty())
    return emitError() << "a per-channel format needs at least one scale";
  if (quantizedDimension < 0 && scales.size() > 1)
    return emitError() << "a per-tensor format has one scale, got "
                       << scales.size();
  for (size_t i = 0; i < scales.size(); ++i) {
    std::optional<std::string> message =
        format ? format->verifyParams(scales[i], zeroPoints[i])
               : num::verifyScale(scales[i]);
    if (message) {
      InFlightDiagnostic diag = emitError();
      if (quantizedDimension >= 0)
        diag << "channel " << i << ": ";
      return diag << *message;
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// FixedType
//===----------------------------------------------------------------------===//

/// storage ::= (`i`|`u`)N (`<` min `:` max `>`)?
static ParseResult parseFixedStorage(AsmParser &parser, unsigned &width,
                                     bool &isSigned, int64_t &storageMin,
                                     int64_t &storageMax) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  unsigned bits = 0;
  // `i8` (an integer-type token) and `u8` both read as keywords here.
  if (parser.parseKeyword(&keyword))
    return failure();
  StringRef digits = keyword;
  bool signedness = digits.consume_front("i");
  if ((!signedness && !digits.consume_front("u")) ||
      digits.getAsInteger(10, bits))
    return parser.emitError(loc, "expected a storage type such as i8 or u8, "
                                 "got '")
           << keyword << "'";
  if (bits < 1 || bits > num::kMaxFixedPointWidth)
    return parser.emitError(loc, "storage width must be in [1, ")
           << num::kMaxFixedPointWidth << "], got " << bits;
  width = bits;
  isSigned = signedness;
  int64_t lo = num::FixedPointFormat::getIntegerMin(bits, signedness);
  int64_t hi = num::FixedPointFormat::getIntegerMax(bits, signedness);
  if (succeeded(parser.parseOptionalLess())) {
    if (parser.parseInteger(lo) || parser.parseColon() ||
        parser.parseInteger(hi) || parser.parseGreater())
      return failure();
  }
  storageMin = lo;
  storageMax = hi;
  return success();
}

static void printFixedStorage(AsmPrinter &printer, unsigned width,
                              bool isSigned, int64_t storageMin,
                              int64_t storageMax) {
  printer << (isSigned ? "i" : "u") << width;
  if (storageMin != num::FixedPointFormat::getIntegerMin(width, isSigned) ||
      storageMax != num::FixedPointFormat::getIntegerMax(width, isSigned))
    printer << "<" << storageMin << ":" << storageMax << ">";
}

static ParseResult parseFixedParams(AsmParser &parser,
                                    int32_t &quantizedDimension,
                                    SmallVector<double> &scales,
                                    SmallVector<int64_t> &zeroPoints) {
  int32_t axis;
  SmallVector<double> parsedScales;
  SmallVector<int64_t> parsedZeroPoints;
  // `, ?`: a scale and zero point given at run time. Otherwise a per-tensor
  // format's parameters follow the comma.
  if (succeeded(parser.parseOptionalComma())) {
    quantizedDimension = -1;
    if (succeeded(parser.parseOptionalQuestion())) {
      scales.clear();
      zeroPoints.clear();
      return success();
    }
    SMLoc loc = parser.getCurrentLocation();
    if (succeeded(parser.parseOptionalLBrace()))
      return parser.emitError(loc, "per-channel parameters need a quantized "
                                   "dimension after the expressed type");
    if (parseScaleAndZeroPoint(parser, parsedScales, &parsedZeroPoints))
      return failure();
    scales = std::move(parsedScales);
    zeroPoints = std::move(parsedZeroPoints);
    return success();
  }
  if (parseChannelParams(parser, axis, parsedScales, &parsedZeroPoints))
    return failure();
  quantizedDimension = axis;
  scales = std::move(parsedScales);
  zeroPoints = std::move(parsedZeroPoints);
  return success();
}

static void printFixedParams(AsmPrinter &printer, int32_t quantizedDimension,
                             ArrayRef<double> scales,
                             ArrayRef<int64_t> zeroPoints) {
  if (scales.empty() && quantizedDimension < 0) {
    printer << ", ?";
    return;
  }
  printChannelParams(printer, quantizedDimension, scales, zeroPoints);
}

LogicalResult FixedType::verify(function_ref<InFlightDiagnostic()> emitError,
                                unsigned width, bool isSigned,
                                int64_t storageMin, int64_t storageMax,
                                FloatType expressedType,
                                int32_t quantizedDimension, ScaleList scales,
                                ArrayRef<int64_t> zeroPoints) {
  num::FixedPointFormat format{width, isSigned, storageMin, storageMax};
  if (std::optional<std::string> message = format.verify())
    return emitError() << *message;
  if (!expressedType)
    return emitError() << "expected a float expressed type";
  if (scales.empty()) {
    // `?`: the scale is an operand.
    if (quantizedDimension >= 0)
      return emitError() << "a format with a run-time scale (?) is per "
                            "tensor; the op's axis makes it per channel";
    if (!zeroPoints.empty())
      return emitError() << "a format with a run-time scale (?) has no zero "
                            "points of its own";
    return success();
  }
  return verifyChannelParams(emitError, quantizedDimension, scales, zeroPoints,
                             &format);
}

LogicalResult
FixedType::verifyFormat(function_ref<InFlightDiagnostic()> emitError) const {
  if (hasRuntimeScale())
    return emitError() << "format " << Type(*this)
                       << " has a run-time scale (?): only "
                          "quantx.scaled_fake_quant takes it";
  return success();
}

FloatType FixedType::getExpressedFloatType() const {
  return getExpressedType();
}

std::optional<int32_t> FixedType::getChannelAxis() const {
  if (isPerChannel())
    return getQuantizedDimension();
  return std::nullopt;
}

int64_t FixedType::getNumChannels() const {
  return isPerChannel() ? getScales().size() : 1;
}

bool FixedType::isStorageSigned() const { return getIsSigned(); }

unsigned FixedType::getStorageWidth() const { return getWidth(); }

int64_t FixedType::encode(double value, num::RoundingMode mode,
                          uint32_t randomBits, int64_t channel) const {
  size_t index = isPerChannel() ? channel : 0;
  return getFormat().encode(value, getScales()[index], getZeroPoints()[index],
                            mode, randomBits);
}

double FixedType::decode(int64_t code, int64_t channel) const {
  size_t index = isPerChannel() ? channel : 0;
  return num::FixedPointFormat::decode(code, getScales()[index],
                                       getZeroPoints()[index]);
}

std::pair<int64_t, int64_t> FixedType::getCodeRange() const {
  return {getStorageMin(), getStorageMax()};
}

std::optional<std::pair<double, int64_t>>
FixedType::getAffineParams(int64_t channel) const {
  if (hasRuntimeScale())
    return std::nullopt;
  size_t index = isPerChannel() ? channel : 0;
  return std::make_pair(getScales()[index], getZeroPoints()[index]);
}

std::pair<double, double>
FixedType::getRepresentableRange(int64_t channel) const {
  return {decode(getStorageMin(), channel), decode(getStorageMax(), channel)};
}

num::FormatDescription FixedType::getDescription() const {
  num::FormatDescription description;
  description.kind = num::FormatDescription::Kind::Fixed;
  description.fixed = getFormat();
  description.scales.assign(getScales().begin(), getScales().end());
  description.zeroPoints.assign(getZeroPoints().begin(), getZeroPoints().end());
  description.axis = getChannelAxis();
  return description;
}

//===----------------------------------------------------------------------===//
// FloatFormatType
//===----------------------------------------------------------------------===//

num::FloatFormat FloatFormatType::getFormat() const {
  num::FloatFormat format;
  format.exponentBits = getExponentBits();
  format.mantissaBits = getMantissaBits();
  format.bias = getBias();
  format.radix = getRadix();
  format.special = getSpecial();
  format.overflow = getOverflow();
  format.isSigned = getIsSigned();
  format.hasSubnormals = getHasSubnormals();
  format.hasZero = getHasZero();
  return format;
}

/// `e`E`m`M (`,` option)*
static ParseResult parseFloatFormat(AsmParser &parser, unsigned &exponentBits,
                                    unsigned &mantissaBits, int32_t &bias,
                                    unsigned &radix,
                                    num::SpecialValues &special,
                                    num::OverflowMode &overflow, bool &isSigned,
                                    bool &hasSubnormals, bool &hasZero) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseKeyword(&keyword))
    return failure();
  unsigned e = 0, m = 0;
  StringRef rest = keyword;
  size_t mPos = rest.find('m');
  if (!rest.consume_front("e") || mPos == StringRef::npos ||
      rest.substr(0, mPos - 1).getAsInteger(10, e) ||
      rest.substr(mPos).getAsInteger(10, m))
    return parser.emitError(loc, "expected a format such as e4m3, got '")
           << keyword << "'";
  num::FloatFormat format = num::FloatFormat::get(e, m);
  bool sawBias = false;
  llvm::StringSet<> seen;
  while (succeeded(parser.parseOptionalComma())) {
    SMLoc optionLoc = parser.getCurrentLocation();
    StringRef option;
    if (parser.parseKeyword(&option))
      return failure();
    if (!seen.insert(option).second)
      return parser.emitError(optionLoc, "float format option '")
             << option << "' is given twice";
    if (option == "unsigned") {
      format.isSigned = false;
    } else if (option == "nosubnormal") {
      format.hasSubnormals = false;
    } else if (option == "nozero") {
      format.hasZero = false;
    } else if (option == "bias") {
      if (parser.parseEqual() || parser.parseInteger(format.bias))
        return failure();
      sawBias = true;
    } else if (option == "radix") {
      int64_t radix;
      if (parser.parseEqual() || parser.parseInteger(radix))
        return failure();
      if (radix != 2 && radix != 4)
        return parser.emitError(optionLoc, "radix must be 2 or 4, got ")
               << radix;
      format.radix = static_cast<unsigned>(radix);
    } else if (option == "special" || option == "overflow") {
      StringRef value;
      SMLoc valueLoc = parser.getCurrentLocation();
      if (parser.parseEqual() || parser.parseKeyword(&value))
        return failure();
      if (option == "special") {
        std::optional<num::SpecialValues> parsed =
            num::parseSpecialValues(value.str());
        if (!parsed)
          return parser.emitError(valueLoc, "expected ieee, fn, fnuz or none "
                                            "for 'special', got '")
                 << value << "'";
        format.special = *parsed;
      } else {
        std::optional<num::OverflowMode> parsed =
            num::parseOverflowMode(value.str());
        if (!parsed)
          return parser.emitError(valueLoc, "expected inf or sat for "
                                            "'overflow', got '")
                 << value << "'";
        format.overflow = *parsed;
      }
    } else {
      return parser.emitError(optionLoc, "unknown float format option '")
             << option
             << "'; expected bias, radix, special, overflow, unsigned, "
                "nosubnormal or nozero";
    }
  }
  if (!sawBias)
    format.bias = num::FloatFormat::getDefaultBias(e);
  exponentBits = format.exponentBits;
  mantissaBits = format.mantissaBits;
  bias = format.bias;
  radix = format.radix;
  special = format.special;
  overflow = format.overflow;
  isSigned = format.isSigned;
  hasSubnormals = format.hasSubnormals;
  hasZero = format.hasZero;
  return success();
}

static void printFloatFormat(AsmPrinter &printer, unsigned exponentBits,
                             unsigned mantissaBits, int32_t bias,
                             unsigned radix, num::SpecialValues special,
                             num::OverflowMode overflow, bool isSigned,
                             bool hasSubnormals, bool hasZero) {
  printer << "e" << exponentBits << "m" << mantissaBits;
  if (bias != num::FloatFormat::getDefaultBias(exponentBits))
    printer << ", bias = " << bias;
  if (radix != 2)
    printer << ", radix = " << radix;
  if (special != num::SpecialValues::IEEE)
    printer << ", special = " << num::stringifySpecialValues(special);
  if (overflow != num::OverflowMode::Inf)
    printer << ", overflow = " << num::stringifyOverflowMode(overflow);
  if (!isSigned)
    printer << ", unsigned";
  if (!hasSubnormals)
    printer << ", nosubnormal";
  if (!hasZero)
    printer << ", nozero";
}

LogicalResult
FloatFormatType::verify(function_ref<InFlightDiagnostic()> emitError,
                        unsigned exponentBits, unsigned mantissaBits,
                        int32_t bias, unsigned radix,
                        num::SpecialValues special, num::OverflowMode overflow,
                        bool isSigned, bool hasSubnormals, bool hasZero) {
  num::FloatFormat format;
  format.exponentBits = exponentBits;
  format.mantissaBits = mantissaBits;
  format.bias = bias;
  format.radix = radix;
  format.special = special;
  format.overflow = overflow;
  format.isSigned = isSigned;
  format.hasSubnormals = hasSubnormals;
  format.hasZero = hasZero;
  if (std::optional<std::string> message = format.verify())
    return emitError() << *message;
  return success();
}

unsigned FloatFormatType::getStorageWidth() const {
  return getFormat().getStorageWidth();
}

bool FloatFormatType::isStorageSigned() const { return false; }

int64_t FloatFormatType::encode(double value, num::RoundingMode mode,
                                uint32_t randomBits, int64_t) const {
  return static_cast<int64_t>(getFormat().encode(value, mode, randomBits));
}

double FloatFormatType::decode(int64_t code, int64_t) const {
  return getFormat().decode(static_cast<uint64_t>(code));
}

std::pair<double, double>
FloatFormatType::getRepresentableRange(int64_t) const {
  num::FloatFormat format = getFormat();
  return {format.getMinFinite(), format.getMaxFinite()};
}

num::FormatDescription FloatFormatType::getDescription() const {
  num::FormatDescription description;
  description.kind = num::FormatDescription::Kind::Float;
  description.floatFormat = getFormat();
  return description;
}

//===----------------------------------------------------------------------===//
// BinaryType and TernaryType
//===----------------------------------------------------------------------===//

static ParseResult parseScaleParams(AsmParser &parser,
                                    int32_t &quantizedDimension,
                                    SmallVector<double> &scales) {
  int32_t axis;
  SmallVector<double> parsedScales;
  if (parseChannelParams(parser, axis, parsedScales, nullptr))
    return failure();
  quantizedDimension = axis;
  scales = std::move(parsedScales);
  return success();
}

static void printScaleParams(AsmPrinter &printer, int32_t quantizedDimension,
                             ArrayRef<double> scales) {
  printChannelParams(printer, quantizedDimension, scales, {});
}

/// The description binary and ternary types share: a scale per channel (1
/// when the type has none) and, for ternary, its storage and zero points.
template <typename ScaledSetType>
static num::FormatDescription describeScaledSet(ScaledSetType type) {
  num::FormatDescription description;
  constexpr bool isTernary = std::is_same_v<ScaledSetType, TernaryType>;
  description.kind = isTernary ? num::FormatDescription::Kind::Ternary
                               : num::FormatDescription::Kind::Binary;
  for (int64_t channel = 0; channel < type.getNumChannels(); ++channel)
    description.scales.push_back(type.getScale(channel));
  if (isTernary) {
    description.fixed = num::TernaryFormat::getStorage();
    description.zeroPoints.assign(description.scales.size(), 0);
  }
  description.axis = type.getChannelAxis();
  return description;
}

/// The verifier binary and ternary types share (their definitions come from
/// the ODS base class).
static LogicalResult
verifyScaledSetParams(function_ref<InFlightDiagnostic()> emitError,
                      FloatType expressedType, int32_t quantizedDimension,
                      ArrayRef<double> scales) {
  if (!expressedType)
    return emitError() << "expected a float expressed type";
  if (failed(verifyChannelParams(emitError, quantizedDimension, scales, {},
                                 nullptr)))
    return failure();
  // The values are +-scale in the expressed type: the scale must be
  // finite there.
  for (auto [i, scale] : llvm::enumerate(scales)) {
    APFloat rounded(scale);
    bool lost = false;
    rounded.convert(expressedType.getFloatSemantics(),
                    APFloat::rmNearestTiesToEven, &lost);
    if (!rounded.isFinite()) {
      InFlightDiagnostic diag = emitError();
      if (quantizedDimension >= 0)
        diag << "channel " << i << ": ";
      return diag << "scale " << scale << " is not finite in " << expressedType;
    }
  }
  return success();
}

unsigned BinaryType::getStorageWidth() const { return 1; }
std::pair<int64_t, int64_t> BinaryType::getCodeRange() const { return {0, 1}; }
std::optional<std::pair<double, int64_t>>
BinaryType::getAffineParams(int64_t) const {
  return std::nullopt; // codes 0 and 1 stand for -scale and +scale
}
bool BinaryType::isStorageSigned() const { return false; }

int64_t BinaryType::encode(double value, num::RoundingMode mode,
                           uint32_t randomBits, int64_t channel) const {
  return num::BinaryFormat::encode(value, getScale(channel), mode, randomBits);
}

double BinaryType::decode(int64_t code, int64_t channel) const {
  return num::BinaryFormat::decode(code, getScale(channel));
}

unsigned TernaryType::getStorageWidth() const { return 2; }
std::pair<int64_t, int64_t> TernaryType::getCodeRange() const {
  return {-1, 1};
}
std::optional<std::pair<double, int64_t>>
TernaryType::getAffineParams(int64_t channel) const {
  return std::make_pair(getScale(channel), int64_t(0));
}
bool TernaryType::isStorageSigned() const { return true; }

// Ternary is the narrow two-bit fixed-point format {-1, 0, 1}
// (num::TernaryFormat).
int64_t TernaryType::encode(double value, num::RoundingMode mode,
                            uint32_t randomBits, int64_t channel) const {
  return num::TernaryFormat::encode(value, getScale(channel), mode, randomBits);
}

double TernaryType::decode(int64_t code, int64_t channel) const {
  return num::TernaryFormat::decode(code, getScale(channel));
}

//===----------------------------------------------------------------------===//
// Formats named in options
//===----------------------------------------------------------------------===//

FloatFormatType mlir::quantx::parseFloatFormatOption(MLIRContext *context,
                                                     StringRef text,
                                                     std::string &error) {
  StringRef body = text.trim();
  if (body.size() >= 2 && body.front() == '"' && body.back() == '"')
    body = body.drop_front().drop_back().trim();
  StringRef name = body;
  if (body == "f16")
    body = "e5m10";
  else if (body == "bf16")
    body = "e8m7";
  if (body.empty()) {
    error = "'' is not a float format (f16, bf16 or a !quantx.float body "
            "such as e4m3)";
    return nullptr;
  }
  std::string type = ("!quantx.float<" + body + ">").str();
  std::string diagnostic;
  Type parsed;
  {
    ScopedDiagnosticHandler handler(context, [&](Diagnostic &d) {
      if (diagnostic.empty())
        diagnostic = d.str();
      return success();
    });
    parsed = parseType(type, context);
  }
  auto format = dyn_cast_or_null<FloatFormatType>(parsed);
  if (!format)
    error = "'" + name.str() +
            "' is not a float format (f16, bf16 or a !quantx.float body)" +
            (diagnostic.empty() ? std::string() : ": " + diagnostic);
  return format;
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/QuantxTypeInterfaces.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "quantx/Dialect/Quantx/IR/QuantxOpsTypes.cpp.inc"

void QuantxDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "quantx/Dialect/Quantx/IR/QuantxOpsTypes.cpp.inc"
      >();
}
