"""Inputs and the numpy reference of test/Integration/ternary-ops.mlir:
quantx.pack_ternary (plane 0: bit j of word w set when element 64 w + j is
positive; plane 1: when it is nonzero; bits past K zero) and
quantx.ternary_matmul (the dot products of the rows' signs, -1, 0 or +1,
a binary side's values being +1 unless negative)."""
import sys

import numpy as np


def planes(x):
    k = x.shape[-1]
    words = (k + 63) // 64
    flat = x.reshape(-1, k)
    out = np.zeros((flat.shape[0], 2, words), dtype=np.uint64)
    for i in range(k):
        bit = np.uint64(1) << np.uint64(i % 64)
        out[:, 0, i // 64] |= np.where(flat[:, i] > 0, bit, np.uint64(0))
        out[:, 1, i // 64] |= np.where(flat[:, i] != 0, bit, np.uint64(0))
    return out.view(np.int64).reshape(x.shape[:-1] + (2, words))


def sign(x):
    return np.sign(x.astype(np.int64))


def binary(x):
    return np.where(x < 0, -1, 1).astype(np.int64)


def main():
    mode, prefix = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(9)
    inputs = {
        # Rows of ternary codes (with codes outside {-1, 0, 1} in "t7"),
        # weights of ternary codes, binary floats (signs, -0 and 0 +1).
        "t": rng.integers(-1, 2, size=(5, 130), dtype=np.int8),
        "w": rng.integers(-1, 2, size=(7, 130), dtype=np.int8),
        "s": rng.standard_normal((5, 130)).astype(np.float32),
        "v": rng.standard_normal((7, 130)).astype(np.float32),
        "t7": rng.integers(-100, 101, size=(3, 64), dtype=np.int8),
        "w7": rng.integers(-1, 2, size=(4, 64), dtype=np.int32),
        "t1": rng.integers(-1, 2, size=(6, 1), dtype=np.int16),
        "w1": rng.integers(-1, 2, size=(2, 1), dtype=np.int64),
    }
    inputs["s"][0, 0] = -0.0
    inputs["v"][1, 5] = 0.0
    if mode == "write":
        for name, x in inputs.items():
            np.save(f"{prefix}.{name}.npy", x)
        return 0
    t, w, s, v = (inputs[n] for n in "twsv")
    want = {
        "planes": planes(t),
        "tt": sign(t) @ sign(w).T,
        "bt": binary(s) @ sign(w).T,
        "tb": sign(t) @ binary(v).T,
        "wide": sign(inputs["t7"]) @ sign(inputs["w7"]).T,
        "one": sign(inputs["t1"]) @ sign(inputs["w1"]).T,
    }
    ok = True
    for name, expected in want.items():
        got = np.load(f"{prefix}.{name}.npy")
        if got.shape != expected.shape or not np.array_equal(got, expected):
            print(f"{name}: expected {expected.shape} {expected.ravel()[:6]}, "
                  f"got {got.shape} {got.ravel()[:6]}")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
