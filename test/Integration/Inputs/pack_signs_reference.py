"""Inputs and the numpy reference of test/Integration/pack-signs-shapes.mlir:
bit j of word w is 1 unless element 64 w + j is below zero (NaN and -0 give
1; integers are signed); bits past the row's length are 0."""
import sys

import numpy as np


def pack(x):
    k = x.shape[-1]
    words = (k + 63) // 64
    flat = x.reshape(-1, k)
    out = np.zeros((flat.shape[0], words), dtype=np.uint64)
    plus = ~(flat < 0)
    for i in range(k):
        out[:, i // 64] |= plus[:, i].astype(np.uint64) << np.uint64(i % 64)
    return out.view(np.int64).reshape(x.shape[:-1] + (words,))


def values(rng, shape, dtype):
    x = rng.standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    specials = [-0.0, 0.0, np.nan, -np.inf, np.inf]
    for i, v in enumerate(specials):
        if i < flat.size:
            flat[(i * 7919) % flat.size] = v
    return x


def integers(rng, shape, dtype):
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, size=shape, endpoint=True,
                     dtype=dtype)
    flat = x.reshape(-1)
    for i, v in enumerate([0, -1, 1, info.min, info.max]):
        if i < flat.size:
            flat[(i * 7919) % flat.size] = v
    return x


def main():
    mode, prefix = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(5)
    inputs = {
        "x3": values(rng, (2, 3, 70), np.float32),
        "x1": values(rng, (130,), np.float32),
        "x0": np.zeros((4, 0, 64), dtype=np.float32),
        "h": values(rng, (3, 100), np.float16),
        "d": values(rng, (2, 65), np.float64),
        "b": integers(rng, (5, 144), np.int8),
        "b7": integers(rng, (3, 7), np.int8),
        "s": integers(rng, (2, 130), np.int16),
        "i": integers(rng, (4, 64), np.int32),
        "l": integers(rng, (2, 65), np.int64),
        "f128": values(rng, (3, 128), np.float32),
    }
    if mode == "write":
        for name, x in inputs.items():
            np.save(f"{prefix}.{name}.npy", x)
        return 0
    pairs = {"dyn2": "x3", "rank1": "x1", "empty": "x0", "half": "h",
             "double": "d", "i8": "b", "i8tail": "b7", "i16": "s",
             "i32": "i", "i64": "l", "whole": "f128"}
    ok = True
    for out, name in pairs.items():
        got = np.load(f"{prefix}.{out}.npy")
        want = pack(inputs[name])
        if got.shape != want.shape or not np.array_equal(got, want):
            print(f"{out}: expected {want.shape} {want.ravel()[:4]}, got "
                  f"{got.shape} {got.ravel()[:4]}")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
