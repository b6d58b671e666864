"""Runs every case of pixel_models.py folded with and without pack-pixels
(and the packed one through the scalar loops) on random inputs with zeros
and -0, and checks that all three give the same bits.

Usage: pixel_check.py RUNNER PREFIX (reads PREFIX.cases, PREFIX.on.mlir,
PREFIX.off.mlir)
"""
import subprocess
import sys

import numpy as np

runner, prefix = sys.argv[1], sys.argv[2]
ok = True
for line in open(prefix + ".cases"):
    name, h, c = line.split()
    h, c = int(h), int(c)
    rng = np.random.default_rng(h * 100 + c)
    x = rng.standard_normal((5, h, h, c)).astype(np.float32)
    x[rng.random(x.shape) < 0.1] = 0.0
    x[rng.random(x.shape) < 0.05] = -0.0
    np.save(f"{prefix}.{name}.x.npy", x)
    outputs = []
    for model, extra in (("on", []), ("off", []), ("on", ["--vectorize=false"])):
        out = f"{prefix}.{name}.{model}{len(extra)}.npy"
        subprocess.run([runner, "run", f"{prefix}.{model}.mlir", "-e", name,
                        "--input", f"{prefix}.{name}.x.npy", "--output", out]
                       + extra, check=True, stdout=subprocess.DEVNULL)
        outputs.append(np.load(out))
    same = all(np.array_equal(outputs[0].view(np.uint32), o.view(np.uint32))
               for o in outputs[1:])
    print(name, "C", c, outputs[0].shape, "same bits:", same)
    ok &= same
sys.exit(0 if ok else 1)
