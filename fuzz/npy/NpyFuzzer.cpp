//===- NpyFuzzer.cpp - libFuzzer target for the .npy reader ---------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Feeds arbitrary bytes to parseNpy (built with address and undefined-
// behaviour sanitizers). Whatever it accepts must re-serialize and parse
// back to the same array.
//
//===----------------------------------------------------------------------===//

#include "quantx/Runtime/Npy.h"

#include <cstdlib>

using namespace quantx::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string error;
  std::optional<NpyArray> array = parseNpy(data, size, error);
  if (!array) {
    if (error.empty())
      std::abort(); // every rejection names its reason
    return 0;
  }
  std::vector<uint8_t> bytes = serializeNpy(*array);
  std::optional<NpyArray> back = parseNpy(bytes.data(), bytes.size(), error);
  if (!back || back->dtype != array->dtype || back->shape != array->shape ||
      back->data != array->data)
    std::abort();
  return 0;
}
