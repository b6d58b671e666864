#!/usr/bin/python3
"""gen_vectors.py -- quantx interop oracle for PyTorch 1.13 (CPU) and ONNX QuantizeLinear/DequantizeLinear.

  /usr/bin/python3 gen_vectors.py                 # write vectors.txt next to this script
  /usr/bin/python3 gen_vectors.py --out F --bits  # raw float32 bit patterns instead of hex-floats
  /usr/bin/python3 gen_vectors.py --check         # 1e6-input agreement table: torch vs candidate formulas
  /usr/bin/python3 gen_vectors.py --check 200000 --expr 'rint(x/s)+zp'
  ATEN_CPU_CAPABILITY=default /usr/bin/python3 gen_vectors.py --check   # also try avx2 / avx512

Deterministic (numpy default_rng seeded).  PyTorch expectations are produced by calling torch;
ONNX expectations by an independent numpy-float32 implementation of the reference arithmetic,
cross-checked (when ./onnx_ref_src + onnx_ref_shim.py are present) against the real onnx
reference source.  See FORMULAS.md.
"""
import argparse
import os
import sys

from fractions import Fraction

import numpy as np

F32 = np.float32
F64 = np.float64
I64_MIN = np.iinfo(np.int64).min
I32_MIN = np.iinfo(np.int32).min

QRANGE = {"int8": (-128, 127), "uint8": (0, 255), "int32": (-2**31, 2**31 - 1)}


# ----------------------------------------------------------------------------
# IEEE helpers
# ----------------------------------------------------------------------------
def fmaf(a, b, c):
    """Correctly rounded float32 fused multiply-add fl32(a*b + c) (like C fmaf /
    vfmadd*ss).  a*b is exact in float64 (24+24 bits); the sum is carried as a
    double-double (TwoSum) and rounded once to float32, fixing the only
    double-rounding case (float64 sum exactly on a float32 midpoint)."""
    a = np.asarray(a, F32); b = np.asarray(b, F32); c = np.asarray(c, F32)
    with np.errstate(all="ignore"):
        p = a.astype(F64) * b.astype(F64)
        cc = c.astype(F64)
        s = p + cc
        bb = s - p
        err = (p - (s - bb)) + (cc - bb)
        r = s.astype(F32)
        r64 = r.astype(F64)
        toward = np.where(s > r64, F32(np.inf), F32(-np.inf))
        other = np.nextafter(r, toward)
        o64 = other.astype(F64)
        mid = np.isfinite(s) & (r64 != s) & ((r64 + o64) * 0.5 == s) & (err != 0)
        # exact value s+err lies on `other`'s side of the midpoint s?
        go_other = np.sign(o64 - s) == np.sign(err)
        return np.where(mid & go_other, other, r).astype(F32)


def cvt_f32_to_i64_x86(v):
    """static_cast<int64_t>(float) / lrintf result on x86-64 (cvt(t)ss2si r64):
    NaN and out-of-range values give the 'integer indefinite' INT64_MIN.
    Input must already be integral (we apply it after rint)."""
    v = np.asarray(v, F32)
    with np.errstate(invalid="ignore"):
        bad = np.isnan(v) | (v >= F32(2.0**63)) | (v < F32(-2.0**63))
        out = np.where(bad, F32(0), v).astype(np.int64)
    out[bad] = I64_MIN
    return out


def cvt_f32_to_i32_x86(v):
    """numpy float32 -> int32 astype on x86-64 (cvttps2dq): NaN / |v| >= 2^31 -> INT32_MIN."""
    v = np.asarray(v, F32)
    with np.errstate(invalid="ignore"):
        bad = np.isnan(v) | (v >= F32(2.0**31)) | (v < F32(-2.0**31))
        out = np.where(bad, F32(0), v).astype(np.int64)
    out[bad] = I32_MIN
    return out


def wrap_i32(v):
    v = np.asarray(v, np.int64)
    return ((v + 2**31) % 2**32) - 2**31


# ----------------------------------------------------------------------------
# PyTorch 1.13.1 (Debian build: USE_FBGEMM off, x86-64)
# ----------------------------------------------------------------------------
def torch_quantize(x, scale, zp, qmin, qmax):
    """torch.quantize_per_tensor / quantize_per_channel (per element, with the
    element's channel scale/zp).  at::native::quantize_val (non-FBGEMM):
        float inv_scale = 1.0f / static_cast<float>(scale);
        qvalue = static_cast<int64_t>(zero_point + Round(value * inv_scale));  // float add!
        clamp to [qmin, qmax]
    `scale` may be a python/np float64 (it is rounded to float32 first)."""
    x = np.asarray(x, F32)
    sf = np.asarray(scale, F64).astype(F32)
    with np.errstate(all="ignore"):
        inv = F32(1) / sf
        r = np.rint(x * inv)
        v = np.asarray(zp, np.int64).astype(F32) + r  # int64 -> float, float add
    return np.clip(cvt_f32_to_i64_x86(v), qmin, qmax)


def torch_quantize_saturating(x, scale, zp, qmin, qmax):
    """Same as torch_quantize but with a saturating float->int conversion
    (what you would get on aarch64 / or what a 'sane' implementation does).
    Differs from torch on x86 only for NaN and x*inv >= 2^63 (incl. +inf)."""
    x = np.asarray(x, F32)
    sf = np.asarray(scale, F64).astype(F32)
    with np.errstate(all="ignore"):
        inv = F32(1) / sf
        v = np.asarray(zp, np.int64).astype(F32) + np.rint(x * inv)
        v = np.where(np.isnan(v), F32(0), v)
        return np.clip(v.astype(F64), qmin, qmax).astype(np.int64)


def torch_dequantize_per_tensor(q, scale, zp):
    """Tensor.dequantize() per-tensor: at::native::dequantize_val (non-FBGEMM):
        return static_cast<float>(scale) * (value.val_ - static_cast<int32_t>(zero_point));
    int32 subtraction, int->float conversion, float32 multiply."""
    d = wrap_i32(np.asarray(q, np.int64) - np.asarray(zp, np.int64))
    sf = np.asarray(scale, F64).astype(F32)
    return (sf * d.astype(F32)).astype(F32)


def torch_dequantize_per_channel(q, scale64, zp):
    """Tensor.dequantize() per-channel: dequantize_per_channel_affine_kernel<double,int64_t,T>:
        rd[i] = (static_cast<float>(qvalue) - zero_points_data[c]) * scales_data[c];
    float - (int64->float) in float32, then * double scale in float64, then -> float32.
    NOTE: scale is the *double* stored in the quantizer (not rounded to float)."""
    a = np.asarray(q, np.int64).astype(F32) - np.asarray(zp, np.int64).astype(F32)
    return (a.astype(F64) * np.asarray(scale64, F64)).astype(F32)


def torch_fake_quantize(x, scale, zp, qmin, qmax):
    """fake_quantize_per_tensor_affine (and per_channel with int32 zero_point).
    1.13 kernel (fake_quantize_tensor_cachemask_kernel / _fake_quant_per_channel_cachemask_cpu_helper):
        float inv_scale = 1.0f / sc;                     // sc already float
        qval = static_cast<int64_t>(z_point + std::nearbyint(x * inv_scale));   // float add
        out  = (std::fmin(std::fmax(qval, quant_min), quant_max) - z_point) * sc;  // double arith -> float
    """
    x = np.asarray(x, F32)
    sf = np.asarray(scale, F64).astype(F32)
    with np.errstate(all="ignore"):
        inv = F32(1) / sf
        v = np.asarray(zp, np.int64).astype(F32) + np.rint(x * inv)
    q = np.clip(cvt_f32_to_i64_x86(v), qmin, qmax)
    return ((q.astype(F64) - np.asarray(zp, np.int64).astype(F64)) * sf.astype(F64)).astype(F32)


