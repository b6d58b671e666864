// REQUIRES: quantx-jit
// softmax_cross_entropy never returns a finite loss for bad labels: a label
// outside [0, C) or a label count that differs from the batch gives NaN
// (and reads nothing out of bounds).
// RUN: quantx-runner run %s -e loss --input %S/../Inputs/logits_3x3.npy --input %S/../Inputs/labels_ok.npy | FileCheck %s --check-prefix=OK
// OK: result #0: tensor<f32> = 1.18572
// RUN: quantx-runner run %s -e loss --input %S/../Inputs/logits_3x3.npy --input %S/../Inputs/labels_3.npy | FileCheck %s --check-prefix=NAN
// RUN: quantx-runner run %s -e loss --input %S/../Inputs/logits_3x3.npy --input %S/../Inputs/labels_neg.npy | FileCheck %s --check-prefix=NAN
// RUN: quantx-runner run %s -e loss --input %S/../Inputs/logits_3x3.npy --input %S/../Inputs/labels_count2.npy | FileCheck %s --check-prefix=NAN
// RUN: quantx-runner run %s -e loss --input %S/../Inputs/logits_3x3.npy --input %S/../Inputs/labels_count4.npy | FileCheck %s --check-prefix=NAN
// RUN: quantx-runner run %s -e static_loss --input %S/../Inputs/logits_3x3.npy --input %S/../Inputs/labels_3.npy | FileCheck %s --check-prefix=NAN
// With no classes no label is a class (static or dynamic class count).
// RUN: quantx-runner run %s -e dynamic_classes --input %S/../Inputs/logits_3x0.npy --input %S/../Inputs/labels_ok.npy | FileCheck %s --check-prefix=NAN
// RUN: quantx-runner run %s -e no_classes --input %S/../Inputs/logits_3x0.npy --input %S/../Inputs/labels_ok.npy | FileCheck %s --check-prefix=NAN
// NAN: result #0: tensor<f32> = nan
//
// The gradient: rows of bad labels are NaN, the others are right.
// RUN: quantx-opt %s --quantx-differentiate | quantx-runner run - -e loss_grad --input %S/../Inputs/logits_3x3.npy --input %S/../Inputs/labels_3.npy --input %S/../Inputs/scalar_f32.npy | FileCheck %s --check-prefix=GRAD
// GRAD: result #1: tensor<?x3xf32> = {{\[\[}}-{{[0-9.e-]+}}, {{[0-9.e-]+}}, {{[0-9.e-]+}}], [nan, nan, nan], [{{[0-9.e-]+}}, -{{[0-9.e-]+}}, {{[0-9.e-]+}}]]

func.func @loss(%logits: tensor<?x3xf32>, %labels: tensor<?xi32>) -> tensor<f32> {
  %l = quantx.softmax_cross_entropy %logits, %labels : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
  return %l : tensor<f32>
}
func.func @static_loss(%logits: tensor<3x3xf32>, %labels: tensor<3xi32>) -> tensor<f32> {
  %l = quantx.softmax_cross_entropy %logits, %labels : tensor<3x3xf32>, tensor<3xi32> -> tensor<f32>
  return %l : tensor<f32>
}
func.func @no_classes(%logits: tensor<3x0xf32>, %labels: tensor<3xi32>) -> tensor<f32> {
  %l = quantx.softmax_cross_entropy %logits, %labels : tensor<3x0xf32>, tensor<3xi32> -> tensor<f32>
  return %l : tensor<f32>
}
func.func @dynamic_classes(%logits: tensor<?x?xf32>, %labels: tensor<?xi32>) -> tensor<f32> {
  %l = quantx.softmax_cross_entropy %logits, %labels : tensor<?x?xf32>, tensor<?xi32> -> tensor<f32>
  return %l : tensor<f32>
}
