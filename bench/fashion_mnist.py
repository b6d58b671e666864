"""Fashion-MNIST as the PyTorch peers of the benchmarks read it: the idx
files of Debian's dataset-fashion-mnist package, or of $QUANTX_DATA_DIR
(where quantx-runner looks first), as uint8 arrays."""
import gzip
import os
import struct

import numpy as np

DATA = "/usr/share/datasets/fashion-mnist"


def data_dir():
    """Where quantx-runner looks first: $QUANTX_DATA_DIR, then Debian's."""
    env = os.environ.get("QUANTX_DATA_DIR")
    if env and os.path.exists(f"{env}/fashion-mnist/train-labels-idx1-ubyte.gz"):
        return f"{env}/fashion-mnist"
    return DATA


def idx(name):
    """An idx file: images as [count, rows * cols], labels as [count]."""
    with gzip.open(f"{data_dir()}/{name}", "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(count, rows * cols)
    return np.frombuffer(data, np.uint8, offset=8)
