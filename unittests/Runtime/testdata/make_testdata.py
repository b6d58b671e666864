#!/usr/bin/env python3
"""Writes the .npy fixtures of NpyTest.cpp with NumPy itself, the independent
reference for the format. Run by hand (needs numpy); the outputs are
committed, so tests do not need NumPy."""
import numpy as np
from numpy.lib import format as npformat

values = np.array([[0.5, -1.25, 3.0], [1e-3, -0.0, 65504.0]])
np.save("f32_2x3.npy", values.astype("<f4"))
np.save("f64_2x3.npy", values.astype("<f8"))
np.save("f16_2x3.npy", values.astype("<f2"))
np.save("i8_4.npy", np.array([-128, -1, 0, 127], dtype="i1"))
np.save("i16_4.npy", np.array([-32768, -1, 0, 32767], dtype="<i2"))
np.save("i32_4.npy", np.array([-2**31, -1, 0, 2**31 - 1], dtype="<i4"))
np.save("i64_4.npy", np.array([-2**63, -1, 0, 2**63 - 1], dtype="<i8"))
np.save("u8_4.npy", np.array([0, 1, 128, 255], dtype="u1"))
np.save("bool_4.npy", np.array([True, False, False, True]))
np.save("f32_scalar.npy", np.float32(2.5))
np.save("f32_empty_0x3.npy", np.zeros((0, 3), dtype="<f4"))
with open("f32_v2.npy", "wb") as f:
    npformat.write_array(f, np.arange(6, dtype="<f4").reshape(3, 2),
                         version=(2, 0))
np.save("f32_fortran.npy", np.asfortranarray(values.astype("<f4")))
np.save("f32_bigendian.npy", values.astype(">f4"))
np.save("c64_2.npy", np.array([1 + 2j, 3 - 4j], dtype="<c8"))
