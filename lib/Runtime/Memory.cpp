//===- Memory.cpp - the allocator under compiled code ---------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Runtime/Memory.h"

// Any C library header defines __GLIBC__ on glibc.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace quantx::runtime {

std::shared_ptr<void> allocateBuffer(size_t bytes) {
  // aligned_alloc wants a multiple of the alignment.
  size_t rounded = (std::max<size_t>(bytes, 1) + kBufferAlignment - 1) /
                   kBufferAlignment * kBufferAlignment;
  if (rounded < bytes)
    return nullptr;
  void *block = std::aligned_alloc(kBufferAlignment, rounded);
  if (!block)
    return nullptr;
  std::memset(block, 0, rounded);
  return std::shared_ptr<void>(block, std::free);
}

bool retainFreedMemory() {
#if defined(__GLIBC__)
  // The largest mmap threshold glibc accepts on 64-bit hosts is 32 MiB.
  constexpr int kMmapThreshold = 32 << 20;
  constexpr int kTrimThreshold = 1 << 30;
  return mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1 &&
         mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1;
#else
  return false;
#endif
}

} // namespace quantx::runtime
