"""Writes a module of layers with binary or ternary weights and float
activations (BinaryConnect, TWN with float activations) for
fold-sign-matmul.mlir: random weight codes and per-channel scales, a
padded strided convolution with ternary weights and a matmul with K past a
word boundary with binary weights.

Usage: sign_models.py OUT.mlir SEED; also writes OUT.mlir.npz with each
layer's weights as the float layer sees them (its f32 scale times -1, 0 or
+1), for the float64 reference.
"""
import sys

import numpy as np

out, seed = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(seed)
real = {}


def weights(name, shape, ternary):
    n = shape[-1]
    scale = rng.uniform(0.05, 2.0, n).astype(np.float32)
    if ternary:
        codes = rng.integers(-1, 2, size=shape)
        storage, fmt, values = "i2", "ternary", codes
        real[name] = codes * scale.astype(np.float64)
    else:
        codes = rng.integers(0, 2, size=shape).astype(bool)
        storage, fmt, values = "i1", "binary", codes
        real[name] = np.where(codes, 1.0, -1.0) * scale.astype(np.float64)
    text = np.array2string(values, separator=", ", threshold=1 << 30,
                           max_line_width=1 << 30).replace("\n", "")
    text = text.replace("True", "true").replace("False", "false")
    dims = "x".join(str(d) for d in shape)
    q = (f"!quantx.{fmt}<f32:{len(shape) - 1}, {{"
         + ", ".join(repr(float(s)) for s in scale) + "}>")
    return (f"  %{name}c = arith.constant dense<{text}> : tensor<{dims}x{storage}>\n"
            f"  %{name}q = quantx.storage_cast %{name}c : tensor<{dims}x{storage}> to tensor<{dims}x{q}>\n"
            f"  %{name} = quantx.dequantize %{name}q : tensor<{dims}x{q}> to tensor<{dims}xf32>\n")


with open(out, "w") as f:
    # A convolution: input ?x9x9x4 zero padded by 1, a 3x3 filter of 20
    # channels, stride 2, ternary weights.
    f.write("func.func @conv(%x: tensor<?x9x9x4xf32>) -> tensor<?x5x5x20xf32> {\n"
            "  %zero = arith.constant 0.0 : f32\n"
            "  %c0 = arith.constant 0 : index\n"
            "  %n = tensor.dim %x, %c0 : tensor<?x9x9x4xf32>\n")
    f.write(weights("conv", (3, 3, 4, 20), True))
    f.write("  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {\n"
            "  ^bb0(%a: index, %b: index, %c: index, %d: index):\n"
            "    tensor.yield %zero : f32\n"
            "  } : tensor<?x9x9x4xf32> to tensor<?x11x11x4xf32>\n"
            "  %e = tensor.empty(%n) : tensor<?x5x5x20xf32>\n"
            "  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x5x5x20xf32>) -> tensor<?x5x5x20xf32>\n"
            "  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%p, %conv : tensor<?x11x11x4xf32>, tensor<3x3x4x20xf32>) outs(%z : tensor<?x5x5x20xf32>) -> tensor<?x5x5x20xf32>\n"
            "  return %y : tensor<?x5x5x20xf32>\n}\n\n")
    # A matmul with K = 150 (three words, the last partial), binary weights.
    f.write("func.func @mlp(%x: tensor<?x150xf32>) -> tensor<?x19xf32> {\n"
            "  %zero = arith.constant 0.0 : f32\n"
            "  %c0 = arith.constant 0 : index\n"
            "  %n = tensor.dim %x, %c0 : tensor<?x150xf32>\n")
    f.write(weights("mlp", (150, 19), False))
    f.write("  %e = tensor.empty(%n) : tensor<?x19xf32>\n"
            "  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x19xf32>) -> tensor<?x19xf32>\n"
            "  %y = linalg.matmul ins(%x, %mlp : tensor<?x150xf32>, tensor<150x19xf32>) outs(%z : tensor<?x19xf32>) -> tensor<?x19xf32>\n"
            "  return %y : tensor<?x19xf32>\n}\n")
np.savez(out + ".npz", **real)
