// RUN: quantx-opt %s --quantx-insert-fake-quant="weights=ste activations=pact weight-bits=4 activation-bits=4 first-last-bits=0" | FileCheck %s --check-prefix=PACT
// RUN: quantx-opt %s --quantx-insert-fake-quant="weights=ste activations=none weight-bits=3 per-channel=false first-last-bits=0" | FileCheck %s --check-prefix=TENSOR
// RUN: quantx-opt %s --quantx-insert-fake-quant="weights=twn activations=none first-last-bits=0" | FileCheck %s --check-prefix=TWN
// RUN: quantx-opt %s --quantx-insert-fake-quant="weights=binary activations=none first-last-bits=0" | FileCheck %s --check-prefix=BINARY
// RUN: quantx-opt %s --quantx-insert-fake-quant="weights=xnor activations=sign first-last-bits=0" 2>&1 | FileCheck %s --check-prefix=XNOR
// RUN: quantx-opt %s --quantx-insert-fake-quant="weights=xnor activations=sign" | FileCheck %s --check-prefix=EDGES
// RUN: quantx-opt %s --quantx-insert-fake-quant | FileCheck %s --check-prefix=DEFAULT
// RUN: quantx-opt %s --quantx-insert-fake-quant="weights=lsq activations=lsq weight-bits=4 activation-bits=4 first-last-bits=0" | FileCheck %s --check-prefix=LSQ
// RUN: quantx-opt %s --quantx-insert-fake-quant="weights=sawb activations=pact weight-bits=2 activation-bits=2 pact-decay=0.0001 first-last-bits=0" | FileCheck %s --check-prefix=SAWB

// A convolution, ReLU, and a dense layer whose weights are the left
// operand: the weight operand is the one loaded from a parameter.
#nhwc = affine_map<(n, h, w, c) -> (n, h, w, c)>
ml_program.global private mutable @k : tensor<3x3x1x4xf32>
ml_program.global private mutable @w : tensor<10x64xf32>

func.func @forward(%x: tensor<?x6x6x1xf32>) -> tensor<10x?xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x6x6x1xf32>
  %k = ml_program.global_load @k : tensor<3x3x1x4xf32>
  %w = ml_program.global_load @w : tensor<10x64xf32>
  %e = tensor.empty(%n) : tensor<?x4x4x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x4x4x4xf32>) -> tensor<?x4x4x4xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %k : tensor<?x6x6x1xf32>, tensor<3x3x1x4xf32>) outs(%z : tensor<?x4x4x4xf32>) -> tensor<?x4x4x4xf32>
  %r = linalg.generic {indexing_maps = [#nhwc, #nhwc], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c : tensor<?x4x4x4xf32>) outs(%e : tensor<?x4x4x4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.maximumf %v, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x4x4x4xf32>
  %flat = tensor.collapse_shape %r [[0], [1, 2, 3]] : tensor<?x4x4x4xf32> into tensor<?x64xf32>
  %e2 = tensor.empty(%n) : tensor<64x?xf32>
  %t = linalg.transpose ins(%flat : tensor<?x64xf32>) outs(%e2 : tensor<64x?xf32>) permutation = [1, 0]
  %e3 = tensor.empty(%n) : tensor<10x?xf32>
  %z3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<10x?xf32>) -> tensor<10x?xf32>
  %y = linalg.matmul ins(%w, %t : tensor<10x64xf32>, tensor<64x?xf32>) outs(%z3 : tensor<10x?xf32>) -> tensor<10x?xf32>
  return %y : tensor<10x?xf32>
}

