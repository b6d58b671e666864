//===- Passes.td - code generation passes ------------------*- tablegen -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// CPU code generation for upstream dialects (linalg, vector, memref, LLVM):
// tiling and vectorization, hoisting, copies, allocation checks, sub-byte
// storage. None of these passes reads or writes a quantx op, and none reads
// the machine it runs on: the target comes in through options.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_CODEGEN_PASSES_TD
#define QUANTX_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def EmitCInterfacePass : Pass<"quantx-emit-c-interface", "::mlir::ModuleOp"> {
  let summary = "Mark public functions for C-callable wrappers";
  let description = [{
    Adds `llvm.emit_c_interface` to every public function definition, so that
    `convert-func-to-llvm` emits `_mlir_ciface_NAME` wrappers taking memref
    descriptors by pointer: the calling convention of the quantx runner and
    of `mlir::ExecutionEngine::invoke`.
  }];
}

def TileAndVectorizeMatmulPass
    : Pass<"quantx-tile-vectorize-matmul", "::mlir::ModuleOp"> {
  let summary = "Tile statically shaped matmuls for the cache and registers "
                "and vectorize them";
  let description = [{
    For every `linalg.matmul` on tensors (plain or with transposed
    operands): tiles it for the cache (`cache-tile` sizes for M, N, K, loops
    ordered N, K, M so a panel of B stays in cache), tiles the tile again for
    the registers (`register-tile`), peels every register loop so that all
    full tiles have static shapes, and vectorizes each tile into a
    `vector.contract`. A dynamic dimension (a model's batch, or K) is not
    cache-tiled. The partial register tile of a dynamic M (r rows) runs as
    static blocks of the powers of two below the register tile's M (the
    block of s rows when bit s of r is set), each vectorized with its
    accumulators in registers; the partial tile of a dynamic N or K is
    padded with zeros to a full one, so it is vectorized too, and only its
    part in bounds is written.

    Run before bufferization; `quantx-hoist-vector-transfers` finishes the
    job afterwards.

    Before:

    ```mlir
    %r = linalg.matmul ins(%a, %b : tensor<512x512xf32>, tensor<512x512xf32>)
                       outs(%c : tensor<512x512xf32>) -> tensor<512x512xf32>
    ```

    After (abridged):

    ```mlir
    scf.for %j ... { scf.for %k ... { scf.for %i ... step 6 {
      scf.for %jj ... step 16 { scf.for %kk ... step 8 {
        %va = vector.transfer_read ... : tensor<6x8xf32>, vector<6x8xf32>
        ...
        %vc = vector.contract ... into vector<6x16xf32>
    ```
  }];
  let options = [
    ListOption<"cacheTile", "cache-tile", "int64_t",
               "Cache tile sizes for M, N, K (default 512,128,128)">,
    ListOption<"registerTile", "register-tile", "int64_t",
               "Register tile sizes for M, N, K (default by vector-bits: "
               "6,16,8 for 256, 12,32,8 for 512: twelve accumulator "
               "registers)">,
    Option<"vectorBits", "vector-bits", "int64_t",
           "::mlir::quantx::CpuTarget::kDefaultVectorBits",
           "Vector register width of the target in bits (256 or 512)">,
  ];
  let dependentDialects = [
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::affine::AffineDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def LowerBinaryMatmulsPass
    : Pass<"quantx-lower-binary-matmuls", "::mlir::ModuleOp"> {
  let summary = "Lower XNOR-popcount products with constant weights to "
                "register-blocked vector kernels";
  let description = [{
    Matches the `linalg.generic` that `quantx.binary_matmul` lowers to
    (`out[m, n] = k - 2 sum_w popcount(a[m, w] xor b[n, w])`, accumulating
    from a fill of `k`) when the packed weights `b` are known at compile
    time and their shape is static, and replaces it with a call of a
    private kernel function:

    - the weights are packed now in panels of `nr` rows, one vector of
      64-bit words per row and step, zero padded to whole vectors;
    - each tile of `mr` activation rows is copied into a zero-padded
      buffer, and `mr x nr` vector accumulators collect the popcounts of
      the XORs (`math.ctpop` on `i64` vectors: on AVX2 LLVM emits the
      `vpshufb` nibble lookup and `vpsadbw`; with `vpopcntdq`, AVX-512
      `vpopcntq`), summed across lanes once per output.

    The generic of `quantx.sign_matmul` (f32 rows by packed binary or
    ternary weights) with constant weights gets the same kind of kernel
    with f32 lanes: per k, a byte (two with 512-bit vectors) of the
    columns' negative bits (and of their nonzero bits) shifted into each
    lane's sign bit, XORed into the broadcast activation (and ANDed with
    the nonzero mask), added to one accumulator per output in increasing
    k, the op's order: the same bits as the generic loops, no multiply.

    Zero words past K are equal in both operands, so the padding adds no
    count. The kernel function carries the instruction set as
    `target_features` (`avx2`, or `avx512f`, `avx512bw` and, with
    `vpopcntdq`, `avx512vpopcntdq`), so the instructions follow the options
    and not the compiling host. A product whose accumulator is not a fill
    of a constant, or whose weights are not known at compile time, stays
    with the generic lowering with a remark.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t",
           "::mlir::quantx::CpuTarget::kDefaultVectorBits",
           "Vector register width in bits: 256 (AVX2) or 512 (AVX-512)">,
    Option<"vpopcntdq", "vpopcntdq", "bool", "false",
           "Use AVX-512 VPOPCNTDQ's vpopcntq (needs vector-bits=512)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def LowerInt8ContractionsPass
    : Pass<"quantx-lower-int8-contractions", "::mlir::ModuleOp"> {
  let summary = "Lower quantized matmuls and convolutions with constant "
                "weights to packed int8 micro-kernels";
  let description = [{
    For every `linalg.quantized_matmul` and `linalg.conv_2d_nhwc_hwcf_q`
    on tensors whose weights are known at compile time (an `arith.constant`
    or the load of an immutable `ml_program.global`), with operands of at
    most 8 bits, an i32 accumulator starting from zero and static K and N:

    - the weights are packed now into the layout the micro-kernel reads
      (panels of `nr` columns, groups of `k-group` consecutive K values per
      column, zero padded; int4 weights two per byte wherever the dot
      product multiplies bytes), and their column sums precomputed;
    - the contraction becomes a call of a private function that, per block
      of rows that fits the L2 cache, copies the activations (the rows of
      A, or the convolution's windows: im2col, one block at a time) into a
      zero-padded panel, offset to unsigned for `vpdpbusd`, with the row
      sums the weights' zero point needs, and runs a register-blocked
      micro-kernel over every panel of weights: `mr` rows by `nr` columns
      of i32 accumulators kept in registers for the whole K;
    - the zero points are applied after the sum, exactly:
      `sum (a - za)(w - zw) = sum a'w' - zw' sum a' - za' sum w' + K za' zw'`
      in the accumulator's wrapping i32 arithmetic, equal to the upstream
      op's result for every input;
    - the chain of elementwise `linalg.generic` ops that consume the
      accumulator (the bias, the requantization `quantx.rescale` lowers to,
      a dequantization), when each is the single user of the previous and
      reads its other operands per output column or as scalars, is fused
      into the micro-kernel's store: the result leaves the registers in its
      final type.

    `int8-dot` selects the dot product (the tools derive it from the host):
    `avx512-vnni` (`vpdpbusd` on zmm, 16 x 4 products per instruction),
    `avx-vnni` (`vpdpbusd` on ymm), `avx2` and `generic` (bytes widened to
    i32 and multiplied, any target). With `avx2`, `vpmaddubsw` (unsigned
    times signed bytes, adjacent pairs added with 16-bit saturation) is used
    only where the weights, known now, and the activations' width prove
    that no pair leaves 16 bits (7-bit weights or activations, int4
    weights), with up to four groups summed in 16 bits before `vpmaddwd`
    by ones widens them; elsewhere `vpmaddwd` on operands widened to 16
    bits at packing, which is exact for every 8-bit input. The
    kernel function carries the instruction set as `target_features`, so
    the emitted instructions follow the option and not the compiling host.

    Anything else (wider operands, an i64 accumulator, weights computed at
    run time, dynamic K or N, a non-zero initial accumulator) is left to
    the generic lowering with a remark saying why.

    ```mlir
    %acc = linalg.quantized_matmul ins(%x, %w, %zx, %zw : tensor<?x784xi8>,
        tensor<784x128xi8>, i32, i32) outs(%zero : tensor<?x128xi32>)
        -> tensor<?x128xi32>
    %y = linalg.generic {...} ins(%acc, %bias, %mult, %shift ...) { ... }
        -> tensor<?x128xi8>
    // becomes
    %xb = bufferization.to_buffer %x read_only : ...
    %yb = memref.alloc(%n) : memref<?x128xi8>
    func.call @__quantx_int8_kernel_0(%xb, %zx, %zw, %bias_b, %mult_b,
        %shift_b, %yb) : (...) -> ()
    %y = bufferization.to_tensor %yb restrict writable : ...
    ```
  }];
  let options = [
    Option<"int8Dot", "int8-dot", "std::string",
           "\"avx2\"",
           "The dot-product instruction of the kernels: generic, avx2, "
           "avx-vnni, avx512-vnni">,
    Option<"vectorBits", "vector-bits", "int64_t",
           "::mlir::quantx::CpuTarget::kDefaultVectorBits",
           "Vector register width of the generic kernels in bits (256 or "
           "512; the x86 dot products fix their own)">,
    Option<"emulateDot", "emulate-dot", "bool", "false",
           "Compute the dot product's definition with portable vector "
           "arithmetic instead of its instruction: the kernels keep the "
           "chosen instruction's data layout, so their packing and "
           "corrections can be tested on hosts without it">,
    Option<"panelBytes", "panel-bytes", "int64_t", "196608",
           "Bytes of the activation panel copied per block of rows (kept "
           "in the L2 cache)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def TileAndVectorizeConvPass
    : Pass<"quantx-tile-vectorize-conv", "::mlir::ModuleOp"> {
  let summary = "Tile NHWC convolutions and pooling and vectorize them";
  let description = [{
    For every `linalg.conv_2d_nhwc_hwcf`: tiles the loops (batch, output
    row, output column, output channel, filter row, filter column, input
    channel) by `tile` (default 1, 1, 8, then two vectors of output
    channels, 16 for `vector-bits=256` and 32 for 512, 1, 1, 8), peels so
    every full tile is static, rewrites each tile (one output row, one
    filter row) as a `linalg.conv_1d_nwc_wcf`, and vectorizes it:
    broadcast-multiply-add of input columns against filter rows,
    accumulated in vector registers.

    `linalg.pooling_nhwc_{max,min,sum}` (and the unsigned forms) and
    `linalg.depthwise_conv_2d_nhwc_hwc` have the same loops without the
    input channels and are tiled by the first six sizes: each tile
    becomes a vectorized 1-D pooling (a `maximumf` or add of channel
    vectors per window point) or depthwise convolution.

    A dynamic dimension is tiled like a static one: the full tiles are
    static and vectorized, and the one partial tile that peeling leaves
    (of unknown size) lowers to loops. A dynamic batch tiled by 1 leaves
    no partial tile.

    Before:

    ```mlir
    %r = linalg.conv_2d_nhwc_hwcf {strides = dense<1> : tensor<2xi64>, ...}
        ins(%img, %flt : tensor<1x30x30x16xf32>, tensor<3x3x16x32xf32>)
        outs(%out : tensor<1x28x28x32xf32>) -> tensor<1x28x28x32xf32>
    ```

    After (abridged): loops around `vector.fma` on `vector<8x32xf32>`
    tiles of the output.
  }];
  let options = [
    ListOption<"tile", "tile", "int64_t",
               "Tile sizes of the seven convolution loops">,
    Option<"vectorBits", "vector-bits", "int64_t",
           "::mlir::quantx::CpuTarget::kDefaultVectorBits",
           "Vector register width of the target in bits (256 or 512)">,
  ];
  let dependentDialects = [
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::affine::AffineDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def ContractionToMatmulPass
    : Pass<"quantx-contraction-to-matmul", "::mlir::ModuleOp"> {
  let summary = "Rewrite linalg.generic contractions as named matmuls on "
                "collapsed operands";
  let description = [{
    A `linalg.generic` that sums products of its two inputs
    (`acc + a * b`, same float type throughout, static shapes) and whose
    loops split into row, column and reduction groups, each group
    contiguous and in the same order in the operands that index it, is a
    matrix product once each group is collapsed into one dimension. This
    pass rewrites it so: the inputs are collapsed to matrices
    (`tensor.collapse_shape`), multiplied by a `linalg.matmul` whose
    `indexing_maps` absorb transposed layouts, and the product is expanded
    back and added to the init (the add is skipped when the init is a zero
    fill). The matmul code generation (`quantx-tile-vectorize-matmul`) then
    applies. Generics with batch loops (indexed by all three operands) are
    left alone.

    The per-tap contractions of convolution gradients are of this form:
    `dX[n, oh, ow, c] += dY[n, oh, ow, f] * W[kh, kw][c, f]` becomes a
    `(n*oh*ow) x f` by `f x c` product.

    Upstream's `linalg-specialize-generic-ops` recognizes only generics that
    are already two-dimensional matmuls; collapsing the groups is what this
    pass adds.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def TileAndVectorizeElementwisePass
    : Pass<"quantx-tile-vectorize-elementwise", "::mlir::ModuleOp"> {
  let summary = "Vectorize elementwise and row-reducing linalg.generic";
  let description = [{
    For every `linalg.generic` with a parallel loop: elementwise ones (the
    lowered quantx conversions, activation functions, bias epilogues, ...)
    and reductions that keep a parallel loop (a bias gradient summing a
    batch per channel). Tiles the innermost static parallel loop at least
    `vector-width` long (else the innermost static one longer than 1) by
    `vector-width` and every other loop, reductions included, by 1, peels
    so that every tile is static, and vectorizes each tile, so that the
    scalar body (f64 rounding, integer field arithmetic, selects, the add of
    a sum) runs on whole vectors. Dynamic loops (a model's batch) are tiled
    by 1, so their tiles are static too; a generic whose parallel loops are
    all dynamic is left to LLVM's loop vectorizer.

    A reduction to a scalar (no parallel loop: a per-tensor observer's
    min/max, a learned step size's gradient) whose body ends in an add,
    max or min of the accumulator is first split: its innermost static loop
    at least `vector-width` long becomes a parallel loop of partial results
    starting from the combiner's neutral element (-0.0 for sums), which the
    tiling above vectorizes, and a second reduction combines the partials,
    in order, into the initial value. Sums are reassociated this way
    (column sums, then their sum); max and min are exact. Other scalar
    reductions are left to LLVM.

    A tile that reads its input through sums of loops (an im2col gather,
    `x[n, oh + kh, ow + kw, c]`) has its unit loops dropped before it is
    vectorized, so that it reads a plain vector.

    Before:

    ```mlir
    %r = linalg.generic {iterator_types = ["parallel"], ...}
        ins(%x : tensor<1024xf32>) outs(%e : tensor<1024xi8>) { ... }
    ```

    After (abridged): an `scf.for` over 64 tiles of `vector<16xf32>`.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", "0",
           "Elements per vector (0: the f32 lanes of vector-bits, 8 or 16)">,
    Option<"vectorBits", "vector-bits", "int64_t",
           "::mlir::quantx::CpuTarget::kDefaultVectorBits",
           "Vector register width of the target in bits (256 or 512)">,
  ];
  let dependentDialects = [
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::affine::AffineDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def HoistVectorTransfersPass
    : Pass<"quantx-hoist-vector-transfers", "::mlir::func::FuncOp"> {
  let summary = "Keep matmul accumulators in registers across the K loop";
  let description = [{
    After bufferization: folds `memref.subview` into the vector transfers
    that read through them (upstream's hoisting does nothing on transfers
    through a subview), splits transposing reads into a contiguous read and
    a `vector.transpose`, eliminates the duplicate index computations the
    folding creates (hoisting pairs a read with a write only at identical
    indices), then hoists loop-invariant transfer pairs (the read and write
    of an accumulator tile) out of the loops around them, so the
    accumulators of `quantx-tile-vectorize-matmul` live in registers for the
    whole K loop. Upstream's hoisting gives up on a buffer of dynamic shape
    that has views elsewhere (a dynamic batch); for a buffer the function
    allocates, this pass hoists the pair itself when no other operation in
    the loop touches the buffer or a view of it (fresh memory is reached
    through nothing else).
  }];
  let dependentDialects = ["::mlir::vector::VectorDialect"];
}

def LowerStridedCopiesPass
    : Pass<"quantx-lower-strided-copies", "::mlir::func::FuncOp"> {
  let summary = "Turn memref.copy between non-contiguous buffers into "
                "linalg.copy";
  let description = [{
    The LLVM lowering of `memref.copy` calls the `memrefCopy` runtime
    function when either side is not contiguous (a strided slice, as left
    by bufferizing `tensor.insert_slice` with strides). Replacing those
    copies by `linalg.copy`, which becomes loops, keeps compiled models free
    of runtime-library calls. Contiguous copies stay `memref.copy` (a
    memcpy).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

//===----------------------------------------------------------------------===//
// Training
//===----------------------------------------------------------------------===//

def FoldEmptyTensorsPass
    : Pass<"quantx-fold-empty-tensors", "::mlir::ModuleOp"> {
  let summary = "Replace ops whose results have no element by tensor.empty";
  let description = [{
    A ranked tensor with a static dimension of size 0 has no element, so
    the op that computes it has nothing to compute. Some lowerings still
    build views into such a tensor that upstream verifiers reject (a
    `memref.subview` at offset 0 of a dimension of size 0), which made a
    model with a static batch of 0 fail to compile. Every side-effect-free
    op whose results are all statically shaped tensors with a dimension of
    0 becomes `tensor.empty` of their types; `quantx-to-llvm` runs it
    first.

    Before:

    ```mlir
    %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] { ... } : tensor<0x5x5x3xf32> to tensor<0x7x7x3xf32>
    ```

    After:

    ```mlir
    %p = tensor.empty() : tensor<0x7x7x3xf32>
    ```
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def CheckAllocationsPass
    : Pass<"quantx-check-allocations", "::mlir::ModuleOp"> {
  let summary = "Stop cleanly when a buffer cannot be allocated";
  let description = [{
    `memref.alloc` lowers to a `malloc` whose size is computed modulo 2^64
    and whose result is used unchecked, so a tensor too large for memory
    makes compiled code write through a null pointer, and a size that wraps
    makes it write past a small buffer. After this pass:

    - a static buffer of 2^63 bytes or more is a compile-time error at the
      op that needs it;
    - a dynamic size is multiplied out with overflow detection before the
      allocation;
    - a null result of a non-empty allocation (out of memory) is detected
      after it;
    - a stack buffer (`memref.alloca`) above 1 MiB, which would overflow the
      stack, is a compile-time error when its size is static and is
      checked before it is made when it is dynamic.

    Either runtime failure calls `__quantx_allocation_failed`, a private
    function the pass adds, which writes one line naming the buffer's type
    and source location to stderr (`write`) and aborts (`abort`). A symbol
    of the module named like one of the C functions this code and the
    lowering of buffers call (`abort`, `write`, `malloc`, `free`,
    `aligned_alloc`) would take the function's place: it is an error naming
    the symbol, unless it is the function's own external declaration.

    ```mlir
    %m = memref.alloc(%n) : memref<?x1024xf32>
    // becomes (abridged)
    %lo, %hi = arith.mului_extended %c4096, %n64 : i64
    scf.if %wraps { func.call @__quantx_allocation_failed(%msg, %len) ... }
    %m = memref.alloc(%n) : memref<?x1024xf32>
    %p = memref.extract_aligned_pointer_as_index %m : memref<?x1024xf32> -> index
    scf.if %isNull { func.call @__quantx_allocation_failed(%msg2, %len2) ... }
    ```

    Stack allocations (`memref.alloca`) are not checked.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def WidenSubByteAccessesPass
    : Pass<"quantx-widen-sub-byte-accesses", "::mlir::ModuleOp"> {
  let summary = "Load and store sub-byte integers one element per byte";
  let description = [{
    LLVM allocates an `iN` in whole bytes (1 byte up to 8 bits, 2 up to 16,
    then 4 and 8), so `memref<8xi4>` keeps one code per byte and scalar
    loads and stores agree with that. A vector access does not: storing a
    `vector<8xi4>` writes 4 bytes with the codes bit-packed, and the next
    scalar load reads garbage. Run on the LLVM dialect, this pass makes
    every load, store and masked, gathered, expanding or compressing access
    of such integers (scalar or vector) move whole-byte integers,
    zero-extending what it writes and truncating what it reads, and widens
    the element type of stack slots and address computations over such
    vectors. Packing several codes per byte is never implicit; it is the job
    of a pass that documents its layout.

    ```mlir
    llvm.store %v, %p {alignment = 1 : i64} : vector<8xi4>, !llvm.ptr
    // becomes
    %w = llvm.zext %v : vector<8xi4> to vector<8xi8>
    llvm.store %w, %p {alignment = 1 : i64} : vector<8xi8>, !llvm.ptr
    ```

    Vectors of integers wider than 64 bits whose width is not a power of
    two, aggregates of such vectors that are loaded whole, and globals of
    such vectors are located errors.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // QUANTX_CODEGEN_PASSES_TD
