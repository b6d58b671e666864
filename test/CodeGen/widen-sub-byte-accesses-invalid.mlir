// RUN: quantx-opt %s --quantx-widen-sub-byte-accesses --split-input-file --verify-diagnostics

// Vectors of integers wider than 64 bits have no defined element layout
// unless their width is a power of two.
llvm.func @wide_vector(%v: vector<2xi96>, %p: !llvm.ptr) {
  // expected-error @+1 {{'llvm.store' op accesses 'vector<2xi96>', whose in-memory layout is not defined}}
  llvm.store %v, %p : vector<2xi96>, !llvm.ptr
  llvm.return
}

// -----

// An array of sub-byte vectors loaded whole cannot be widened in place.
llvm.func @aggregate(%p: !llvm.ptr) -> !llvm.array<2 x vector<8xi4>> {
  // expected-error @+1 {{'llvm.load' op accesses '!llvm.array<2 x vector<8xi4>>', an aggregate of sub-byte integers that cannot be widened in place}}
  %v = llvm.load %p : !llvm.ptr -> !llvm.array<2 x vector<8xi4>>
  llvm.return %v : !llvm.array<2 x vector<8xi4>>
}

// -----

// expected-error @+1 {{'llvm.mlir.global' op holds 'vector<8xi4>', a vector of sub-byte integers; store its elements as whole-byte integers}}
llvm.mlir.global internal @packed() : vector<8xi4>
