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
    n = 4096
    for dtype, scale, zp in [("int8", 0.1, 0), ("uint8", 0.0235, 128),
                             ("int8", 1.0 / 3.0, -5), ("int32", 0.001, 17),
                             ("uint8", 0.00214854861, 0)]:
        qtype, _, lo, hi = QDTYPES[dtype]
        x = draw_inputs(rng, scale, zp, lo, hi, n)
        t = torch.from_numpy(x)
        s32 = float(np.float32(scale))
        q = torch.quantize_per_tensor(t, s32, zp, qtype)
        fmt = fixed(dtype, [(scale, zp)])
        m = x.size
        name = "q_%s_%d" % (dtype, len(cases))
        cases.append((name,
                      "func.func @%s(%%x: tensor<%dxf32>) -> tensor<%dx%s> {\n"
                      "  %%q = quantx.quantize %%x arithmetic<pytorch> : tensor<%dxf32> to tensor<%dx%s>\n"
                      "  return %%q : tensor<%dx%s>\n}\n" % (name, m, m, fmt, m, m, fmt, m, fmt),
                      [x], q.int_repr().numpy().astype(np.int64)))
        codes = q.int_repr().numpy().astype(np.int64)
        name = "dq_%s_%d" % (dtype, len(cases))
        cases.append((name,
                      "func.func @%s(%%q: tensor<%dx%s>) -> tensor<%dxf32> {\n"
                      "  %%x = quantx.dequantize %%q arithmetic<pytorch> : tensor<%dx%s> to tensor<%dxf32>\n"
                      "  return %%x : tensor<%dxf32>\n}\n" % (name, m, fmt, m, m, fmt, m, m),
                      [codes], q.dequantize().numpy()))
        if dtype != "int32":
            f = torch.fake_quantize_per_tensor_affine(t, s32, zp, lo, hi)
            name = "fq_%s_%d" % (dtype, len(cases))
            cases.append((name,
                          "func.func @%s(%%x: tensor<%dxf32>) -> tensor<%dxf32> {\n"
                          "  %%f = quantx.fake_quant %%x to %s arithmetic<pytorch> : tensor<%dxf32>\n"
                          "  return %%f : tensor<%dxf32>\n}\n" % (name, m, m, fmt, m, m),
                          [x], f.numpy()))

    # Per channel along dimension 0 (3 channels).
    for dtype in ["int8", "uint8"]:
        qtype, _, lo, hi = QDTYPES[dtype]
        params = [(0.1, 0 if lo < 0 else 128), (0.37, 3), (1.0 / 7.0, -2 if lo < 0 else 7)]
        rows = [draw_inputs(rng, s, z, lo, hi, 512) for s, z in params]
        x = np.stack(rows)
        t = torch.from_numpy(x)
        scales = torch.tensor([float(np.float32(s)) for s, _ in params], dtype=torch.float64)
        zps = torch.tensor([z for _, z in params], dtype=torch.int64)
        q = torch.quantize_per_channel(t, scales, zps, 0, qtype)
        fmt = fixed(dtype, params, axis=0)
        shape = "%dx%d" % x.shape
        name = "qc_%s_%d" % (dtype, len(cases))
        cases.append((name,
                      "func.func @%s(%%x: tensor<%sxf32>) -> tensor<%sx%s> {\n"
                      "  %%q = quantx.quantize %%x arithmetic<pytorch> : tensor<%sxf32> to tensor<%sx%s>\n"
                      "  return %%q : tensor<%sx%s>\n}\n" % (name, shape, shape, fmt, shape, shape, fmt, shape, fmt),
                      [x], q.int_repr().numpy().astype(np.int64)))
        codes = q.int_repr().numpy().astype(np.int64)
        name = "dqc_%s_%d" % (dtype, len(cases))
        cases.append((name,
                      "func.func @%s(%%q: tensor<%sx%s>) -> tensor<%sxf32> {\n"
                      "  %%x = quantx.dequantize %%q arithmetic<pytorch> : tensor<%sx%s> to tensor<%sxf32>\n"
                      "  return %%x : tensor<%sxf32>\n}\n" % (name, shape, fmt, shape, shape, fmt, shape, shape),
                      [codes], q.dequantize().numpy()))
        f = torch.fake_quantize_per_channel_affine(t, scales.float(), zps.int(), 0, lo, hi)
        name = "fqc_%s_%d" % (dtype, len(cases))
        cases.append((name,
                      "func.func @%s(%%x: tensor<%sxf32>) -> tensor<%sxf32> {\n"
                      "  %%f = quantx.fake_quant %%x to %s arithmetic<pytorch> : tensor<%sxf32>\n"
                      "  return %%f : tensor<%sxf32>\n}\n" % (name, shape, shape, fmt, shape, shape),
                      [x], f.numpy()))

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
