"""Writes binary layers whose signs pass through max pooling, padding and
window gathers, for fold-binary-pixels.mlir: one function per case, each
`@case<i>(%x: tensor<?xHxWxCxf32>)`, of channel counts that divide 64, are
multiples of 64 or neither, pooling windows, strides and dilations, pads
of -1, 0 and +1, and a last layer that flattens the pooled pixels
(a matmul) or gathers their windows (a convolution). Prints the cases'
names and input shapes, one per line.

Usage: pixel_models.py OUT.mlir
"""
import sys

import numpy as np

rng = np.random.default_rng(17)

# (C, H, pool window, pool stride, pool dilation, pad, pad value,
#  last layer: "fc" or (kernel, stride, dilation, out channels))
CASES = [
    (1, 9, 2, 2, 1, 0, None, "fc"),
    (2, 8, 3, 1, 1, 1, -1.0, (3, 1, 1, 3)),
    (4, 7, 2, 1, 2, 0, None, (2, 2, 1, 5)),
    (8, 8, 2, 2, 1, 1, -1.0, (3, 1, 1, 4)),
    (16, 10, 2, 2, 1, 1, 0.0, (3, 1, 2, 3)),
    (32, 8, 2, 2, 1, 0, None, "fc"),
    (32, 6, 3, 1, 1, 2, 1.5, (3, 2, 1, 2)),
    (64, 6, 2, 2, 1, 1, -1.0, (3, 1, 1, 3)),
    (128, 5, 2, 1, 1, 0, None, "fc"),
    (3, 8, 2, 2, 1, 1, -1.0, (3, 1, 1, 2)),
    (48, 6, 2, 2, 1, 0, None, "fc"),
]


def codes(shape):
    text = np.array2string(rng.integers(0, 2, size=shape).astype(bool),
                           separator=", ", threshold=1 << 30,
                           max_line_width=1 << 30)
    return text.replace("\n", "").replace("True", "true").replace(
        "False", "false")


def tensor(shape, element="f32"):
    return "tensor<" + "x".join(str(d) for d in shape) + "x" + element + ">"


out = open(sys.argv[1], "w")
for i, (c, h, k, s, d, pad, value, last) in enumerate(CASES):
    oh = (h - d * (k - 1) - 1) // s + 1
    x = ["?", h, h, c]
    pooled = ["?", oh, oh, c]
    b = "!quantx.binary<f32, 1.0>"
    lines = [f"func.func @case{i}(%x: {tensor(x)}) -> %RESULT% {{",
             "  %zero = arith.constant 0.0 : f32",
             "  %lowest = arith.constant -3.40282347e+38 : f32",
             "  %c0 = arith.constant 0 : index",
             f"  %n = tensor.dim %x, %c0 : {tensor(x)}",
             f"  %window = tensor.empty() : {tensor([k, k])}",
             f"  %pe = tensor.empty(%n) : {tensor(pooled)}",
             f"  %pi = linalg.fill ins(%lowest : f32) outs(%pe : {tensor(pooled)}) -> {tensor(pooled)}",
             f"  %pool = linalg.pooling_nhwc_max {{dilations = dense<{d}> : tensor<2xi64>, strides = dense<{s}> : tensor<2xi64>}} ins(%x, %window : {tensor(x)}, {tensor([k, k])}) outs(%pi : {tensor(pooled)}) -> {tensor(pooled)}"]
    current, shape = "%pool", pooled
    if pad:
        padded = ["?", oh + 2 * pad, oh + 2 * pad, c]
        lines += [f"  %v = arith.constant {value!r} : f32",
                  f"  %padded = tensor.pad %pool low[0, {pad}, {pad}, 0] high[0, {pad}, {pad}, 0] {{",
                  "  ^bb0(%a: index, %b: index, %e: index, %f: index):",
                  "    tensor.yield %v : f32",
                  f"  }} : {tensor(pooled)} to {tensor(padded)}"]
        current, shape = "%padded", padded
    if last == "fc":
        kk = shape[1] * shape[2] * c
        result = ["?", 4]
        lines += [f"  %rows = tensor.collapse_shape {current} [[0], [1, 2, 3]] : {tensor(shape)} into {tensor(['?', kk])}",
                  f"  %flat = quantx.fake_quant %rows to {b} : {tensor(['?', kk])}",
                  f"  %wc = arith.constant dense<{codes((kk, 4))}> : {tensor([kk, 4], 'i1')}",
                  f"  %wq = quantx.storage_cast %wc : {tensor([kk, 4], 'i1')} to {tensor([kk, 4], b)}",
                  f"  %w = quantx.dequantize %wq : {tensor([kk, 4], b)} to {tensor([kk, 4])}",
                  f"  %e = tensor.empty(%n) : {tensor(result)}",
                  f"  %z = linalg.fill ins(%zero : f32) outs(%e : {tensor(result)}) -> {tensor(result)}",
                  f"  %y = linalg.matmul ins(%flat, %w : {tensor(['?', kk])}, {tensor([kk, 4])}) outs(%z : {tensor(result)}) -> {tensor(result)}"]
    else:
        lines.append(f"  %s = quantx.fake_quant {current} to {b} : {tensor(shape)}")
        kc, cs, cd, f = last
        o = (shape[1] - cd * (kc - 1) - 1) // cs + 1
        result = ["?", o, o, f]
        wshape = [kc, kc, c, f]
        lines += [f"  %wc = arith.constant dense<{codes(wshape)}> : {tensor(wshape, 'i1')}",
                  f"  %wq = quantx.storage_cast %wc : {tensor(wshape, 'i1')} to {tensor(wshape, b)}",
                  f"  %w = quantx.dequantize %wq : {tensor(wshape, b)} to {tensor(wshape)}",
                  f"  %e = tensor.empty(%n) : {tensor(result)}",
                  f"  %z = linalg.fill ins(%zero : f32) outs(%e : {tensor(result)}) -> {tensor(result)}",
                  f"  %y = linalg.conv_2d_nhwc_hwcf {{dilations = dense<{cd}> : tensor<2xi64>, strides = dense<{cs}> : tensor<2xi64>}} ins(%s, %w : {tensor(shape)}, {tensor(wshape)}) outs(%z : {tensor(result)}) -> {tensor(result)}"]
    lines += [f"  return %y : {tensor(result)}", "}", ""]
    out.write("\n".join(lines).replace("%RESULT%", tensor(result)))
    print(f"case{i} {h} {c}")
