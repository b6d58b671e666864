#!/usr/bin/python3
# Part of the quantx project, under the Apache License v2.0 with LLVM
# Exceptions. See LICENSE for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""PyTorch as the oracle of quantx.scaled_fake_quant, forward and backward.

For each case: draws float32 inputs (over the code range, beyond it, and on
near-ties of x * (1/s)), a scale, a zero point and an output gradient; runs
PyTorch's fake quantizer with autograd:

  ste:  torch.fake_quantize_per_tensor_affine / _per_channel_affine
  lsq:  torch._fake_quantize_learnable_per_tensor_affine / _per_channel_affine
        (learned scale and zero point, with their grad_factor)

and the same quantizer as quantx.scaled_fake_quant with arithmetic<pytorch>,
differentiated by quantx-differentiate and JIT-run by quantx-runner. The
outputs and the input gradients must agree bit for bit; the scale and zero
point gradients (sums over many elements, in another order) to 1e-5 of the
sum of their terms' magnitudes. Prints one line per case and a last line
`pytorch qat oracle: N values compared, M differ`; exits 1 when M > 0.

  pytorch-qat-oracle.py --runner PATH/quantx-runner --opt PATH/quantx-opt --work DIR
      [quantx-opt flags...]

Arguments the script does not know go to quantx-opt (lit's substitution of
quantx-opt adds --verify-roundtrip under CI).
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import torch

STORAGE = {  # name: (quantx storage, qmin, qmax)
    "int8": ("i8", -128, 127),
    "uint8": ("u8", 0, 255),
    "int4": ("i4", -8, 7),
    "uint4": ("u4", 0, 15),
    "int2": ("i2", -2, 1),
    "uint2": ("u2", 0, 3),
}


