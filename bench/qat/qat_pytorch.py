#!/usr/bin/python3
"""The PyTorch peer of bench/qat/bench-qat.sh: quantization-aware training
of the same Fashion-MNIST batch-norm CNN as examples/cnn-bn-fashion.mlir, on
one thread, in eager mode.

The model: 3x3 conv 16 (zero padding 1, no bias) - BatchNorm2d - ReLU - 2x2
max pool, 3x3 conv 32 - BatchNorm2d - ReLU - pool, then 1568 -> 128 (no
bias) - BatchNorm1d - ReLU -> 10. Weights start from PyTorch's default
initialization (uniform in +-1/sqrt(fan_in), quantx's `fan_in_uniform`), the
last bias and the batch norms' offsets at 0, their scales at 1. Pixels are
scaled to [0, 1] (x / 255), as quantx's dataset loader does. Softmax
cross-entropy, SGD with momentum (PyTorch's rule, v = m v + g; p -= lr v,
the same as quantx's), the learning rate following a cosine from LR down to
0 over all the batches of a run and set at every batch (quantx's
`--lr-schedule cosine`), shuffled batches with the last partial one dropped.
Subnormals are flushed to zero, as quantx-runner does by default.

Three runs, each printing one line per epoch (training seconds exclude the
evaluation on the test set):

- fp32: the float model for EPOCHS_FP32 epochs;
- W8A8 and W4A4: QAT fine-tuning of the trained float model for EPOCHS_QAT
  epochs with torch.ao.quantization (fuse_modules_qat, prepare_qat): conv -
  batch norm - ReLU fused into ConvBnReLU2d, linear - batch norm into
  LinearBn1d, whose weight fake quantizers see the weights scaled by the
  batch norms (PyTorch's simulated folding). Weights: per-channel symmetric
  fake quantization (MovingAveragePerChannelMinMaxObserver, qint8) on the
  narrow grid -(2^(b-1)-1)..2^(b-1)-1, as quantx's `ste` weights;
  activations: per-tensor affine (MovingAverageMinMaxObserver, quint8,
  0..2^b-1). Each run starts with a new optimizer and schedule, as a new
  quantx-runner run does, and is evaluated in eval mode with the fake
  quantizers active and their observers frozen (no conversion to int8).

The quantizers sit where quantx-insert-fake-quant puts them: on the weights
of the four layers and on the input of each. Eager mode quantizes a module's
output, so a module's activation qconfig is that of the next layer's input:
the model input (QuantStub) 8-bit, conv 1's output (conv 2's input) and conv
2's output (the dense layer's input) at the inner bit width, the 1568 -> 128
layer's output unquantized (the quantizer follows its ReLU: a second
QuantStub, 8-bit, the last layer's input), the logits unquantized. The first
and last layers keep 8-bit weights (quantx's default first-last-bits=8).

What still differs from quantx:

- the weight quantizers: PyTorch's fused modules quantize the weights
  scaled per output channel by the batch norm's gamma / sqrt(running var +
  eps) and undo the scale after the contraction; quantx quantizes the
  weights themselves. A per-channel symmetric grid scales with its channel,
  so the two grids agree up to rounding, but PyTorch's range is a moving
  average (0.01 per step) of the scaled weights' min and max, quantx's the
  current max|w| of each channel;
- the order of the shuffled batches (each framework's own generator,
  both seeded with SEED) and of the flattened features (NCHW here, NHWC in
  quantx: a permutation of the 1568 -> 128 weights' rows);
- evaluation reads the weight ranges observed at the last training step
  (quantx's: those of the current weights).

Prints `pytorch-result RUN ACCURACY SECONDS_PER_EPOCH` for each run.

  qat_pytorch.py EPOCHS_FP32 EPOCHS_QAT BATCH LR MOMENTUM SEED [MAX_STEPS]

MAX_STEPS (0: none) stops each run after that many steps in all, the
learning-rate schedule staying that of its epochs (quantx-runner's
`--max-steps`).
"""
import copy
import math
import os
import sys
import time

import numpy as np
import torch
import torch.ao.quantization as tq
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fashion_mnist import idx  # noqa: E402


class Net(nn.Module):
    """examples/cnn-bn-fashion.mlir, with quantization stubs (identities
    until prepare_qat gives them a qconfig)."""

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(32)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.fc3 = nn.Linear(1568, 128, bias=False)
        self.bn3 = nn.BatchNorm1d(128)
        self.relu3 = nn.ReLU()
        self.quant4 = tq.QuantStub()
        self.fc4 = nn.Linear(128, 10)
        self.dequant = tq.DeQuantStub()
        nn.init.zeros_(self.fc4.bias)

    def forward(self, x):
        x = self.pool1(self.relu1(self.bn1(self.conv1(self.quant(x)))))
        x = self.pool2(self.relu2(self.bn2(self.conv2(x))))
        x = self.relu3(self.bn3(self.fc3(self.flatten(x))))
        return self.dequant(self.fc4(self.quant4(x)))


