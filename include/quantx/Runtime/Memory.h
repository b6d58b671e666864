//===- Memory.h - the allocator under compiled code -------------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Compiled models allocate their temporaries with malloc and free them
// before returning. glibc gives freed memory at the top of the heap back
// to the operating system once more than its trim threshold is free, and
// serves large blocks by mmap: a model whose temporaries exceed a few
// megabytes then page-faults its memory in afresh on every call, which on
// a virtual machine costs more than the arithmetic (a transposed 512^3
// matmul ran 4.7 times slower). Code that calls compiled code repeatedly
// asks the allocator to keep freed memory instead: CompiledModule does
// unless RunnerOptions::retainFreedMemory is false.
//
// Buffers the runtime hands to compiled code start on a cache line (64
// bytes), as the compiled code's own allocations do: a 512-bit vector load
// from a buffer with malloc's 16-byte alignment straddles two cache lines,
// which cost a 512^3 matmul 5% of its speed.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_RUNTIME_MEMORY_H
#define QUANTX_RUNTIME_MEMORY_H

#include <cstddef>
#include <memory>

namespace quantx::runtime {

/// The alignment of buffers the runtime hands to compiled code.
inline constexpr size_t kBufferAlignment = 64;

/// A zero-filled block of at least `bytes` bytes (at least one) starting on
/// a kBufferAlignment boundary, freed with its last owner. Null when memory
/// is exhausted.
std::shared_ptr<void> allocateBuffer(size_t bytes);

/// Makes the C allocator keep freed memory for reuse: blocks below 32 MiB
/// come from the heap, and free memory is not returned to the operating
/// system while less than 1 GiB of it is free. Process-wide: it changes
/// malloc for the whole program (CompiledModule calls it before compiling
/// unless told not to; a benchmark with its own JIT calls it itself).
/// Returns false where the C library has no such settings (not glibc);
/// then nothing changes.
bool retainFreedMemory();

} // namespace quantx::runtime

#endif // QUANTX_RUNTIME_MEMORY_H
