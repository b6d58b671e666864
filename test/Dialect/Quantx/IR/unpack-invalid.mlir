// RUN: quantx-opt %s --split-input-file --verify-diagnostics

func.func @bytes(%p: tensor<3xi8>) -> tensor<2x2xi4> {
  // expected-error @+1 {{unpack_c1: expected tensor<2xi8> for 4 codes of 4 bits, got 'tensor<3xi8>'}}
  %a = quantx.unpack %p : tensor<3xi8> to tensor<2x2xi4>
  return %a : tensor<2x2xi4>
}

// -----

func.func @width(%p: tensor<4xi8>) -> tensor<4xi8> {
  // expected-error @+1 {{unpack_c2: expected a static shape of integers of 1 to 7 bits, got 'tensor<4xi8>'}}
  %a = quantx.unpack %p : tensor<4xi8> to tensor<4xi8>
  return %a : tensor<4xi8>
}

// -----

func.func @dynamic(%p: tensor<?xi8>) -> tensor<4xi4> {
  // expected-error @+1 {{unpack_c1: expected tensor<2xi8> for 4 codes of 4 bits, got 'tensor<?xi8>'}}
  %a = quantx.unpack %p : tensor<?xi8> to tensor<4xi4>
  return %a : tensor<4xi4>
}

// -----

func.func @dynamic_result(%p: tensor<2xi8>, %n: index) -> tensor<?xi4> {
  // expected-error @+1 {{unpack_c2: expected a static shape of integers of 1 to 7 bits, got 'tensor<?xi4>'}}
  %a = quantx.unpack %p : tensor<2xi8> to tensor<?xi4>
  return %a : tensor<?xi4>
}

// -----

func.func @overflow(%p: tensor<0xi8>) -> tensor<4611686018427387904x4xi4> {
  // expected-error @+1 {{unpack_c2: 'tensor<4611686018427387904x4xi4>' has more elements than 64 bits count}}
  %a = quantx.unpack %p : tensor<0xi8> to tensor<4611686018427387904x4xi4>
  return %a : tensor<4611686018427387904x4xi4>
}