// PACT activations and 4-bit weights: one scale per output channel (the
// filter's last dimension; dimension 0 of the left-hand dense weights), a
// new clipping-level parameter per layer.
// PACT-LABEL: func.func @forward
//       PACT:   %[[K:.*]] = ml_program.global_load @k
//       PACT:   %[[W:.*]] = ml_program.global_load @w
//       PACT:   %[[KQ:.*]] = quantx.scaled_fake_quant %[[K]], %{{.*}} to !quantx.fixed<i4<-7:7>:f32, ?> axis 3 : tensor<3x3x1x4xf32>, tensor<4xf32>
//       PACT:   %[[A:.*]] = ml_program.global_load @pact_alpha : tensor<f32>
//       PACT:   %[[CLIP:.*]] = linalg.generic {{.*}} ins(%arg0, %[[A]] : tensor<?x6x6x1xf32>, tensor<f32>)
//       PACT:     arith.maximumf
//       PACT:     arith.minimumf
//       PACT:   %[[XQ:.*]] = quantx.scaled_fake_quant %[[CLIP]], %{{.*}} to !quantx.fixed<u4:f32, ?> : tensor<?x6x6x1xf32>, tensor<f32>
//       PACT:   linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[XQ]], %[[KQ]] :
//       PACT:   %[[WQ:.*]] = quantx.scaled_fake_quant %[[W]], %{{.*}} to !quantx.fixed<i4<-7:7>:f32, ?> axis 0 : tensor<10x64xf32>, tensor<10xf32>
//       PACT:   %[[TQ:.*]] = quantx.scaled_fake_quant %{{.*}}, %{{.*}} to !quantx.fixed<u4:f32, ?> : tensor<64x?xf32>, tensor<f32>
//       PACT:   linalg.matmul ins(%[[WQ]], %[[TQ]] :
//       PACT: ml_program.global private mutable @pact_alpha(dense<6.000000e+00> : tensor<f32>) : tensor<f32>
//       PACT: ml_program.global private mutable @pact_alpha_0(dense<6.000000e+00> : tensor<f32>) : tensor<f32>

// Per tensor: a 0-d scale, no axis.
// TENSOR: quantx.scaled_fake_quant %{{.*}}, %{{.*}} to !quantx.fixed<i3<-3:3>:f32, ?> : tensor<3x3x1x4xf32>, tensor<f32>
// TENSOR: quantx.scaled_fake_quant %{{.*}}, %{{.*}} to !quantx.fixed<i3<-3:3>:f32, ?> : tensor<10x64xf32>, tensor<f32>
// TENSOR-NOT: pact_alpha

// Ternary weights (TWN): a threshold and a scale per channel, identity gradient.
// TWN: quantx.scaled_fake_quant %{{.*}}, %{{.*}} threshold %{{.*}} : tensor<4xf32> to !quantx.ternary<f32> axis 3 gradient<identity> : tensor<3x3x1x4xf32>, tensor<4xf32>
// TWN: quantx.scaled_fake_quant %{{.*}}, %{{.*}} threshold %{{.*}} : tensor<10xf32> to !quantx.ternary<f32> axis 0 gradient<identity> : tensor<10x64xf32>, tensor<10xf32>

// BinaryConnect's real-valued weights are clipped to [-1, 1].
// BINARY-DAG: ml_program.global private mutable @k : tensor<3x3x1x4xf32> {quantx.clip = array<f64: -1.000000e+00, 1.000000e+00>}
// BINARY-DAG: ml_program.global private mutable @w : tensor<10x64xf32> {quantx.clip = array<f64: -1.000000e+00, 1.000000e+00>}
// BinaryConnect: sign(w) mean|w|, identity gradient; activations stay.
// BINARY: quantx.scaled_fake_quant %{{.*}}, %{{.*}} to !quantx.binary<f32> axis 3 gradient<identity> : tensor<3x3x1x4xf32>, tensor<4xf32>
// BINARY: quantx.scaled_fake_quant %{{.*}}, %{{.*}} to !quantx.binary<f32> axis 0 gradient<identity> : tensor<10x64xf32>, tensor<10xf32>
// BINARY-NOT: to !quantx.binary<f32> :