def weight_fq(bits):
    top = 2 ** (bits - 1) - 1
    return tq.FakeQuantize.with_args(
        observer=tq.MovingAveragePerChannelMinMaxObserver, quant_min=-top,
        quant_max=top, dtype=torch.qint8, qscheme=torch.per_channel_symmetric,
        ch_axis=0)


def activation_fq(bits):
    return tq.FakeQuantize.with_args(
        observer=tq.MovingAverageMinMaxObserver, quant_min=0,
        quant_max=2 ** bits - 1, dtype=torch.quint8,
        qscheme=torch.per_tensor_affine)


def qat_model(trained, weight_bits, activation_bits):
    """The trained float model with fused modules and fake quantizers:
    inner layers at the given widths, the first and last at 8 bits."""
    model = copy.deepcopy(trained).train()
    tq.fuse_modules_qat(
        model, [["conv1", "bn1", "relu1"], ["conv2", "bn2", "relu2"],
                ["fc3", "bn3"]], inplace=True)

    def qconfig(weight_bits, output_bits):
        """Output bits None: the module's output is not quantized."""
        activation = activation_fq(output_bits) if output_bits else nn.Identity
        return tq.QConfig(weight=weight_fq(weight_bits), activation=activation)

    model.quant.qconfig = qconfig(8, 8)
    model.conv1.qconfig = qconfig(8, activation_bits)
    model.conv2.qconfig = qconfig(weight_bits, activation_bits)
    model.fc3.qconfig = qconfig(weight_bits, None)
    model.quant4.qconfig = qconfig(8, 8)
    model.fc4.qconfig = qconfig(8, None)
    return tq.prepare_qat(model)


def evaluate(model, tx, ty, batch):
    """Test accuracy in eval mode, observers frozen, in batches of the
    training batch size (on one thread, batches of 1000 evaluate several
    times slower)."""
    model.eval()
    model.apply(tq.disable_observer)
    correct = 0
    with torch.no_grad():
        for at in range(0, tx.shape[0], batch):
            correct += (model(tx[at:at + batch]).argmax(1) == ty[at:at + batch]).sum().item()
    model.apply(tq.enable_observer)
    model.train()
    return correct / tx.shape[0]


def train(name, model, data, epochs, batch, lr, momentum, seed, max_steps):
    x, y, tx, ty = data
    torch.manual_seed(seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    loss_fn = nn.CrossEntropyLoss()
    batches = x.shape[0] // batch
    total_steps = epochs * batches
    steps = 0
    times = []
    accuracy = 0.0
    model.train()
    for epoch in range(1, epochs + 1):
        order = torch.randperm(x.shape[0])
        start = time.perf_counter()
        total = 0.0
        done = 0
        for b in range(batches):
            if max_steps and steps >= max_steps:
                break
            for group in optimizer.param_groups:
                group["lr"] = 0.5 * lr * (1 + math.cos(math.pi * min(steps / total_steps, 1.0)))
            index = order[b * batch:(b + 1) * batch]
            optimizer.zero_grad()
            loss = loss_fn(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
            total += loss.item()
            steps += 1
            done += 1
        seconds = time.perf_counter() - start
        times.append(seconds)
        accuracy = evaluate(model, tx, ty, batch)
        print(f"pytorch {name} epoch {epoch}/{epochs}: train-loss {total / max(done, 1):.4f} "
              f"test-accuracy {accuracy:.4f} ({seconds:.2f} s training)", flush=True)
        if max_steps and steps >= max_steps and epoch < epochs:
            print(f"pytorch {name}: stopped after {max_steps} training steps", flush=True)
            break
    print(f"pytorch-result {name} {accuracy:.4f} {sum(times) / len(times):.3f}", flush=True)


def main():
    epochs_fp32, epochs_qat, batch = (int(a) for a in sys.argv[1:4])
    lr, momentum = float(sys.argv[4]), float(sys.argv[5])
    seed = int(sys.argv[6])
    max_steps = int(sys.argv[7]) if len(sys.argv) > 7 else 0
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    torch.manual_seed(seed)
    print(f"pytorch {torch.__version__}, {torch.get_num_threads()} thread", flush=True)

    def images(name):
        pixels = idx(name).astype(np.float32) / 255.0
        return torch.from_numpy(pixels).reshape(-1, 1, 28, 28)

    def labels(name):
        return torch.from_numpy(idx(name).astype(np.int64))

    data = (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))
    trained = Net()
    train("fp32", trained, data, epochs_fp32, batch, lr, momentum, seed, max_steps)
    for name, weight_bits, activation_bits in (("W8A8", 8, 8), ("W4A4", 4, 4)):
        model = qat_model(trained, weight_bits, activation_bits)
        train(name, model, data, epochs_qat, batch, lr, momentum, seed, max_steps)


if __name__ == "__main__":
    main()