def draw(rng, scale, zp, lo, hi, count):
    """Values over (and beyond) the code range, and near-ties of x * inv."""
    inv = np.float32(1.0) / np.float32(scale)
    span = hi - lo
    codes = rng.integers(lo - zp - span // 2, hi - zp + span // 2 + 1, count)
    wide = ((codes + rng.uniform(-1, 1, count)) / np.float64(inv)).astype(np.float32)
    ties = ((codes + 0.5) / np.float64(inv)).astype(np.float32)
    ties = np.nextafter(ties, ties + rng.choice([-1, 0, 1], count).astype(np.float32))
    return np.concatenate([wide, ties.astype(np.float32)])


def tensor_type(shape):
    return "tensor<%sf32>" % "".join("%dx" % d for d in shape)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runner", required=True)
    parser.add_argument("--opt", required=True)
    parser.add_argument("--work", required=True)
    args, opt_flags = parser.parse_known_args()
    os.makedirs(args.work, exist_ok=True)
    rng = np.random.default_rng(20261203)
    torch.set_num_threads(1)

    cases = []

    def add(rule, storage, x, scale, zp, axis, grad_factor):
        """x: float32 array; scale, zp: float32 arrays (0-d or 1-d)."""
        name = "%s_%s_%s_%d" % (rule, storage, "pc" if axis is not None else "pt", len(cases))
        quantx_storage, lo, hi = STORAGE[storage]
        dy = rng.uniform(-1, 1, x.shape).astype(np.float32)
        tx = torch.from_numpy(x.copy()).requires_grad_(True)
        ts = torch.from_numpy(scale.copy()).requires_grad_(rule == "lsq")
        tz = torch.from_numpy(zp.copy()).requires_grad_(rule == "lsq")
        if rule == "ste":
            if axis is None:
                y = torch.fake_quantize_per_tensor_affine(
                    tx, float(scale), int(zp), lo, hi)
            else:
                y = torch.fake_quantize_per_channel_affine(
                    tx, ts, tz.round().int(), axis, lo, hi)
        else:
            if axis is None:
                y = torch._fake_quantize_learnable_per_tensor_affine(
                    tx, ts.reshape(1), tz.reshape(1), lo, hi, grad_factor)
            else:
                y = torch._fake_quantize_learnable_per_channel_affine(
                    tx, ts, tz, axis, lo, hi, grad_factor)
        y.backward(torch.from_numpy(dy))
        expected = {"y": y.detach().numpy(), "dx": tx.grad.numpy()}
        if rule == "lsq":
            expected["ds"] = ts.grad.numpy().reshape(scale.shape)
            expected["dz"] = tz.grad.numpy().reshape(zp.shape)

        xt, st = tensor_type(x.shape), tensor_type(scale.shape)
        attrs = " axis %d" % axis if axis is not None else ""
        attrs += " gradient<lsq> grad_scale %r" % grad_factor if rule == "lsq" else ""
        text = ("func.func @%s(%%x: %s, %%s: %s, %%z: %s) -> %s {\n"
                "  %%y = quantx.scaled_fake_quant %%x, %%s zero_point %%z : %s "
                "to !quantx.fixed<%s:f32, ?>%s arithmetic<pytorch> : %s, %s\n"
                "  return %%y : %s\n}\n"
                % (name, xt, st, st, xt, st, quantx_storage, attrs, xt, st, xt))
        cases.append((name, text, [x, scale, zp, dy], expected))

    n = 1024
    for storage, scale, zp in [("int8", 0.1, 0), ("uint8", 0.0235, 128),
                               ("int8", 1.0 / 3.0, -5), ("int4", 0.37, 0),
                               ("uint4", 0.05, 3), ("int2", 0.7, 0),
                               ("uint2", 1.3, 1)]:
        _, lo, hi = STORAGE[storage]
        x = draw(rng, scale, zp, lo, hi, n)
        s = np.array(scale, dtype=np.float32)
        z = np.array(zp, dtype=np.float32)
        add("ste", storage, x, s, z, None, 1.0)
        # PyTorch 1.13's per-tensor learnable backward takes the zero point as
        # int(zp + 0.5), one too high for a negative one (its forward, and
        # quantx, use zp): learnable cases use zero points >= 0.
        z = np.array(abs(zp), dtype=np.float32)
        x = draw(rng, scale, abs(zp), lo, hi, n)
        add("lsq", storage, x, s, z, None, 1.0 / np.sqrt(x.size * hi))

    # Per channel, along the first and the last dimension. The zero points
    # are even: PyTorch's per-channel learnable backward rounds x/s + zp as
    # one number, so at ties with an odd zero point it disagrees with its
    # own forward pass (which rounds x/s and adds zp, as quantx does).
    for storage in ["int8", "uint4", "int2"]:
        _, lo, hi = STORAGE[storage]
        for axis in [0, 1]:
            params = [(0.1, 0 if lo < 0 else 2), (0.37, -2 if lo < 0 else 2),
                      (1.0 / 7.0, 0)]
            columns = [draw(rng, s, z, lo, hi, 128) for s, z in params]
            x = np.stack(columns) if axis == 0 else np.stack(columns, axis=1)
            s = np.array([p[0] for p in params], dtype=np.float32)
            z = np.array([p[1] for p in params], dtype=np.float32)
            add("ste", storage, np.ascontiguousarray(x), s, z, axis, 1.0)
            add("lsq", storage, np.ascontiguousarray(x), s, z, axis, 0.05)

    module = os.path.join(args.work, "qat-oracle.mlir")
    with open(module, "w") as out:
        out.write("".join(case[1] for case in cases))
    grad_module = os.path.join(args.work, "qat-oracle-grad.mlir")
    # (quantx-differentiate warns that no gradient reaches the parameters
    # of the ste cases: expected.)
    done = subprocess.run([args.opt] + opt_flags +
                          [module, "--quantx-differentiate", "-o", grad_module],
                          stderr=subprocess.PIPE, text=True)
    if done.returncode:
        sys.stderr.write(done.stderr)
        return 1

    compared = differ = 0
    for name, _, inputs, expected in cases:
        command = [args.runner, "run", grad_module, "-e", name + "_grad"]
        for k, array in enumerate(inputs):
            path = os.path.join(args.work, "%s.in%d.npy" % (name, k))
            np.save(path, array)
            command += ["--input", path]
        outputs = [os.path.join(args.work, "%s.out%d.npy" % (name, k)) for k in range(4)]
        for path in outputs:
            command += ["--output", path]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        y, dx, ds, dz = (np.load(path) for path in outputs)
        bad = 0
        # Bit for bit: the output and the input gradient.
        for label, got, want in [("y", y, expected["y"]), ("dx", dx, expected["dx"])]:
            mismatch = got.view(np.uint32) != want.view(np.uint32)
            count = int(np.count_nonzero(mismatch))
            if count:
                index = tuple(np.argwhere(mismatch)[0])
                print("  %s %s: first at %s: x %r, quantx %r, pytorch %r" % (
                    name, label, index, inputs[0][index], got[index], want[index]))
            bad += count
            compared += want.size
        if "ds" in expected:
            # Sums in another order: relative to the terms' magnitudes.
            x, s = inputs[0], inputs[1]
            for label, got, want in [("ds", ds, expected["ds"]), ("dz", dz, expected["dz"])]:
                bound = 1e-5 * (np.abs(inputs[3]).sum() * (hi_of(name) + 1) + 1)
                mismatch = np.abs(got.astype(np.float64) - want.astype(np.float64)) > bound
                count = int(np.count_nonzero(mismatch))
                if count:
                    print("  %s %s: quantx %r, pytorch %r" % (name, label, got, want))
                bad += count
                compared += want.size
        else:
            # No gradient reaches the scale and zero point.
            for label, got in [("ds", ds), ("dz", dz)]:
                count = int(np.count_nonzero(got))
                if count:
                    print("  %s %s: expected zeros, got %r" % (name, label, got))
                bad += count
                compared += got.size
        print("%s: %d values, %d differ" % (name, sum(v.size for v in expected.values()), bad))
        differ += bad
    print("pytorch qat oracle: %d values compared, %d differ" % (compared, differ))
    return 1 if differ else 0


def hi_of(name):
    """The largest code magnitude of the case's storage."""
    storage = name.split("_")[1]
    _, lo, hi = STORAGE[storage]
    return max(abs(lo), abs(hi))


if __name__ == "__main__":
    sys.exit(main())
