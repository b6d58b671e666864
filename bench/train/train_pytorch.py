#!/usr/bin/python3
# The PyTorch peer of bench/train/bench-train.sh: the same Fashion-MNIST
# models as examples/mlp-fashion.mlir (784 -> 256 ReLU -> 10) and
# examples/cnn-fashion.mlir (3x3 conv 16, ReLU, 2x2 max pool, 3x3 conv 32,
# ReLU, 2x2 max pool, 1568 -> 128 ReLU -> 10; zero padding 1), He-normal
# weights, zero biases, softmax cross-entropy, SGD with momentum, shuffled
# batches with the last partial batch dropped, on one thread. Prints one line
# per epoch with the training seconds, then the mean.
#
#   train_pytorch.py mlp|cnn EPOCHS BATCH LR
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fashion_mnist import idx  # noqa: E402


def main():
    kind = sys.argv[1]
    epochs, batch, lr = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    torch.set_num_threads(1)
    torch.manual_seed(1)
    x = torch.from_numpy(idx("train-images-idx3-ubyte.gz").astype(np.float32) / 255.0)
    y = torch.from_numpy(idx("train-labels-idx1-ubyte.gz").astype(np.int64))
    tx = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz").astype(np.float32) / 255.0)
    ty = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))
    nn = torch.nn
    if kind == "mlp":
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    else:
        x = x.reshape(-1, 1, 28, 28)
        tx = tx.reshape(-1, 1, 28, 28)
        model = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(1568, 128), nn.ReLU(), nn.Linear(128, 10),
        )
    for layer in model:
        if isinstance(layer, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for epoch in range(1, epochs + 1):
        order = torch.randperm(x.shape[0])
        start = time.perf_counter()
        total = 0.0
        batches = x.shape[0] // batch
        for b in range(batches):
            index = order[b * batch:(b + 1) * batch]
            optimizer.zero_grad()
            loss = loss_fn(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
            total += loss.item()
        seconds = time.perf_counter() - start
        times.append(seconds)
        with torch.no_grad():
            accuracy = (model(tx).argmax(1) == ty).float().mean().item()
        print(f"pytorch epoch {epoch}/{epochs}: train-loss {total / batches:.4f} "
              f"test-accuracy {accuracy:.4f} ({seconds:.2f} s training)")
    print(f"pytorch-seconds-per-epoch: {sum(times) / len(times):.3f}")


if __name__ == "__main__":
    main()
