// RUN: quantx-opt %s --split-input-file --verify-diagnostics

func.func @words(%x: tensor<4x65xf32>) -> tensor<4x1xi64> {
  // expected-error @+1 {{pack_signs_c2: expected 'tensor<4x2xi64>' for 'tensor<4x65xf32>', got 'tensor<4x1xi64>'}}
  %a = quantx.pack_signs %x : tensor<4x65xf32> to tensor<4x1xi64>
  return %a : tensor<4x1xi64>
}

// -----

func.func @rows(%x: tensor<4x64xf32>) -> tensor<3x1xi64> {
  // expected-error @+1 {{pack_signs_c2: expected 'tensor<4x1xi64>' for 'tensor<4x64xf32>', got 'tensor<3x1xi64>'}}
  %a = quantx.pack_signs %x : tensor<4x64xf32> to tensor<3x1xi64>
  return %a : tensor<3x1xi64>
}

// -----

func.func @dynamic_k(%x: tensor<4x?xf32>) -> tensor<4x1xi64> {
  // expected-error @+1 {{pack_signs_c1: expected a static last dimension, got 'tensor<4x?xf32>'}}
  %a = quantx.pack_signs %x : tensor<4x?xf32> to tensor<4x1xi64>
  return %a : tensor<4x1xi64>
}

// -----

func.func @empty_rows(%x: tensor<4x0xf32>) -> tensor<4x0xi64> {
  // expected-error @+1 {{pack_signs_c1: expected at least one element per row, got 'tensor<4x0xf32>'}}
  %a = quantx.pack_signs %x : tensor<4x0xf32> to tensor<4x0xi64>
  return %a : tensor<4x0xi64>
}

// -----

func.func @unsigned_input(%x: tensor<4x8xui8>) -> tensor<4x1xi64> {
  // expected-error @+1 {{operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float or 8-bit signless integer or 16-bit signless integer or 32-bit signless integer or 64-bit signless integer values}}
  %a = quantx.pack_signs %x : tensor<4x8xui8> to tensor<4x1xi64>
  return %a : tensor<4x1xi64>
}

// -----

func.func @k_zero(%a: tensor<4x1xi64>, %b: tensor<3x1xi64>) -> tensor<4x3xi32> {
  // expected-error @+1 {{binary_matmul_c1: expected 1 <= k <= 2^31 - 1 (the i32 result holds k), got 0}}
  %d = quantx.binary_matmul %a, %b k 0 : tensor<4x1xi64>, tensor<3x1xi64> -> tensor<4x3xi32>
  return %d : tensor<4x3xi32>
}

// -----

func.func @k_words(%a: tensor<4x1xi64>, %b: tensor<3x2xi64>) -> tensor<4x3xi32> {
  // expected-error @+1 {{binary_matmul_c2: expected the rhs to have 1 word per row for k = 64, got 'tensor<3x2xi64>'}}
  %d = quantx.binary_matmul %a, %b k 64 : tensor<4x1xi64>, tensor<3x2xi64> -> tensor<4x3xi32>
  return %d : tensor<4x3xi32>
}

// -----

func.func @lhs_words(%a: tensor<4x1xi64>, %b: tensor<3x2xi64>) -> tensor<4x3xi32> {
  // expected-error @+1 {{binary_matmul_c2: expected the lhs to have 2 words per row for k = 65, got 'tensor<4x1xi64>'}}
  %d = quantx.binary_matmul %a, %b k 65 : tensor<4x1xi64>, tensor<3x2xi64> -> tensor<4x3xi32>
  return %d : tensor<4x3xi32>
}

// -----

func.func @result(%a: tensor<4x1xi64>, %b: tensor<3x1xi64>) -> tensor<3x4xi32> {
  // expected-error @+1 {{binary_matmul_c3: expected a result of 4 x 3 (? dynamic), got 'tensor<3x4xi32>'}}
  %d = quantx.binary_matmul %a, %b k 10 : tensor<4x1xi64>, tensor<3x1xi64> -> tensor<3x4xi32>
  return %d : tensor<3x4xi32>
}

// -----

func.func @k_huge(%a: tensor<4x33554432xi64>, %b: tensor<3x33554432xi64>) -> tensor<4x3xi32> {
  // expected-error @+1 {{binary_matmul_c1: expected 1 <= k <= 2^31 - 1 (the i32 result holds k), got 2147483648}}
  %d = quantx.binary_matmul %a, %b k 2147483648 : tensor<4x33554432xi64>, tensor<3x33554432xi64> -> tensor<4x3xi32>
  return %d : tensor<4x3xi32>
}

// -----

func.func @f80_input(%x: tensor<4x8xf80>) -> tensor<4x1xi64> {
  // expected-error @+1 {{operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float or 8-bit signless integer or 16-bit signless integer or 32-bit signless integer or 64-bit signless integer values}}
  %a = quantx.pack_signs %x : tensor<4x8xf80> to tensor<4x1xi64>
  return %a : tensor<4x1xi64>
}

// -----

func.func @ternary_planes(%x: tensor<4x65xi8>) -> tensor<4x2xi64> {
  // expected-error @+1 {{pack_ternary_c2: expected 'tensor<4x2x2xi64>' for 'tensor<4x65xi8>', got 'tensor<4x2xi64>'}}
  %a = quantx.pack_ternary %x : tensor<4x65xi8> to tensor<4x2xi64>
  return %a : tensor<4x2xi64>
}

// -----

func.func @ternary_dynamic_k(%x: tensor<4x?xi8>) -> tensor<4x2x1xi64> {
  // expected-error @+1 {{pack_ternary_c1: expected a static last dimension, got 'tensor<4x?xi8>'}}
  %a = quantx.pack_ternary %x : tensor<4x?xi8> to tensor<4x2x1xi64>
  return %a : tensor<4x2x1xi64>
}

