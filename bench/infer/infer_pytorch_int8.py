#!/usr/bin/python3
# The PyTorch peer of bench/infer/bench-int8.sh: PyTorch's own int8 model
# (torch.ao eager-mode post-training quantization: conv/linear fused with
# batch norm and ReLU, per-channel weights, calibrated on random batches) of
# the Fashion-MNIST MLP (examples/mlp-fashion.mlir) and BN CNN
# (examples/cnn-bn-fashion.mlir), and its fp32 eager model, on one batch,
# one thread, no autograd. Prints the median milliseconds of RUNS calls
# after WARMUP untimed ones, for the int8 and the fp32 model, and the
# quantized engine used.
#
#   infer_pytorch_int8.py mlp|cnn BATCH RUNS WARMUP [ENGINE]
import sys
import time

import torch
import torch.ao.quantization as tq


def build(kind):
    nn = torch.nn
    if kind == "mlp":
        body = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
        fuse = [["0", "1"]]
        shape = (784,)
    else:
        body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(1568, 128), nn.BatchNorm1d(128), nn.ReLU(),
            nn.Linear(128, 10),
        )
        fuse = [["0", "1", "2"], ["4", "5", "6"], ["9", "10", "11"]]
        shape = (1, 28, 28)
    return body, fuse, shape


class Quantized(torch.nn.Module):
    def __init__(self, body):
        super().__init__()
        self.quant = tq.QuantStub()
        self.body = body
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        return self.dequant(self.body(self.quant(x)))


def median_ms(model, x, runs, warmup):
    times = []
    with torch.no_grad():
        for i in range(warmup + runs):
            start = time.perf_counter()
            model(x)
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1000.0)
    times.sort()
    return times[len(times) // 2]


def main():
    kind = sys.argv[1]
    batch, runs, warmup = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    engine = sys.argv[5] if len(sys.argv) > 5 else "onednn"
    torch.set_num_threads(1)
    torch.manual_seed(1)
    body, fuse, shape = build(kind)
    body.eval()
    x = torch.rand(batch, *shape)
    fp32_ms = median_ms(body, x, runs, warmup)

    torch.backends.quantized.engine = engine
    model = Quantized(body).eval()
    # BatchNorm1d after Linear does not fuse in eager mode: fold it by hand.
    if kind == "cnn":
        with torch.no_grad():
            linear, norm = body[9], body[10]
            scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
            linear.weight.mul_(scale[:, None])
            linear.bias.copy_((linear.bias - norm.running_mean) * scale + norm.bias)
            body[10] = torch.nn.Identity()
        fuse = [["0", "1", "2"], ["4", "5", "6"], ["9", "11"]]
    model.body = tq.fuse_modules(body, fuse)
    model.qconfig = tq.get_default_qconfig(engine)
    prepared = tq.prepare(model)
    with torch.no_grad():
        for _ in range(8):
            prepared(torch.rand(64, *shape))
    quantized = tq.convert(prepared)
    int8_ms = median_ms(quantized, x, runs, warmup)
    print(f"pytorch-engine: {engine}")
    print(f"pytorch-int8-median-ms: {int8_ms:.4f}")
    print(f"pytorch-fp32-median-ms: {fp32_ms:.4f}")


if __name__ == "__main__":
    main()