// XNOR with sign activations: the ReLU that feeds the second layer (through
// a reshape and a transpose) becomes hard-tanh, with a remark.
// XNOR: remark: replaced the ReLU before a binarized layer by hard-tanh (clip to [-1, 1]): the sign of a ReLU output is +1 everywhere
// XNOR: quantx.scaled_fake_quant %{{.*}}, %{{.*}} to !quantx.binary<f32> axis 3 gradient<identity>
// XNOR: quantx.scaled_fake_quant %arg0, %{{.*}} to !quantx.binary<f32> : tensor<?x6x6x1xf32>, tensor<f32>
// XNOR: linalg.generic
// XNOR: arith.constant -1.000000e+00 : f32
// XNOR-NEXT: %[[LOW:.*]] = arith.maximumf %in, %{{.*}} : f32
// XNOR-NEXT: arith.constant 1.000000e+00 : f32
// XNOR-NEXT: %[[HIGH:.*]] = arith.minimumf %[[LOW]], %{{.*}} : f32
// XNOR-NEXT: linalg.yield %[[HIGH]] : f32
// XNOR: quantx.scaled_fake_quant %{{.*}}, %{{.*}} to !quantx.binary<f32> axis 0 gradient<identity>
// XNOR: quantx.scaled_fake_quant %transposed, %{{.*}} to !quantx.binary<f32> : tensor<64x?xf32>, tensor<f32>

// The first and last layer keep 8 bits (first-last-bits, default 8):
// 8-bit weights and PACT activations instead of binary ones.
// EDGES-NOT: !quantx.binary
// EDGES: quantx.scaled_fake_quant %{{.*}}, %{{.*}} to !quantx.fixed<i8<-127:127>:f32, ?> axis 3
// EDGES: quantx.scaled_fake_quant %{{.*}}, %{{.*}} to !quantx.fixed<u8:f32, ?>
// EDGES-NOT: !quantx.binary

// Defaults: 8-bit straight-through weights per channel; activations on an
// unsigned 8-bit grid over an observed range kept in model state: the
// batch's range in training (mode_select), stored; the stored one in
// inference.
// DEFAULT-LABEL: func.func @forward
// DEFAULT: quantx.scaled_fake_quant %{{.*}}, %{{.*}} to !quantx.fixed<i8<-127:127>:f32, ?> axis 3
// DEFAULT: %[[LO:.*]] = ml_program.global_load @act_min : tensor<f32>
// DEFAULT: %[[HI:.*]] = ml_program.global_load @act_max : tensor<f32>
// DEFAULT: linalg.generic {{.*}} iterator_types = ["reduction", "reduction", "reduction", "reduction"]} ins(%arg0 : tensor<?x6x6x1xf32>)
// DEFAULT: arith.minimumf
// DEFAULT: %[[NEWLO:.*]] = quantx.mode_select %{{.*}}, %[[LO]] : tensor<f32>
// DEFAULT: %[[NEWHI:.*]] = quantx.mode_select %{{.*}}, %[[HI]] : tensor<f32>
// DEFAULT: ml_program.global_store @act_min = %[[NEWLO]] : tensor<f32>
// DEFAULT: ml_program.global_store @act_max = %[[NEWHI]] : tensor<f32>
// DEFAULT: quantx.scaled_fake_quant %arg0, %{{.*}} zero_point %{{.*}} : tensor<f32> to !quantx.fixed<u8:f32, ?> : tensor<?x6x6x1xf32>, tensor<f32>
// DEFAULT: quantx.scaled_fake_quant %{{.*}}, %{{.*}} to !quantx.fixed<i8<-127:127>:f32, ?> axis 0
// DEFAULT: quantx.scaled_fake_quant %transposed, %{{.*}} zero_point %{{.*}} : tensor<f32> to !quantx.fixed<u8:f32, ?>
// DEFAULT: ml_program.global private mutable @act_min(dense<0x7F800000> : tensor<f32>) : tensor<f32> {quantx.buffer}
// DEFAULT: ml_program.global private mutable @act_max(dense<0xFF800000> : tensor<f32>) : tensor<f32> {quantx.buffer}