def torch_fake_quantize_fzp(x, scale, zp_f, qmin, qmax, fma):
    """fake_quantize_per_channel_affine with a *float* zero_point tensor:
        float inv_scale = 1.0f / scale;
        (std::fmin(std::fmax(std::lrint(zero_point + self * inv_scale), quant_min), quant_max)
              - zero_point) * scale
    `zero_point + self * inv_scale` is contracted to an FMA by GCC in the AVX2 / AVX512
    kernel builds (-mfma, -ffp-contract=fast) but not in the DEFAULT build -> fma flag."""
    x = np.asarray(x, F32)
    sf = np.asarray(scale, F32)
    zf = np.asarray(zp_f, F32)
    with np.errstate(all="ignore"):
        inv = F32(1) / sf
        t = fmaf(x, inv, zf) if fma else (zf + x * inv)
        q = np.clip(cvt_f32_to_i64_x86(np.rint(t)), qmin, qmax)
        return ((q.astype(F64) - zf.astype(F64)) * sf.astype(F64)).astype(F32)


def torch_quantize_float_qparams(x, scale, zp_f, qmin, qmax, fma=False):
    """torch.quantize_per_channel with *float* zero_points (float-qparams path,
    at::native::quantize_val_float_qparams):
        float inv_scale = scale == 0 ? 1.0f : 1.0f / scale;
        int qvalue = lrintf(value * inv_scale + zero_point);   // long -> int truncation!
        qvalue = std::max(qmin, std::min(qvalue, qmax));"""
    x = np.asarray(x, F32)
    sf = np.asarray(scale, F32)
    zf = np.asarray(zp_f, F32)
    with np.errstate(all="ignore"):
        inv = np.where(sf == 0, F32(1), F32(1) / sf)
        t = fmaf(x, inv, zf) if fma else (x * inv + zf)
        q = wrap_i32(cvt_f32_to_i64_x86(np.rint(t)))
    return np.clip(q, qmin, qmax)


# ----------------------------------------------------------------------------
# ONNX reference implementation (onnx >= 1.15; QuantizeLinear_10/_19/_21...)
# ----------------------------------------------------------------------------
def onnx_quantize(x, scale, zp, qmin, qmax):
    """_CommonQuantizeLinear._run:
        x = x / y_scale                       # float32 / float32 -> float32 (IEEE division)
        xi = np.rint(x).astype(np.int32)      # ties-to-even; NaN/inf/|.|>=2^31 -> INT32_MIN on x86
        xi += zero_point                      # int32 add (wraps)
        np.clip(xi, qmin, qmax)"""
    x = np.asarray(x, F32)
    with np.errstate(all="ignore"):
        t = x / np.asarray(scale, F32)
        xi = cvt_f32_to_i32_x86(np.rint(t))
    xi = wrap_i32(xi + np.asarray(zp, np.int64))
    return np.clip(xi, qmin, qmax)


def onnx_quantize_spec(x, scale, zp, qmin, qmax):
    """ONNX spec text: saturate(round_half_even(x / y_scale) + y_zero_point) with the
    division in float32 (y_scale's type) and true saturation (+inf -> qmax, -inf -> qmin).
    Same as onnx_quantize for every finite x with |x/scale| < 2^31. NaN: unspecified (-> qmin here)."""
    x = np.asarray(x, F32)
    with np.errstate(all="ignore"):
        t = np.rint(x / np.asarray(scale, F32)).astype(F64) + np.asarray(zp, np.int64)
        t = np.where(np.isnan(t), -np.inf, t)
        return np.clip(t, qmin, qmax).astype(np.int64)


def onnx_quantize_v113(x, scale, zp, qmin, qmax):
    """Historical onnx 1.13.x / 1.14.x reference (before onnx PR #5408, Jul 2023):
        x = x / y_scale; x += zero_point (float32 add); np.floor(x + 0.5); clip; ceil
    i.e. zero point added in float BEFORE rounding and rounding half UP."""
    x = np.asarray(x, F32)
    with np.errstate(all="ignore"):
        t = x / np.asarray(scale, F32)
        t = (t + np.asarray(zp).astype(F32)).astype(F32)
        t = np.floor((t + F32(0.5)).astype(F32))
        return np.clip(t, qmin, qmax).astype(np.int64)


def onnx_dequantize(q, scale, zp):
    """_CommonDequantizeLinear._run:
        dx = x.astype(np.float32) - x_zero_point    # float32
        y  = dx * x_scale                            # float32
    """
    q = np.asarray(q, np.int64)
    dx = q.astype(F32) - np.asarray(zp, np.int64).astype(F32)
    return (dx * np.asarray(scale, F32)).astype(F32)


def ort_mlas_quantize(x, scale, zp, qmin, qmax):
    """ONNX Runtime MlasQuantizeLinearKernel / MlasQuantizeLinearAvx512F (x86):
        v = x / Scale (divps); v = maxps(v, float(qmin-zp)); v = minps(v, float(qmax-zp));
        q = cvtps2dq(v) (RNE) + zp
    maxps/minps return the 2nd operand for NaN -> NaN maps to qmin."""
    x = np.asarray(x, F32)
    zp = np.asarray(zp, np.int64)
    with np.errstate(all="ignore"):
        v = x / np.asarray(scale, F32)
        lo = (qmin - zp).astype(F32); hi = (qmax - zp).astype(F32)
        v = np.where(v > lo, v, lo)      # maxps(v, lo): NaN -> lo
        v = np.where(v < hi, v, hi)      # minps(v, hi)
        return np.rint(v).astype(np.int64) + zp


# ----------------------------------------------------------------------------
# Exact (quantx): clamp(round_half_even(x / scale) + zp), exact rational x/scale
# ----------------------------------------------------------------------------
def exact_quantize(x, scale, zp, qmin, qmax):
    """Exact rounding of the rational x/scale (scale taken as its float32 value).
    float64 division of two float32s followed by rint is provably exact for
    |x/scale| < 2^28 (a float32 quotient that is not a half-integer is at least
    2^-25 away from one, float64 error <= |q|*2^-53); larger quotients are
    recomputed with Fractions.  Non-finite x -> saturate (NaN -> qmin)."""
    x = np.asarray(x, F32)
    s = np.broadcast_to(np.asarray(scale, F64).astype(F32), x.shape)
    zpb = np.broadcast_to(np.asarray(zp, np.int64), x.shape)
    with np.errstate(all="ignore"):
        q = x.astype(F64) / s.astype(F64)
        r = np.rint(q)
    big = np.isfinite(q) & (np.abs(q) >= 2.0**27)
    out = np.where(np.isnan(r), -np.inf, r) + zpb
    for idx in zip(*np.nonzero(big)):
        fr = Fraction(float(x[idx])) / Fraction(float(s[idx]))
        out[idx] = float(round(fr) + int(zpb[idx]))  # Python round(Fraction) = half-even
    return np.clip(out, qmin, qmax).astype(np.int64)


def exact_quantize_fraction(x, scale, zp, qmin, qmax):
    """Slow scalar cross-check of exact_quantize using Fractions only."""
    fr = Fraction(float(np.float32(x))) / Fraction(float(np.float32(scale)))
    return min(max(round(fr) + int(zp), qmin), qmax)


# ============================================================================
# torch wrappers
# ============================================================================
def _torch():
    import torch
    return torch


TDT = None


def tdtypes():
    global TDT
    if TDT is None:
        torch = _torch()
        TDT = {"int8": (torch.qint8, torch.int8, np.int8),
               "uint8": (torch.quint8, torch.uint8, np.uint8),
               "int32": (torch.qint32, torch.int32, np.int32)}
    return TDT


def cpu_capability():
    torch = _torch()
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage" in line:
            return line.split(":", 1)[1].strip()
    return "?"


