#!/usr/bin/python3
# Part of the quantx project, under the Apache License v2.0 with LLVM
# Exceptions. See LICENSE for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""PyTorch itself as the oracle of quantx's arithmetic<pytorch>.

Draws float32 inputs (random values over the code range and near-ties of
x * (1/s)), calls torch's quantize_per_tensor / quantize_per_channel /
dequantize / fake_quantize_per_tensor_affine / fake_quantize_per_channel_affine,
runs the same operations with `arithmetic<pytorch>` through quantx-runner,
and compares every element bit for bit. Prints one line per case and a last
line `pytorch oracle: N values compared, M differ`; exits 1 when M > 0.

  pytorch-oracle.py --runner PATH/quantx-runner --work DIR
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import torch

QDTYPES = {"int8": (torch.qint8, "i8", -128, 127),
           "uint8": (torch.quint8, "u8", 0, 255),
           "int32": (torch.qint32, "i32", -2**31, 2**31 - 1)}


def draw_inputs(rng, scale, zero_point, lo, hi, count):
    s = np.float32(scale)
    inv = np.float32(1.0) / s
    # Values over the code range (and a little beyond), and near-ties of
    # x * inv, where the frameworks' float32 rounding differs from exact.
    span = min(hi - lo, 2**20)
    codes = rng.integers(-span // 2, span // 2, count).astype(np.float64)
    wide = ((codes + rng.uniform(-1, 1, count)) / np.float64(inv)).astype(np.float32)
    ties = ((codes + 0.5) / np.float64(inv)).astype(np.float32)
    ties = np.nextafter(ties, ties + rng.choice([-1, 0, 1], count).astype(np.float32))
    return np.concatenate([wide, ties.astype(np.float32)])


def fixed(dtype, params, axis=None):
    storage = QDTYPES[dtype][1]
    if axis is None:
        scale, zp = params[0]
        return "!quantx.fixed<%s:f32, %r:%d>" % (storage, float(np.float32(scale)), zp)
    inner = ", ".join("%r:%d" % (float(np.float32(s)), z) for s, z in params)
    return "!quantx.fixed<%s:f32:%d, {%s}>" % (storage, axis, inner)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runner", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    rng = np.random.default_rng(20261202)
    torch.set_num_threads(1)

    cases = []  # (name, mlir function, input arrays, expected array)

    def add(kind, dtype, shape, fmt, inputs, expected):
        """One function applying `kind` (q, dq, fq) with `fmt` to `shape`."""
        name = "%s_%s_%d" % (kind, dtype, len(cases))
        floats = "tensor<%sxf32>" % shape
        codes = "tensor<%sx%s>" % (shape, fmt)
        if kind.startswith("dq"):
            signature, body = (codes, floats), "quantx.dequantize %%a arithmetic<pytorch> : %s to %s" % (codes, floats)
        elif kind.startswith("fq"):
            signature, body = (floats, floats), "quantx.fake_quant %%a to %s arithmetic<pytorch> : %s" % (fmt, floats)
        else:
            signature, body = (floats, codes), "quantx.quantize %%a arithmetic<pytorch> : %s to %s" % (floats, codes)
        text = ("func.func @%s(%%a: %s) -> %s {\n  %%r = %s\n  return %%r : %s\n}\n"
                % (name, signature[0], signature[1], body, signature[1]))
        cases.append((name, text, inputs, expected))

    n = 4096
    for dtype, scale, zp in [("int8", 0.1, 0), ("uint8", 0.0235, 128),
                             ("int8", 1.0 / 3.0, -5), ("int32", 0.001, 17),
                             ("uint8", 0.00214854861, 0)]:
        qtype, _, lo, hi = QDTYPES[dtype]
        x = draw_inputs(rng, scale, zp, lo, hi, n)
        t = torch.from_numpy(x)
        s32 = float(np.float32(scale))
        q = torch.quantize_per_tensor(t, s32, zp, qtype)
        codes = q.int_repr().numpy().astype(np.int64)
        fmt = fixed(dtype, [(scale, zp)])
        shape = str(x.size)
        add("q", dtype, shape, fmt, [x], codes)
        add("dq", dtype, shape, fmt, [codes], q.dequantize().numpy())
        if dtype != "int32":
            f = torch.fake_quantize_per_tensor_affine(t, s32, zp, lo, hi)
            add("fq", dtype, shape, fmt, [x], f.numpy())

    # Per channel along dimension 0 (3 channels).
    for dtype in ["int8", "uint8"]:
        qtype, _, lo, hi = QDTYPES[dtype]
        params = [(0.1, 0 if lo < 0 else 128), (0.37, 3), (1.0 / 7.0, -2 if lo < 0 else 7)]
        x = np.stack([draw_inputs(rng, s, z, lo, hi, 512) for s, z in params])
        t = torch.from_numpy(x)
        scales = torch.tensor([float(np.float32(s)) for s, _ in params], dtype=torch.float64)
        zps = torch.tensor([z for _, z in params], dtype=torch.int64)
        q = torch.quantize_per_channel(t, scales, zps, 0, qtype)
        codes = q.int_repr().numpy().astype(np.int64)
        fmt = fixed(dtype, params, axis=0)
        shape = "%dx%d" % x.shape
        add("qc", dtype, shape, fmt, [x], codes)
        add("dqc", dtype, shape, fmt, [codes], q.dequantize().numpy())
        f = torch.fake_quantize_per_channel_affine(t, scales.float(), zps.int(), 0, lo, hi)
        add("fqc", dtype, shape, fmt, [x], f.numpy())

    module = os.path.join(args.work, "oracle.mlir")
    with open(module, "w") as out:
        out.write("".join(case[1] for case in cases))
    compared = differ = 0
    for name, _, inputs, expected in cases:
        command = [args.runner, "run", module, "-e", name]
        for k, array in enumerate(inputs):
            path = os.path.join(args.work, "%s.in%d.npy" % (name, k))
            np.save(path, array)
            command += ["--input", path]
        result = os.path.join(args.work, name + ".out.npy")
        command += ["--output", result]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        got = np.load(result)
        if expected.dtype == np.float32:
            mismatch = got.view(np.uint32) != expected.view(np.uint32)
        else:
            mismatch = got.astype(np.int64) != expected
        bad = int(np.count_nonzero(mismatch))
        print("%s: %d values, %d differ" % (name, expected.size, bad))
        if bad:
            index = np.argwhere(mismatch)[0]
            print("  first at %s: input %r, quantx %r, pytorch %r" % (
                tuple(index), inputs[0][tuple(index)], got[tuple(index)], expected[tuple(index)]))
        compared += expected.size
        differ += bad
    print("pytorch oracle: %d values compared, %d differ" % (compared, differ))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
