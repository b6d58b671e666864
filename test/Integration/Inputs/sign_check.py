"""Checks fold-sign-matmul.mlir's outputs: the folded model's vector kernel
and scalar loops give the same bits (quantx.sign_matmul fixes the order of
its additions); folded and float layers are both within a rounding bound
of the float64 reference computed here from the weights; prints the
largest differences.

Usage: sign_check.py PREFIX (reads PREFIX.mlir.npz, PREFIX.{conv,mlp}.x.npy
and PREFIX.{conv,mlp}.{folded,scalar,float}.npy)
"""
import sys

import numpy as np

prefix = sys.argv[1]
weights = np.load(prefix + ".mlir.npz")


def reference(layer, x):
    x = x.astype(np.float64)
    w = weights[layer]
    if layer == "mlp":
        return x @ w, np.abs(x) @ np.abs(w), w.shape[0]
    # Zero padding 1, stride 2, 3x3 windows: NHWC by HWCF.
    p = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    n, f = x.shape[0], w.shape[-1]
    y, bound = np.zeros((n, 5, 5, f)), np.zeros((n, 5, 5, f))
    for i in range(5):
        for j in range(5):
            window = p[:, 2 * i:2 * i + 3, 2 * j:2 * j + 3, :].reshape(n, -1)
            y[:, i, j, :] = window @ w.reshape(-1, f)
            bound[:, i, j, :] = np.abs(window) @ np.abs(w.reshape(-1, f))
    return y, bound, w.shape[0] * w.shape[1] * w.shape[2]


ok = True
for layer in ("conv", "mlp"):
    x = np.load(f"{prefix}.{layer}.x.npy")
    folded, scalar, floats = (np.load(f"{prefix}.{layer}.{s}.npy")
                              for s in ("folded", "scalar", "float"))
    exact, bound, k = reference(layer, x)
    # Any order of k f32 additions of the terms, one f32 rounding of each
    # product or of the final scaling: within (k + 1) 2^-24 of sum |x w|
    # (first order), doubled for margin.
    allowed = 2 * (k + 1) * 2.0 ** -24 * bound + 1e-30
    same = np.array_equal(folded.view(np.uint32), scalar.view(np.uint32))
    errors = [np.max(np.abs(v - exact) / allowed) for v in (folded, floats)]
    print(layer, "kernel == loops:", same, "error / bound: folded %.3f, "
          "float %.3f" % tuple(errors))
    ok &= same and all(e <= 1 for e in errors) and folded.shape == exact.shape
sys.exit(0 if ok else 1)
