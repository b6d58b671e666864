//===- QuantxInterfaces.td - quantx format interface -------*- tablegen -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// FormatTypeInterface: the one interface every quantized format implements,
// so passes query and convert values without switching on concrete types.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_DIALECT_QUANTX_IR_QUANTXINTERFACES_TD
#define QUANTX_DIALECT_QUANTX_IR_QUANTXINTERFACES_TD

include "mlir/IR/OpBase.td"

def Quantx_FormatTypeInterface : TypeInterface<"FormatTypeInterface"> {
  let cppNamespace = "::mlir::quantx";
  let description = [{
    A quantized number format: values are stored as integers of a fixed
    width (the storage type) and stand for real numbers. Encoding and
    decoding go through the quantx Numerics library, so constant folding,
    calibration and the runtime agree on every bit.

    Codes are passed as `int64_t`: sign-extended when the storage is signed,
    zero-extended otherwise. Per-channel formats take the channel index
    (the coordinate along the quantized dimension); per-tensor formats
    ignore it.

    `!quantx.fixed`, `!quantx.float`, `!quantx.binary` and `!quantx.ternary`
    implement it, and so do the upstream `!quant.uniform` types (per tensor
    and per axis) once `registerQuantInterfaceExternalModels` has run.
  }];
  let methods = [
    InterfaceMethod<"Returns the width of the storage integer in bits.",
      "unsigned", "getStorageWidth">,
    InterfaceMethod<[{
        Returns whether codes are read as signed integers.
      }], "bool", "isStorageSigned">,
    InterfaceMethod<[{
        Returns the signless integer type that holds a code.
      }], "::mlir::IntegerType", "getStorageType", (ins), [{}], [{
        return ::mlir::IntegerType::get($_type.getContext(),
                                        $_type.getStorageWidth());
      }]>,
    InterfaceMethod<[{
        Returns the smallest and largest codes of the format, as `encode`
        returns them: the whole range of the storage integer unless the
        format narrows it (narrow fixed-point ranges, ternary's [-1, 1]).
        Anything outside is not a code of the format.
      }], "std::pair<int64_t, int64_t>", "getCodeRange", (ins), [{}], [{
        unsigned width = $_type.getStorageWidth();
        if ($_type.isStorageSigned())
          return {-(int64_t(1) << (width - 1)),
                  (int64_t(1) << (width - 1)) - 1};
        return {0, width >= 63 ? INT64_MAX : (int64_t(1) << width) - 1};
      }]>,
    InterfaceMethod<[{
        For an affine format, whose codes are `round(x / scale) + zero_point`
        clamped to the code range (fixed point, ternary, `!quant.uniform`),
        returns channel `channel`'s scale and zero point; nothing for other
        formats.
      }], "std::optional<std::pair<double, int64_t>>", "getAffineParams",
      (ins "int64_t":$channel), [{}], [{
        return std::nullopt;
      }]>,
    InterfaceMethod<[{
        Checks the constraints quantx places on every format, reporting the
        first violation through `emitError`. quantx's own types check them
        when they are built; types defined elsewhere (`!quant.uniform`,
        whose verifier accepts, for example, zero points outside the storage
        range) are checked here, and every quantx op verifier calls it.
      }], "::llvm::LogicalResult", "verifyFormat",
      (ins "::llvm::function_ref<::mlir::InFlightDiagnostic()>":$emitError),
      [{}], [{
        return ::mlir::success();
      }]>,
    InterfaceMethod<[{
        Returns the float type the format approximates, or null when any
        float type may be quantized to it.
      }], "::mlir::FloatType", "getExpressedFloatType", (ins), [{}], [{
        return {};
      }]>,
    InterfaceMethod<[{
        Returns the quantized dimension of a per-channel format, or nothing
        for a per-tensor format.
      }], "std::optional<int32_t>", "getChannelAxis", (ins), [{}], [{
        return std::nullopt;
      }]>,
    InterfaceMethod<[{
        Returns the number of channels of a per-channel format (1 for a
        per-tensor format).
      }], "int64_t", "getNumChannels", (ins), [{}], [{
        return 1;
      }]>,
    InterfaceMethod<[{
        Encodes `value` of channel `channel` into a code, rounding by `mode`
        with `randomBits` as the draw of stochastic rounding.
      }], "int64_t", "encode",
      (ins "double":$value, "::quantx::numerics::RoundingMode":$mode,
           "uint32_t":$randomBits, "int64_t":$channel)>,
    InterfaceMethod<[{
        Returns every parameter of the format in the terms of the Numerics
        library (fixed point, custom float, binary or ternary, with the
        scales and zero points of every channel), for code generators that
        mirror the Numerics algorithms: the lowering asks this instead of
        switching on type classes, so a new format type needs no change
        there when it maps onto a known kind.
      }], "::quantx::numerics::FormatDescription", "getDescription">,
    InterfaceMethod<"Decodes the code `code` of channel `channel`.",
      "double", "decode", (ins "int64_t":$code, "int64_t":$channel)>,
    InterfaceMethod<[{
        Returns the smallest and largest finite values of channel `channel`.
      }], "std::pair<double, double>", "getRepresentableRange",
      (ins "int64_t":$channel)>,
  ];
}

#endif // QUANTX_DIALECT_QUANTX_IR_QUANTXINTERFACES_TD
