#!/usr/bin/python3
# The PyTorch peer of bench/infer/bench-infer.sh: eager inference of the same
# Fashion-MNIST models as examples/mlp-fashion.mlir and
# examples/cnn-fashion.mlir (see bench/train/train_pytorch.py) on one batch,
# one thread, no autograd. Prints the median milliseconds of RUNS calls
# after WARMUP untimed ones.
#
#   infer_pytorch.py mlp|cnn BATCH RUNS WARMUP
import sys
import time

import torch


def main():
    kind = sys.argv[1]
    batch, runs, warmup = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(1)
    torch.manual_seed(1)
    nn = torch.nn
    if kind == "mlp":
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
        x = torch.rand(batch, 784)
    else:
        model = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(1568, 128), nn.ReLU(), nn.Linear(128, 10),
        )
        x = torch.rand(batch, 1, 28, 28)
    model.eval()
    times = []
    with torch.no_grad():
        for i in range(warmup + runs):
            start = time.perf_counter()
            model(x)
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1000.0)
    times.sort()
    print(f"pytorch-median-ms: {times[len(times) // 2]:.4f}")


if __name__ == "__main__":
    main()