def t_quantize_per_tensor(x, scale, zp, dt):
    torch = _torch()
    q = torch.quantize_per_tensor(torch.from_numpy(np.ascontiguousarray(x, F32)), float(scale), int(zp), tdtypes()[dt][0])
    return q.int_repr().numpy().astype(np.int64)


def t_quantize_per_channel(x, scales64, zps, axis, dt):
    torch = _torch()
    q = torch.quantize_per_channel(torch.from_numpy(np.ascontiguousarray(x, F32)),
                                   torch.from_numpy(np.asarray(scales64, F64)),
                                   torch.from_numpy(np.asarray(zps, np.int64)), axis, tdtypes()[dt][0])
    return q.int_repr().numpy().astype(np.int64)


def t_quantize_per_channel_fzp(x, scales32, zps_f, axis, dt):
    torch = _torch()
    q = torch.quantize_per_channel(torch.from_numpy(np.ascontiguousarray(x, F32)),
                                   torch.from_numpy(np.asarray(scales32, F32)),
                                   torch.from_numpy(np.asarray(zps_f, F32)), axis, tdtypes()[dt][0])
    return q.int_repr().numpy().astype(np.int64)


def t_dequantize_per_tensor(codes, scale, zp, dt):
    torch = _torch()
    it = torch.from_numpy(np.asarray(codes).astype(tdtypes()[dt][2]))
    q = torch._make_per_tensor_quantized_tensor(it, float(scale), int(zp))
    return q.dequantize().numpy()


def t_dequantize_per_channel(codes, scales64, zps, axis, dt):
    torch = _torch()
    it = torch.from_numpy(np.ascontiguousarray(np.asarray(codes).astype(tdtypes()[dt][2])))
    q = torch._make_per_channel_quantized_tensor(it, torch.from_numpy(np.asarray(scales64, F64)),
                                                 torch.from_numpy(np.asarray(zps, np.int64)), axis)
    return q.dequantize().numpy()


def t_fake_quantize_per_tensor(x, scale, zp, qmin, qmax):
    torch = _torch()
    return torch.fake_quantize_per_tensor_affine(torch.from_numpy(np.ascontiguousarray(x, F32)),
                                                 float(scale), int(zp), int(qmin), int(qmax)).numpy()


def t_fake_quantize_per_tensor_tq(x, scale, zp, qmin, qmax):
    """tensor-qparams overload (scale: float32 tensor, zero_point: int32 tensor)."""
    torch = _torch()
    return torch.fake_quantize_per_tensor_affine(torch.from_numpy(np.ascontiguousarray(x, F32)),
                                                 torch.tensor(float(scale), dtype=torch.float32),
                                                 torch.tensor(int(zp), dtype=torch.int32),
                                                 int(qmin), int(qmax)).numpy()


def t_fake_quantize_per_channel(x, scales32, zps, axis, qmin, qmax, float_zp=False):
    torch = _torch()
    zt = torch.from_numpy(np.asarray(zps, F32 if float_zp else np.int32))
    return torch.fake_quantize_per_channel_affine(torch.from_numpy(np.ascontiguousarray(x, F32)),
                                                  torch.from_numpy(np.asarray(scales32, F32)), zt,
                                                  axis, int(qmin), int(qmax)).numpy()


# ============================================================================
# deterministic input generation
# ============================================================================
NAMED_SCALES = [0.1, 0.0235, 1.0 / 3.0, 0.00214854861, 0.5, 0.75, 7.0, 1.0 / 255.0,
                0.02, 2.0 ** -7, 0.0033, 0.3, 1e-4 * 1.7, 12.5]


def near_ties(rng, scale, n, kmin, kmax, ulps=3):
    """x close to (k+0.5)*scale: both the float32 rounding of (k+0.5)*scale and
    of (k+0.5)/inv, each perturbed by -ulps..+ulps float32 ulps."""
    sf = F32(scale)
    inv = F32(1) / sf
    k = rng.integers(kmin, kmax + 1, size=n).astype(F64)
    a = ((k + 0.5) * F64(sf)).astype(F32)
    b = ((k + 0.5) / F64(inv)).astype(F32)
    base = np.where(rng.random(n) < 0.5, a, b)
    d = rng.integers(-ulps, ulps + 1, size=n)
    bits = base.view(np.int32).astype(np.int64)
    bits = bits + np.where(base < 0, -d, d)
    return bits.astype(np.int32).view(F32)


def random_inputs(rng, scale, zp, qmin, qmax, n):
    """mixture: 55% near-ties, 35% uniform over the representable range (+-4 codes), 10% wide."""
    sf = F64(F32(scale))
    lo = max(qmin - zp - 4, -2**31) * sf
    hi = min(qmax - zp + 4, 2**31) * sf
    kmin = int(max(qmin - zp - 3, -2**24)); kmax = int(min(qmax - zp + 3, 2**24))
    x = near_ties(rng, scale, n, kmin, kmax)
    u = rng.random(n)
    uni = (lo + (hi - lo) * rng.random(n)).astype(F32)
    wide = (rng.standard_normal(n) * 10.0 ** rng.uniform(-3, 3, n) * sf * max(qmax - qmin, 1)).astype(F32)
    x = np.where(u < 0.55, x, np.where(u < 0.90, uni, wide)).astype(F32)
    return x


def special_inputs(scale):
    sf = F32(scale)
    inv = F32(1) / sf
    vals = [0.0, -0.0, 1e-45, -1e-45, 1.17549435e-38, -1.17549435e-38, 3.4028235e38, -3.4028235e38,
            np.inf, -np.inf, np.nan, 1e30, -1e30, 3e9 * float(sf), -3e9 * float(sf), 1e10 * float(sf)]
    # around the x*inv == 2^63 boundary of static_cast<int64_t>(float) (x86 -> INT64_MIN)
    t63 = F32(2.0 ** 63)
    xb = (F64(t63) / F64(inv))
    for v in [xb]:
        c = F32(v)
        for d in range(-2, 3):
            vals.append(float(np.frombuffer(np.int32(c.view(np.int32) + d).tobytes(), F32)[0]))
    return np.array(vals, F32)


# ============================================================================
# formatting
# ============================================================================
USE_BITS = False


def fhex(v):
    v = F32(v)
    if USE_BITS:
        return "0x%08x" % (int(v.view(np.uint32)))
    f = float(v)
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if f > 0 else "-inf"
    h = f.hex()  # e.g. 0x1.99999a0000000p-4
    mant, exp = h.split("p")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return mant + "p" + exp


def dhex(v):
    return "d:" + float(v).hex()


# ============================================================================
# vector generation
# ============================================================================
def pick(rng, disc, n_disc, n_rand):
    """indices: up to n_disc where disc is True (discriminating cases) + n_rand others, in original order"""
    disc = np.asarray(disc).ravel()
    d = np.nonzero(disc)[0]; o = np.nonzero(~disc)[0]
    d = rng.choice(d, min(n_disc, len(d)), replace=False) if len(d) else d
    o = rng.choice(o, min(n_rand, len(o)), replace=False) if len(o) else o
    return np.sort(np.concatenate([d, o]).astype(np.int64))