// Learned steps (LSQ), per output channel for the weights and per tensor
// for the activations, stored by the model: on the first training step
// (@lsq_initialized is 0) from the data, behind quantx.stop_gradient,
// later the learned value. The input is not known to be non-negative: a
// signed grid; after the ReLU (through the collapse and the transpose) an
// unsigned one. Gradient scales 1/sqrt(9 * 7), 1/sqrt(36 * 7),
// 1/sqrt(64 * 7), 1/sqrt(64 * 15).
// LSQ-LABEL: func.func @forward
//       LSQ:   %[[K:.*]] = ml_program.global_load @k
//       LSQ:   %[[S:.*]] = ml_program.global_load @lsq_weight_step : tensor<4xf32>
//       LSQ:   %[[READY:.*]] = ml_program.global_load @lsq_initialized : tensor<f32>
//       LSQ:   %[[INIT:.*]] = scf.if %{{.*}} -> (tensor<4xf32>) {
//       LSQ:     math.absf
//       LSQ:     scf.yield
//       LSQ:   } else {
//       LSQ:     scf.yield %[[S]] : tensor<4xf32>
//       LSQ:   %[[FROZEN:.*]] = quantx.stop_gradient %[[INIT]] : tensor<4xf32>
//       LSQ:   %[[STEP:.*]] = linalg.generic {{.*}} ins(%[[READY]], %[[S]], %[[FROZEN]] :
//       LSQ:     arith.select
//       LSQ:   ml_program.global_store @lsq_weight_step = %[[STEP]] : tensor<4xf32>
//       LSQ:   quantx.scaled_fake_quant %[[K]], %[[STEP]] to !quantx.fixed<i4:f32, ?> axis 3 gradient<lsq> grad_scale 0.12598815766974239 : tensor<3x3x1x4xf32>, tensor<4xf32>
//       LSQ:   ml_program.global_store @lsq_act_step =
//       LSQ:   quantx.scaled_fake_quant %arg0, %{{.*}} to !quantx.fixed<i4:f32, ?> gradient<lsq> grad_scale 0.062994078834871195 : tensor<?x6x6x1xf32>, tensor<f32>
//       LSQ:   quantx.scaled_fake_quant %{{.*}}, %{{.*}} to !quantx.fixed<i4:f32, ?> axis 0 gradient<lsq> grad_scale 0.047245559126153{{[0-9]*}} : tensor<10x64xf32>, tensor<10xf32>
//       LSQ:   quantx.scaled_fake_quant %{{.*}}, %{{.*}} to !quantx.fixed<u4:f32, ?> gradient<lsq> grad_scale 0.03227486121839513{{[0-9]*}} : tensor<64x?xf32>, tensor<f32>
//       LSQ:   %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
//       LSQ:   ml_program.global_store @lsq_initialized = %[[ONE]] : tensor<f32>
//  LSQ-NEXT:   return
//       LSQ: ml_program.global private mutable @lsq_weight_step(dense<1.000000e+00> : tensor<4xf32>) : tensor<4xf32> {quantx.clip = array<f64: 1.1754943508222875E-38, 3.4028234663852886E+38>, quantx.weight_decay = 0.000000e+00 : f64}
//       LSQ: ml_program.global private mutable @lsq_initialized(dense<0.000000e+00> : tensor<f32>) : tensor<f32> {quantx.buffer}

// Statistics-aware weight binning, the clip c1 sqrt(E[w^2]) - c2 E|w| with the 2-bit coefficients, at
// most max|w|, on the narrow 2-bit grid; PACT's alpha has its own decay and
// stays positive.
// SAWB-LABEL: func.func @forward
//       SAWB:   linalg.generic
//       SAWB:     arith.mulf %in, %in
//       SAWB:   linalg.generic
//       SAWB:     math.absf
//       SAWB:   linalg.generic
//       SAWB:     arith.maximumf
//       SAWB:   linalg.generic
//       SAWB:     math.sqrt
//       SAWB:     arith.constant 2.49763465 : f32
//       SAWB:     arith.subf
//       SAWB:     arith.minimumf
//       SAWB:   quantx.scaled_fake_quant %{{.*}}, %{{.*}} to !quantx.fixed<i2<-1:1>:f32, ?> axis 3 :
//       SAWB: ml_program.global private mutable @pact_alpha(dense<6.000000e+00> : tensor<f32>) : tensor<f32> {quantx.clip = array<f64: 1.1754943508222875E-38, 3.4028234663852886E+38>, quantx.weight_decay = 1.000000e-04 : f64}