// -----

func.func @ternary_float(%x: tensor<4x8xf32>) -> tensor<4x2x1xi64> {
  // expected-error @+1 {{operand #0 must be ranked tensor of 2-bit signless integer or 8-bit signless integer or 16-bit signless integer or 32-bit signless integer or 64-bit signless integer values}}
  %a = quantx.pack_ternary %x : tensor<4x8xf32> to tensor<4x2x1xi64>
  return %a : tensor<4x2x1xi64>
}

// -----

func.func @ternary_k(%a: tensor<4x2x1xi64>, %b: tensor<3x2x1xi64>) -> tensor<4x3xi32> {
  // expected-error @+1 {{ternary_matmul_c1: expected 1 <= k <= 2^31 - 1 (the i32 result holds k), got 0}}
  %d = quantx.ternary_matmul %a, %b k 0 : tensor<4x2x1xi64>, tensor<3x2x1xi64> -> tensor<4x3xi32>
  return %d : tensor<4x3xi32>
}

// -----

func.func @ternary_words(%a: tensor<4x2x1xi64>, %b: tensor<3x2x2xi64>) -> tensor<4x3xi32> {
  // expected-error @+1 {{ternary_matmul_c2: expected the rhs to be rows of 1 word (binary) or of 2 planes of 1 word (ternary) for k = 64, got 'tensor<3x2x2xi64>'}}
  %d = quantx.ternary_matmul %a, %b k 64 : tensor<4x2x1xi64>, tensor<3x2x2xi64> -> tensor<4x3xi32>
  return %d : tensor<4x3xi32>
}

// -----

func.func @ternary_three_planes(%a: tensor<4x3x1xi64>, %b: tensor<3x2x1xi64>) -> tensor<4x3xi32> {
  // expected-error @+1 {{ternary_matmul_c2: expected the lhs to be rows of 1 word (binary) or of 2 planes of 1 word (ternary) for k = 64, got 'tensor<4x3x1xi64>'}}
  %d = quantx.ternary_matmul %a, %b k 64 : tensor<4x3x1xi64>, tensor<3x2x1xi64> -> tensor<4x3xi32>
  return %d : tensor<4x3xi32>
}

// -----

func.func @ternary_both_binary(%a: tensor<4x1xi64>, %b: tensor<3x1xi64>) -> tensor<4x3xi32> {
  // expected-error @+1 {{ternary_matmul_c2: expected at least one ternary operand (two binary ones are quantx.binary_matmul)}}
  %d = quantx.ternary_matmul %a, %b k 64 : tensor<4x1xi64>, tensor<3x1xi64> -> tensor<4x3xi32>
  return %d : tensor<4x3xi32>
}

// -----

func.func @ternary_result(%a: tensor<4x1xi64>, %b: tensor<3x2x1xi64>) -> tensor<3x4xi32> {
  // expected-error @+1 {{ternary_matmul_c3: expected a result of 4 x 3 (? dynamic), got 'tensor<3x4xi32>'}}
  %d = quantx.ternary_matmul %a, %b k 64 : tensor<4x1xi64>, tensor<3x2x1xi64> -> tensor<3x4xi32>
  return %d : tensor<3x4xi32>
}

// -----

func.func @sign_dynamic_k(%x: tensor<4x?xf32>, %w: tensor<3x1xi64>) -> tensor<4x3xf32> {
  // expected-error @+1 {{sign_matmul_c1: expected the lhs to be M x K with a static K of at least 1, got 'tensor<4x?xf32>'}}
  %y = quantx.sign_matmul %x, %w : tensor<4x?xf32>, tensor<3x1xi64> -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

func.func @sign_empty_k(%x: tensor<4x0xf32>, %w: tensor<3x0xi64>) -> tensor<4x3xf32> {
  // expected-error @+1 {{sign_matmul_c1: expected the lhs to be M x K with a static K of at least 1, got 'tensor<4x0xf32>'}}
  %y = quantx.sign_matmul %x, %w : tensor<4x0xf32>, tensor<3x0xi64> -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

func.func @sign_words(%x: tensor<4x65xf32>, %w: tensor<3x1xi64>) -> tensor<4x3xf32> {
  // expected-error @+1 {{sign_matmul_c2: expected the rhs to be rows of 2 words (binary) or of 2 planes of 2 words (ternary) for K = 65, got 'tensor<3x1xi64>'}}
  %y = quantx.sign_matmul %x, %w : tensor<4x65xf32>, tensor<3x1xi64> -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

func.func @sign_planes(%x: tensor<4x64xf32>, %w: tensor<3x3x1xi64>) -> tensor<4x3xf32> {
  // expected-error @+1 {{sign_matmul_c2: expected the rhs to be rows of 1 word (binary) or of 2 planes of 1 word (ternary) for K = 64, got 'tensor<3x3x1xi64>'}}
  %y = quantx.sign_matmul %x, %w : tensor<4x64xf32>, tensor<3x3x1xi64> -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

func.func @sign_result(%x: tensor<4x64xf32>, %w: tensor<3x1xi64>) -> tensor<3x4xf32> {
  // expected-error @+1 {{sign_matmul_c3: expected a result of 4 x 3 (? dynamic), got 'tensor<3x4xf32>'}}
  %y = quantx.sign_matmul %x, %w : tensor<4x64xf32>, tensor<3x1xi64> -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

func.func @sign_element(%x: tensor<4x64xf16>, %w: tensor<3x1xi64>) -> tensor<4x3xf32> {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float values}}
  %y = quantx.sign_matmul %x, %w : tensor<4x64xf16>, tensor<3x1xi64> -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}