def gen_vectors(path, seed):
    rng = np.random.default_rng(seed)
    torch = _torch()
    cap = cpu_capability()
    lines = []
    counts = {}

    def emit(fw, op, dt, sc, zp, x, exp):
        lines.append(" ".join([fw, op, dt, sc, str(zp), x, exp]))
        counts[(fw, op)] = counts.get((fw, op), 0) + 1

    def section(t):
        lines.append("# ---- " + t)

    # ---------------- PyTorch quantize_per_tensor ----------------
    section("pytorch quantize_per_tensor: torch is called on a 3000-element tensor of near-ties/random inputs; emitted: "
            "up to 10 elements where torch differs from onnx-division or exact rounding + 14 others (+ specials)")
    cfg = [("int8", 0), ("int8", 3), ("int8", -17), ("uint8", 128), ("uint8", 0), ("uint8", 255), ("int32", 0), ("int32", 1000)]
    for dt, zp in cfg:
        qmin, qmax = QRANGE[dt]
        for s in [0.1, 0.0235, 1.0 / 3.0, 0.00214854861, 7.0]:
            x = random_inputs(rng, s, zp, qmin if dt != "int32" else -300, qmax if dt != "int32" else 300, 3000)
            x = np.concatenate([x, special_inputs(s)]) if s in (0.1, 7.0) else x
            q = t_quantize_per_tensor(x, s, zp, dt)
            assert (q == torch_quantize(x, s, zp, qmin, qmax)).all()
            fin = np.isfinite(x)
            disc = fin & ((q != onnx_quantize(x, F32(s), zp, qmin, qmax)) | (q != exact_quantize(x, s, zp, qmin, qmax)))
            idx = np.union1d(pick(rng, disc[:3000], 10, 14), np.arange(3000, len(x)))
            for xi, qi in zip(x[idx], q[idx]):
                emit("pytorch", "quantize_per_tensor", dt, fhex(s), zp, fhex(xi), str(qi))

    # ---------------- PyTorch quantize_per_channel ----------------
    section("pytorch quantize_per_channel (axis 0 of a [C,L] tensor and axis 1 of a [L,C] tensor); scale column = that channel's scale")
    for dt in ["int8", "uint8", "int32"]:
        qmin, qmax = QRANGE[dt]
        for axis in [0, 1]:
            C, L = 3, 1000
            scales = np.array([0.1, 0.0235, 1.0 / 3.0], F64).astype(F32).astype(F64)  # float32-valued scales
            zps = {"int8": [0, 5, -9], "uint8": [128, 0, 77], "int32": [0, 1000, -3]}[dt]
            x = np.stack([random_inputs(rng, scales[c], zps[c], max(qmin, -300), min(qmax, 300), L) for c in range(C)])
            if axis == 1:
                x = np.ascontiguousarray(x.T)
            q = t_quantize_per_channel(x, scales, zps, axis, dt)
            sc_b = scales[:, None] if axis == 0 else scales[None, :]
            zp_b = np.asarray(zps)[:, None] if axis == 0 else np.asarray(zps)[None, :]
            assert (q == torch_quantize(x, sc_b, zp_b, qmin, qmax)).all()
            disc = (q != onnx_quantize(x, np.asarray(sc_b).astype(F32), zp_b, qmin, qmax)) | (q != exact_quantize(x, sc_b, zp_b, qmin, qmax))
            for flat in pick(rng, disc, 12, 20):
                idx = np.unravel_index(flat, x.shape)
                c = idx[axis]
                emit("pytorch", "quantize_per_channel_axis%d" % axis, dt, fhex(scales[c]), zps[c], fhex(x[idx]), str(q[idx]))

    # ---------------- PyTorch dequantize ----------------
    section("pytorch dequantize per-tensor: x column is the integer code; scale is float32 (torch uses float(scale))")
    for dt, zp in [("int8", 0), ("int8", -7), ("uint8", 128), ("int32", 0), ("int32", 12345)]:
        qmin, qmax = QRANGE[dt]
        for s in [0.1, 0.0235, 1.0 / 3.0, 0.00214854861]:
            if dt == "int32":
                codes = np.concatenate([rng.integers(-2**31, 2**31, 20), [2**24 + 1, 2**30 + 3, -(2**31), 2**31 - 1, 0, 1, -1]])
                if zp:
                    codes = np.clip(codes, -2**31 + zp, 2**31 - 1)  # avoid int32 overflow (UB) in q - zp
            else:
                codes = rng.integers(qmin, qmax + 1, 24)
            d = t_dequantize_per_tensor(codes, s, zp, dt)
            assert (d.view(np.int32) == torch_dequantize_per_tensor(codes, s, zp).view(np.int32)).all()
            for c, v in zip(codes, d):
                emit("pytorch", "dequantize_per_tensor", dt, fhex(s), zp, str(int(c)), fhex(v))
    section("pytorch dequantize per-channel (axis 0). NOTE: uses the *double* channel scale; lines with a 'd:' scale use a float64 scale that is not a float32 value")
    for dt in ["int8", "uint8"]:
        qmin, qmax = QRANGE[dt]
        for sc64 in [np.array([0.1, 0.0235, 1.0 / 3.0], F64),                      # true doubles
                     np.array([0.1, 0.0235, 1.0 / 3.0], F64).astype(F32).astype(F64)]:  # float32-valued
            zps = [0, 3, -5] if dt == "int8" else [128, 0, 250]
            codes = rng.integers(qmin, qmax + 1, (3, 16))
            d = t_dequantize_per_channel(codes, sc64, zps, 0, dt)
            assert (d.view(np.int32) == torch_dequantize_per_channel(codes, sc64[:, None], np.asarray(zps)[:, None]).view(np.int32)).all()
            f32valued = (sc64.astype(F32).astype(F64) == sc64).all()
            for idx in np.ndindex(codes.shape):
                c = idx[0]
                emit("pytorch", "dequantize_per_channel_axis0", dt, fhex(sc64[c]) if f32valued else dhex(sc64[c]),
                     zps[c], str(int(codes[idx])), fhex(d[idx]))

    # ---------------- PyTorch fake quantize ----------------
    section("pytorch fake_quantize_per_tensor_affine (dtype column = quant range q<min>:<max>; expected = float32 output)")
    for (qmin, qmax, zp) in [(-128, 127, 0), (-128, 127, 9), (0, 255, 128), (0, 15, 3), (-8, 7, 0)]:
        for s in [0.1, 0.0235, 1.0 / 3.0, 0.00214854861]:
            x = random_inputs(rng, s, zp, qmin, qmax, 2000)
            if s == 0.1:
                x = np.concatenate([x, special_inputs(s)])
            o = t_fake_quantize_per_tensor(x, s, zp, qmin, qmax)
            assert (o.view(np.int32) == torch_fake_quantize(x, s, zp, qmin, qmax).view(np.int32)).all()
            q_div = onnx_quantize(x, F32(s), zp, qmin, qmax)
            o_div = ((q_div - zp).astype(F64) * F64(F32(s))).astype(F32)
            disc = np.isfinite(x[:2000]) & (o[:2000].view(np.int32) != o_div[:2000].view(np.int32))
            idx = np.union1d(pick(rng, disc, 8, 12), np.arange(2000, len(x)))
            for xi, oi in zip(x[idx], o[idx]):
                emit("pytorch", "fake_quantize_per_tensor", "q%d:%d" % (qmin, qmax), fhex(s), zp, fhex(xi), fhex(oi))
    section("pytorch fake_quantize_per_channel_affine, int32 zero_point, axis 0")
    for (qmin, qmax) in [(-128, 127), (0, 255)]:
        scales = np.array([0.1, 0.0235, 1.0 / 3.0], F32)
        zps = [0, 4, -3] if qmin < 0 else [128, 0, 200]
        x = np.stack([random_inputs(rng, scales[c], zps[c], qmin, qmax, 1000) for c in range(3)])
        o = t_fake_quantize_per_channel(x, scales, zps, 0, qmin, qmax)
        assert (o.view(np.int32) == torch_fake_quantize(x, scales[:, None], np.asarray(zps)[:, None], qmin, qmax).view(np.int32)).all()
        q_div = onnx_quantize(x, scales[:, None], np.asarray(zps)[:, None], qmin, qmax)
        o_div = ((q_div - np.asarray(zps)[:, None]).astype(F64) * scales[:, None].astype(F64)).astype(F32)
        for flat in pick(rng, o.view(np.int32) != o_div.view(np.int32), 16, 32):
            idx = np.unravel_index(flat, x.shape)
            c = idx[0]
            emit("pytorch", "fake_quantize_per_channel_axis0", "q%d:%d" % (qmin, qmax), fhex(scales[c]), zps[c], fhex(x[idx]), fhex(o[idx]))

    section("pytorch fake_quantize_per_channel_affine with FLOAT zero_point (op suffix _fzp). CPU-capability dependent: "
            "[FMA] = AVX2/AVX512 kernels (fmaf(x,inv,zp)), [NOFMA] = DEFAULT kernel. zero_point column is a float32 hex-float. "
            "This process ran with capability %s; the other variant is computed by the emulation (verified separately by --check under ATEN_CPU_CAPABILITY=default/avx2)" % cap)
    for (qmin, qmax) in [(-128, 127), (0, 255)]:
        scales = np.array([0.1, 0.0235, 1.0 / 3.0], F32)
        zpf = np.array([0.0, 4.0, -3.0], F32) if qmin < 0 else np.array([128.0, 0.0, 77.0], F32)
        x = np.stack([near_ties(rng, scales[c], 1000, -60, 60) for c in range(3)])
        o = t_fake_quantize_per_channel(x, scales, zpf, 0, qmin, qmax, float_zp=True)
        fma_now = cap not in ("NO AVX", "DEFAULT", "?")
        emu = torch_fake_quantize_fzp(x, scales[:, None], zpf[:, None], qmin, qmax, fma=fma_now)
        assert (o.view(np.int32) == emu.view(np.int32)).all()
        other = torch_fake_quantize_fzp(x, scales[:, None], zpf[:, None], qmin, qmax, fma=not fma_now)
        for flat in pick(rng, o.view(np.int32) != other.view(np.int32), 24, 24):
            idx = np.unravel_index(flat, x.shape)
            c = idx[0]
            a, b = (o[idx], other[idx]) if fma_now else (other[idx], o[idx])
            emit("pytorch", "fake_quantize_per_channel_axis0_fzp[FMA]", "q%d:%d" % (qmin, qmax), fhex(scales[c]), fhex(zpf[c]), fhex(x[idx]), fhex(a))
            emit("pytorch", "fake_quantize_per_channel_axis0_fzp[NOFMA]", "q%d:%d" % (qmin, qmax), fhex(scales[c]), fhex(zpf[c]), fhex(x[idx]), fhex(b))

    # ---------------- ONNX ----------------
    section("onnx QuantizeLinear per-tensor (opset 10/13/19 identical for int8/uint8); reference arithmetic, numpy float32")
    for dt, zp in [("int8", 0), ("int8", 3), ("int8", -17), ("uint8", 128), ("uint8", 0), ("uint8", 255)]:
        qmin, qmax = QRANGE[dt]
        for s in [0.1, 0.0235, 1.0 / 3.0, 0.00214854861, 7.0]:
            x = random_inputs(rng, s, zp, qmin, qmax, 3000)
            if s in (0.1,):
                x = np.concatenate([x, special_inputs(s)])
            q = onnx_quantize(x, F32(s), zp, qmin, qmax)
            if _shim is not None:
                r = _shim.quantize_linear(x, F32(s), np.asarray(zp, np.int8 if dt == "int8" else np.uint8))
                assert (r.astype(np.int64) == q).all()
            disc = (q != torch_quantize(x, s, zp, qmin, qmax)) | (q != exact_quantize(x, s, zp, qmin, qmax))
            idx = np.union1d(pick(rng, disc[:3000], 10, 14), np.arange(3000, len(x)))
            for xi, qi in zip(x[idx], q[idx]):
                emit("onnx", "QuantizeLinear", dt, fhex(s), zp, fhex(xi), str(qi))
    section("onnx QuantizeLinear per-axis (x shape [2,3,L], axis=1); scale/zp columns = that channel's values")
    for dt in ["int8", "uint8"]:
        qmin, qmax = QRANGE[dt]
        scales = np.array([0.1, 0.0235, 1.0 / 3.0], F32)
        zps = np.array([0, 5, -9] if dt == "int8" else [128, 0, 77], np.int64)
        x = np.stack([np.stack([random_inputs(rng, scales[c], zps[c], qmin, qmax, 500) for c in range(3)]) for _ in range(2)])
        q = onnx_quantize(x, scales[None, :, None], zps[None, :, None], qmin, qmax)
        if _shim is not None:
            r = _shim.quantize_linear(x, scales, zps.astype(np.int8 if dt == "int8" else np.uint8), axis=1)
            assert (r.astype(np.int64) == q).all()
        sb = scales[None, :, None]; zb = zps[None, :, None]
        disc = (q != torch_quantize(x, sb, zb, qmin, qmax)) | (q != exact_quantize(x, sb, zb, qmin, qmax))
        for flat in pick(rng, disc, 16, 32):
            idx = np.unravel_index(flat, x.shape)
            c = idx[1]
            emit("onnx", "QuantizeLinear_axis1", dt, fhex(scales[c]), zps[c], fhex(x[idx]), str(q[idx]))
    section("onnx DequantizeLinear per-tensor (x column = integer code)")
    for dt, zp in [("int8", 0), ("int8", -7), ("uint8", 128)]:
        qmin, qmax = QRANGE[dt]
        for s in [0.1, 0.0235, 1.0 / 3.0, 0.00214854861]:
            codes = rng.integers(qmin, qmax + 1, 24)
            d = onnx_dequantize(codes, F32(s), zp)
            if _shim is not None:
                npdt = np.int8 if dt == "int8" else np.uint8
                r = _shim.dequantize_linear(codes.astype(npdt), F32(s), npdt(zp))
                assert (r.view(np.int32) == d.view(np.int32)).all()
            for c, v in zip(codes, d):
                emit("onnx", "DequantizeLinear", dt, fhex(s), zp, str(int(c)), fhex(v))

    # ---------------- differing examples ----------------
    section("DIFFERING EXAMPLES: same (dtype, scale, zp, x) under exact / onnx / pytorch (framework 'exact' = round-half-even of exact x/scale)")
    for ex in find_differing_examples(rng, per_kind=6):
        dt, s, zp, x = ex["dtype"], ex["scale"], ex["zp"], ex["x"]
        qmin, qmax = QRANGE[dt]
        xa = np.array([x], F32)
        qt = t_quantize_per_tensor(xa, float(s), zp, dt)[0]
        with np.errstate(all="ignore"):
            ex_s = repr(float(Fraction(float(x)) / Fraction(float(s)))) if np.isfinite(x) else "n/a"
            lines.append("# %s : x/s exact=%s  fl32(x/s)=%s  fl32(x*fl32(1/s))=%s" % (
                ex["kind"], ex_s, repr(float(F32(x) / F32(s))), repr(float(F32(x) * (F32(1) / F32(s))))))
        emit("exact", "quantize", dt, fhex(s), zp, fhex(x), str(exact_quantize(xa, s, zp, qmin, qmax)[0]))
        emit("onnx", "QuantizeLinear", dt, fhex(s), zp, fhex(x), str(onnx_quantize(xa, F32(s), zp, qmin, qmax)[0]))
        emit("pytorch", "quantize_per_tensor", dt, fhex(s), zp, fhex(x), str(qt))

    header = [
        "# quantx interop reference vectors (generated by gen_vectors.py, seed=%d)" % seed,
        "# torch %s, CPU capability: %s; numpy %s; onnx reference source: %s" % (
            torch.__version__, cap, np.__version__, "onnx HEAD f7546912 (exec'd via onnx_ref_shim, cross-checked)" if _shim else "not cross-checked (onnx_ref_src missing)"),
        "# columns: framework op dtype scale zero_point x expected",
        "#   float32 values are C99 hex-floats (strtof-parsable; 'inf', '-inf', 'nan')" if not USE_BITS else "#   float32 values are raw IEEE bit patterns 0xXXXXXXXX",
        "#   scale: float32; 'd:<hex>' = float64 scale (pytorch per-channel dequantize only)",
        "#   zero_point: decimal integer (float32 for *_fzp ops)",
        "#   x: float32 input for quantize/fake-quantize ops; decimal integer code for dequantize ops",
        "#   expected: integer code for quantize ops; float32 value for dequantize/fake-quantize ops",
        "#   dtype: int8|uint8|int32; for fake_quantize: q<quant_min>:<quant_max>",
        "#   pytorch *per_channel* lines: one element of a multi-channel tensor, with its channel's scale/zp",
        "#   pytorch expectations come from calling torch itself; onnx from the reference arithmetic in numpy float32",
    ]
    with open(path, "w") as f:
        f.write("\n".join(header + lines) + "\n")
    return counts, len(lines)


