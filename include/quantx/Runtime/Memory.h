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
//===----------------------------------------------------------------------===//

#ifndef QUANTX_RUNTIME_MEMORY_H
#define QUANTX_RUNTIME_MEMORY_H

namespace quantx::runtime {

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