def find_differing_examples(rng, per_kind=5):
    """Search near-tie inputs for (x, scale, zp) where exact / onnx / pytorch disagree.
    For 8-bit codes the three results can only take two adjacent values, so the
    interesting classes are: only-onnx-differs, only-pytorch-differs, only-exact-differs."""
    out = [dict(kind="FBGEMM source-comment example: fl32(x*fl32(1/s)) == 127.5 exactly, fl32(x/s) == 127.49999",
                dtype="uint8", scale=F32(0.00214854861), zp=0, x=F32(0.273939937))]
    classes = {"onnx differs (exact==pytorch!=onnx)": lambda e, o, t: (e == t) & (o != e),
               "pytorch differs (exact==onnx!=pytorch)": lambda e, o, t: (e == o) & (t != e),
               "exact differs (onnx==pytorch!=exact)": lambda e, o, t: (o == t) & (e != o)}
    found = {k: 0 for k in classes}
    scales = [0.1, 0.0235, 1.0 / 3.0, 0.00214854861, 0.3, 0.0033]
    cfgs = [("int8", 0), ("uint8", 128), ("int8", -5), ("uint8", 3)]
    for it in range(2000):
        s = F32(scales[it % len(scales)])
        dt, zp = cfgs[(it // len(scales)) % len(cfgs)]
        qmin, qmax = QRANGE[dt]
        x = near_ties(rng, s, 2000, qmin - zp, qmax - zp - 1, ulps=2)
        e = exact_quantize(x, s, zp, qmin, qmax)
        o = onnx_quantize(x, s, zp, qmin, qmax)
        t = torch_quantize(x, s, zp, qmin, qmax)
        for k, f in classes.items():
            if found[k] >= per_kind:
                continue
            idx = np.nonzero(f(e, o, t))[0]
            if len(idx):
                i = idx[0]
                out.append(dict(kind="%s [exact=%d onnx=%d pytorch=%d]" % (k, e[i], o[i], t[i]), dtype=dt, scale=s, zp=zp, x=x[i]))
                found[k] += 1
        if all(v >= per_kind for v in found.values()):
            break
    # non-finite / overflow inputs (x86 float->int conversion artefacts)
    for zp in [3, -5]:
        for x in [np.inf, -np.inf, np.nan, 1e30, 3e9 * 0.1]:
            out.append(dict(kind="non-finite/overflow input (exact line = saturating semantics, NaN->qmin)", dtype="int8",
                            scale=F32(0.1), zp=zp, x=F32(x)))
    return out


# ============================================================================
# --check mode
# ============================================================================
_SMALL = [1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257]
CHUNK_SIZES = _SMALL * 30 + [1000, 4097, 65537]   # ~40% of samples in tensors of <= 257 elements


def _chunks(total, rng):
    sizes = []
    i = 0
    while sum(sizes) < total:
        sizes.append(CHUNK_SIZES[i % len(CHUNK_SIZES)])
        i += 1
    return sizes


def _rand_scale(rng):
    if rng.random() < 0.5:
        return float(NAMED_SCALES[rng.integers(len(NAMED_SCALES))])
    return float(F32(10.0 ** rng.uniform(-4, 1)))


class Tally:
    def __init__(self):
        self.rows = {}

    def add(self, op, cand, agree, n):
        r = self.rows.setdefault((op, cand), [0, 0])
        r[0] += int(agree); r[1] += int(n)

    def show(self):
        print("%-52s %-46s %12s %10s" % ("op", "candidate", "agree", "of"))
        for (op, cand), (a, n) in self.rows.items():
            flag = "  <== ALL" if a == n else ""
            print("%-52s %-46s %12d %10d%s" % (op, cand, a, n, flag))


def _eq(a, b):
    a = np.asarray(a); b = np.asarray(b)
    if a.dtype.kind == "f":
        return (a.astype(F32).view(np.int32) == b.astype(F32).view(np.int32)).sum()
    return (a == b).sum()


def run_check(n_total, seed, expr=None, nonfinite=True):
    rng = np.random.default_rng(seed)
    cap = cpu_capability()
    fma_now = cap not in ("NO AVX", "DEFAULT", "?")
    print("torch", _torch().__version__, "| CPU capability:", cap, "| n per op ~", n_total)
    T = Tally()
    user = None
    if expr:
        env = dict(np=np, f32=lambda a: np.asarray(a, F32), rint=np.rint, fmaf=fmaf, F32=F32, F64=F64)
        user = lambda x, s, zp: eval(expr, env, dict(x=x, s=F32(s), inv=F32(1) / F32(s), zp=zp))

    def specials_mix(x, s):
        if nonfinite and rng.random() < 0.05:
            sp = special_inputs(s)
            k = min(len(sp), len(x))
            x = x.copy(); x[:k] = sp[:k]
        return x

    # -- quantize_per_tensor
    for dt, zrange in [("int8", (-128, 127)), ("uint8", (0, 255)), ("int32", (-1000, 1000))]:
        qmin, qmax = QRANGE[dt]
        op = "quantize_per_tensor[%s]" % dt
        for n in _chunks(n_total, rng):
            s = _rand_scale(rng)
            zp = int(rng.integers(zrange[0], zrange[1] + 1))
            lo, hi = (qmin, qmax) if dt != "int32" else (-5000, 5000)
            x = specials_mix(random_inputs(rng, s, zp, lo, hi, n), s)
            q = t_quantize_per_tensor(x, s, zp, dt)
            T.add(op, "torch1.13: rint(x*fl32(1/s))+zp, x86 cvt", _eq(q, torch_quantize(x, s, zp, qmin, qmax)), n)
            T.add(op, "same, saturating cvt", _eq(q, torch_quantize_saturating(x, s, zp, qmin, qmax)), n)
            bucket = "n<=7" if n <= 7 else "8<=n<=16" if n <= 16 else "17<=n<=64" if n <= 64 else "65<=n<=256" if n <= 256 else "257<=n<=4097" if n <= 4097 else "n=65537"
            T.add(op + " tensor size " + bucket, "torch1.13 formula", _eq(q, torch_quantize(x, s, zp, qmin, qmax)), n)
            fin = np.isfinite(x)
            T.add(op + " finite-only", "onnx: rint(fl32(x/s))+zp", _eq(q[fin], onnx_quantize(x, F32(s), zp, qmin, qmax)[fin]), fin.sum())
            T.add(op + " finite-only", "exact: rne(x/s exact)+zp", _eq(q[fin], exact_quantize(x, s, zp, qmin, qmax)[fin]), fin.sum())
            inv = F32(1) / F32(s)
            with np.errstate(all="ignore"):
                leg = np.clip(np.nan_to_num(np.rint(fmaf(x, inv, F32(zp))).astype(F64), nan=-1e300), qmin, qmax)
                add_before = np.clip(np.nan_to_num(np.rint(x * inv + F32(zp)).astype(F64), nan=-1e300), qmin, qmax)
            T.add(op + " finite-only", "fbgemm LEGACY: rint(fmaf(x,inv,zp))", _eq(q[fin], leg[fin]), fin.sum())
            T.add(op + " finite-only", "rint(fl32(fl32(x*inv)+zp))", _eq(q[fin], add_before[fin]), fin.sum())
            with np.errstate(all="ignore"):
                inv_d = np.clip(np.nan_to_num(np.rint(x * F32(1.0 / s)).astype(F64), nan=-1e300) + zp, qmin, qmax)
            T.add(op + " finite-only", "rint(x*fl32(1.0/s_double))+zp", _eq(q[fin], inv_d[fin]), fin.sum())
            if user is not None:
                with np.errstate(all="ignore"):
                    u = np.clip(np.nan_to_num(np.asarray(user(x, s, zp), F64), nan=-1e300), qmin, qmax)
                T.add(op + " finite-only", "USER: " + expr, _eq(q[fin], u[fin]), fin.sum())

    # -- qint32 with |x/s| >= 2^24: is the zero point added in float32 (torch) or in integer?
    for n in _chunks(n_total // 4, rng):
        s = _rand_scale(rng); zp = int(rng.integers(-100000, 100001))
        x = (rng.uniform(2**24, 2**31.2, n) * rng.choice([-1, 1], n) * F64(F32(s))).astype(F32)
        q = t_quantize_per_tensor(x, s, zp, "int32")
        qmin, qmax = QRANGE["int32"]
        T.add("quantize_per_tensor[int32] |x/s|>=2^24", "torch1.13 (zp added in float32)", _eq(q, torch_quantize(x, s, zp, qmin, qmax)), n)
        with np.errstate(all="ignore"):
            qi = np.clip(np.rint(x * (F32(1) / F32(s))).astype(np.int64) + zp, qmin, qmax)
        T.add("quantize_per_tensor[int32] |x/s|>=2^24", "zp added in int64", _eq(q, qi), n)

    # -- quantize_per_channel (int zp), axis 0 and 1
    for dt in ["int8", "uint8", "int32"]:
        qmin, qmax = QRANGE[dt]
        done = 0
        while done < n_total // 2:
            C = int(rng.integers(1, 9)); L = int(rng.integers(1, 300)); axis = int(rng.integers(0, 2))
            sc = np.array([_rand_scale(rng) for _ in range(C)], F64)
            if rng.random() < 0.5:
                sc = sc.astype(F32).astype(F64)
            zr = (-128, 127) if dt == "int8" else ((0, 255) if dt == "uint8" else (-1000, 1000))
            zps = rng.integers(zr[0], zr[1] + 1, C)
            lo, hi = (qmin, qmax) if dt != "int32" else (-5000, 5000)
            x = np.stack([random_inputs(rng, sc[c], int(zps[c]), lo, hi, L) for c in range(C)])
            if axis == 1:
                x = np.ascontiguousarray(x.T)
            q = t_quantize_per_channel(x, sc, zps, axis, dt)
            sb = sc[:, None] if axis == 0 else sc[None, :]
            zb = zps[:, None] if axis == 0 else zps[None, :]
            T.add("quantize_per_channel[%s]" % dt, "torch1.13: rint(x*fl32(1/fl32(s_c)))+zp_c", _eq(q, torch_quantize(x, sb, zb, qmin, qmax)), x.size)
            T.add("quantize_per_channel[%s]" % dt, "onnx-style division", _eq(q, onnx_quantize(x, np.asarray(sb).astype(F32), zb, qmin, qmax)), x.size)
            done += x.size

    # -- quantize_per_channel with FLOAT zero points (float-qparams path)
    done = 0
    while done < n_total // 4:
        C = int(rng.integers(1, 6)); L = int(rng.integers(1, 200))
        sc = np.array([_rand_scale(rng) for _ in range(C)], F32)
        zf = (rng.integers(0, 255, C) + rng.choice([0.0, 0.5, 0.3], C)).astype(F32)
        x = np.stack([near_ties(rng, sc[c], L, -int(zf[c]) - 3, 258 - int(zf[c])) for c in range(C)])
        q = t_quantize_per_channel_fzp(x, sc, zf, 0, "uint8")
        T.add("quantize_per_channel_floatzp[uint8]", "lrintf(fl32(fl32(x*inv)+zp))", _eq(q, torch_quantize_float_qparams(x, sc[:, None], zf[:, None], 0, 255, fma=False)), x.size)
        T.add("quantize_per_channel_floatzp[uint8]", "lrintf(fmaf(x,inv,zp))", _eq(q, torch_quantize_float_qparams(x, sc[:, None], zf[:, None], 0, 255, fma=True)), x.size)
        done += x.size

    # -- dequantize per-tensor
    for dt in ["int8", "uint8", "int32"]:
        qmin, qmax = QRANGE[dt]
        op = "dequantize_per_tensor[%s]" % dt
        for n in _chunks(n_total // 2, rng):
            s = _rand_scale(rng) if rng.random() < 0.7 else float(rng.uniform(1e-4, 1.0))  # often not float32-valued
            if dt == "int32":
                zp = int(rng.integers(-1000, 1001))
                codes = rng.integers(-2**31 + 1001, 2**31 - 1001, n)
            else:
                zp = int(rng.integers(qmin, qmax + 1))
                codes = rng.integers(qmin, qmax + 1, n)
            d = t_dequantize_per_tensor(codes, s, zp, dt)
            sf = F32(s)
            T.add(op, "fl32(s)*fl32(int32(q-zp))", _eq(d, torch_dequantize_per_tensor(codes, s, zp)), n)
            T.add(op, "fl32((fl32(q)-fl32(zp))*fl32(s))", _eq(d, ((codes.astype(F32) - F32(zp)) * sf)), n)
            T.add(op, "fl32(fl32(q-zp)*s_double)", _eq(d, ((codes - zp).astype(F32).astype(F64) * s).astype(F32)), n)
            T.add(op, "fmaf(q, s, fl32(-zp*s)) (Vectorized::dequantize)", _eq(d, fmaf(codes.astype(F32), sf, F32(-zp) * sf)), n)

    # -- dequantize per-channel
    for dt in ["int8", "uint8", "int32"]:
        qmin, qmax = QRANGE[dt]
        done = 0
        while done < n_total // 4:
            C = int(rng.integers(1, 9)); L = int(rng.integers(1, 300))
            sc = np.array([_rand_scale(rng) if rng.random() < 0.5 else rng.uniform(1e-4, 1) for _ in range(C)], F64)
            if dt == "int32":
                zps = rng.integers(-1000, 1001, C); codes = rng.integers(-2**31 + 1001, 2**31 - 1001, (C, L))
            else:
                zps = rng.integers(qmin, qmax + 1, C); codes = rng.integers(qmin, qmax + 1, (C, L))
            d = t_dequantize_per_channel(codes, sc, zps, 0, dt)
            T.add("dequantize_per_channel[%s]" % dt, "fl32(double(fl32(q)-fl32(zp))*s_double)", _eq(d, torch_dequantize_per_channel(codes, sc[:, None], zps[:, None])), codes.size)
            T.add("dequantize_per_channel[%s]" % dt, "fl32(s)*fl32(q-zp) (float32 scale)", _eq(d, torch_dequantize_per_tensor(codes, sc[:, None], zps[:, None])), codes.size)
            done += codes.size

    # -- fake quantize per tensor (+ tensor-qparams overload)
    for (qmin, qmax) in [(-128, 127), (0, 255), (0, 15)]:
        op = "fake_quantize_per_tensor[q%d:%d]" % (qmin, qmax)
        for n in _chunks(n_total // 2, rng):
            s = _rand_scale(rng); zp = int(rng.integers(qmin, qmax + 1))
            x = specials_mix(random_inputs(rng, s, zp, qmin, qmax, n), s)
            o = t_fake_quantize_per_tensor(x, s, zp, qmin, qmax)
            T.add(op, "torch1.13 (float add zp, x86 cvt, dbl out)", _eq(o, torch_fake_quantize(x, s, zp, qmin, qmax)), n)
            fin = np.isfinite(x)
            q_div = onnx_quantize(x, F32(s), zp, qmin, qmax)
            o_div = ((q_div - zp).astype(F64) * F64(F32(s))).astype(F32)
            T.add(op + " finite-only", "division variant", _eq(o[fin], o_div[fin]), fin.sum())
            if rng.random() < 0.25:
                o2 = t_fake_quantize_per_tensor_tq(x, s, zp, qmin, qmax)
                T.add(op + " tensor_qparams", "torch1.13 formula", _eq(o2, torch_fake_quantize(x, s, zp, qmin, qmax)), n)

    # -- fake quantize per channel, int zp and float zp
    for (qmin, qmax) in [(-128, 127), (0, 255)]:
        done = 0
        while done < n_total // 2:
            C = int(rng.integers(1, 9)); L = int(rng.integers(1, 300))
            sc = np.array([_rand_scale(rng) for _ in range(C)], F32)
            zps = rng.integers(qmin, qmax + 1, C)
            x = np.stack([random_inputs(rng, sc[c], int(zps[c]), qmin, qmax, L) for c in range(C)])
            o = t_fake_quantize_per_channel(x, sc, zps, 0, qmin, qmax)
            T.add("fake_quantize_per_channel[q%d:%d] int zp" % (qmin, qmax), "torch1.13 formula", _eq(o, torch_fake_quantize(x, sc[:, None], zps[:, None], qmin, qmax)), x.size)
            zf = (zps + rng.choice([0.0, 0.0, 0.5, 0.25], C)).astype(F32)
            x2 = np.stack([near_ties(rng, sc[c], L, qmin - int(zf[c]) - 2, qmax - int(zf[c]) + 2) for c in range(C)])
            o2 = t_fake_quantize_per_channel(x2, sc, zf, 0, qmin, qmax, float_zp=True)
            T.add("fake_quantize_per_channel[q%d:%d] float zp" % (qmin, qmax), "lrint(fmaf(x,inv,zp)) [FMA]", _eq(o2, torch_fake_quantize_fzp(x2, sc[:, None], zf[:, None], qmin, qmax, True)), x2.size)
            T.add("fake_quantize_per_channel[q%d:%d] float zp" % (qmin, qmax), "lrint(fl32(zp+fl32(x*inv))) [NOFMA]", _eq(o2, torch_fake_quantize_fzp(x2, sc[:, None], zf[:, None], qmin, qmax, False)), x2.size)
            done += x.size

    # -- ONNX: numpy emulation vs the real reference source, ORT, exact
    if _shim is not None:
        for dt in ["int8", "uint8"]:
            qmin, qmax = QRANGE[dt]
            npdt = np.int8 if dt == "int8" else np.uint8
            for n in _chunks(n_total // 2, rng):
                s = F32(_rand_scale(rng)); zp = int(rng.integers(qmin, qmax + 1))
                x = specials_mix(random_inputs(rng, s, zp, qmin, qmax, n), s)
                r = _shim.quantize_linear(x, s, npdt(zp)).astype(np.int64)
                r19 = _shim.quantize_linear_19(x, s, npdt(zp)).astype(np.int64)
                T.add("onnx-ref QuantizeLinear[%s]" % dt, "onnx_quantize emulation (incl. x86 cast quirk)", _eq(r, onnx_quantize(x, s, zp, qmin, qmax)), n)
                T.add("onnx-ref QuantizeLinear_19[%s]" % dt, "onnx_quantize emulation", _eq(r19, onnx_quantize(x, s, zp, qmin, qmax)), n)
                fin = np.isfinite(x) & (np.abs(x.astype(F64) / F64(s)) < 2.0**31)
                T.add("onnx-ref QuantizeLinear[%s] finite |x/s|<2^31" % dt, "ORT MLAS emulation", _eq(r[fin], ort_mlas_quantize(x, s, zp, qmin, qmax)[fin]), fin.sum())
                T.add("onnx-ref QuantizeLinear[%s] finite |x/s|<2^31" % dt, "spec (saturating) emulation", _eq(r[fin], onnx_quantize_spec(x, s, zp, qmin, qmax)[fin]), fin.sum())
                T.add("onnx-ref QuantizeLinear[%s] finite |x/s|<2^31" % dt, "exact", _eq(r[fin], exact_quantize(x, s, zp, qmin, qmax)[fin]), fin.sum())
                T.add("onnx-ref QuantizeLinear[%s] finite |x/s|<2^31" % dt, "onnx 1.13/1.14 ref (zp in float, floor(x+.5))", _eq(r[fin], onnx_quantize_v113(x, s, zp, qmin, qmax)[fin]), fin.sum())
                T.add("onnx-ref QuantizeLinear[%s] finite |x/s|<2^31" % dt, "torch1.13 formula", _eq(r[fin], torch_quantize(x, s, zp, qmin, qmax)[fin]), fin.sum())
                codes = rng.integers(qmin, qmax + 1, n)
                rd = _shim.dequantize_linear(codes.astype(npdt), s, npdt(zp))
                T.add("onnx-ref DequantizeLinear[%s]" % dt, "fl32(fl32(q-zp)*s)", _eq(rd, onnx_dequantize(codes, s, zp)), n)
                T.add("onnx-ref DequantizeLinear[%s]" % dt, "fmaf(q,s,fl32(-zp*s))", _eq(rd, fmaf(codes.astype(F32), s, F32(-zp) * s)), n)
            # per-axis
            x = np.stack([random_inputs(rng, 0.05, 0, qmin, qmax, 4000) for _ in range(3)])[None]
            sc = np.array([0.1, 0.0235, 1 / 3], F32); zps = np.array([0, 5, 9])
            r = _shim.quantize_linear(x, sc, zps.astype(npdt), axis=1).astype(np.int64)
            T.add("onnx-ref QuantizeLinear axis=1 [%s]" % dt, "onnx_quantize emulation", _eq(r, onnx_quantize(x, sc[None, :, None], zps[None, :, None], qmin, qmax)), x.size)
    else:
        print("(onnx_ref_src/ not found: skipping ONNX reference cross-check)")
    T.show()


# ============================================================================
_shim = None


def main():
    global USE_BITS, _shim
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors.txt"))
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--bits", action="store_true", help="write float32 values as raw bit patterns instead of hex-floats")
    ap.add_argument("--check", type=int, nargs="?", const=1000000, default=None, metavar="N",
                    help="instead of writing vectors, compare torch against candidate formulas on ~N inputs per op (default 1e6)")
    ap.add_argument("--expr", default=None,
                    help="extra candidate for quantize_per_tensor in --check mode: a numpy float32 expression "
                         "of x, s, inv(=fl32(1/s)), zp giving the pre-clamp value, e.g. 'rint(x/s)+zp' or 'rint(fmaf(x,inv,F32(zp)))'")
    ap.add_argument("--finite-only", action="store_true", help="--check: do not inject inf/nan/huge inputs")
    args = ap.parse_args()
    USE_BITS = args.bits
    try:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import onnx_ref_shim
        _shim = onnx_ref_shim if onnx_ref_shim.available else None
    except Exception as e:  # pragma: no cover
        print("onnx_ref_shim unavailable:", e, file=sys.stderr)
        _shim = None
    if args.check is not None:
        run_check(args.check, args.seed, args.expr, nonfinite=not args.finite_only)
        return
    counts, nlines = gen_vectors(args.out, args.seed)
    print("wrote", args.out, nlines, "lines")
    for k, v in sorted(counts.items()):
        print("  %-10s %-45s %5d" % (k[0], k[1], v))


if __name__ == "__main__":
    main()
