#!/usr/bin/env python3
"""Reference timings of PyTorch on the CPU for EmbedScope's training jobs.

Usage: torch_bench.py FASHION_MNIST_DIR [--only NAMES] [--scaling div255|pixelstd]
                      [--threads N] [--batches N]

FASHION_MNIST_DIR holds the four IDX files (train-images-idx3-ubyte[.gz], ...).
Images are scaled /255 (or x/255/(std+0.1) per pixel, population std over the
60000 training rows) in float32 before any timing starts. Every job uses
torch.manual_seed(0), Adam, the training rows in a random order, and times
only the training steps (forward, loss, backward, optimiser), on --threads
threads (all cores by default). Tasks:

  seednet_epoch   the seed conv net (GaussianNoise 0.005, Conv 32 3x3 same,
                  MaxPool 2, ReLU, Conv 128 3x3 same, MaxPool 2, ReLU, Dropout 0.1,
                  Conv 384 5x5 valid, ReLU, global max-pool, Linear 32; each
                  pooling before its ReLU, which is the same function at less
                  work, as EmbedScope builds it) with the
                  in-batch softmax scheme (ReLU, Linear 10, cross-entropy), batches
                  of 256, Adam with a one-cycle learning rate (max 3e-3): seconds
                  per 60,000 images, from --batches batches after 3 warm-up ones
  seednet_pairs   the same net with the seed's pair scheme (300 random pairs per
                  batch, |e1 - e2|, Linear 1, BCE with logits, Adam 1e-3): seconds
                  per epoch of 60,000 pairs (120,000 images), from --batches
                  batches after 3 warm-up ones
  smallnet_epoch  the small conv net (Conv 16, MaxPool, ReLU, Conv 32, MaxPool,
                  ReLU, Linear 128, ReLU, Linear 32), softmax scheme as above:
                  one whole epoch of 60,000 images
  mlp_epoch       MLP 784-256-128-10, batches of 128, Adam 1e-3: one epoch;
                  accuracy on the test rows (not timed)
  ae_epoch        the seed-004 dense autoencoder (784-784-64-32-32 sigmoid
                  encoder, 32-32-64-784 decoder, sigmoid output), MSE, batches of
                  256, Adam 1e-3: one epoch; "test mse" of the test rows (not timed)

Prints one JSON object on stdout:

  {"torch": "1.13.1", "threads": 2, "results": {"seednet_epoch": {"seconds": 80.1}, ...}}
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

TASKS = ("seednet_epoch", "seednet_pairs", "smallnet_epoch", "mlp_epoch", "ae_epoch")


def read_idx(directory, stem, offset):
    for name in (stem, stem + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                return np.frombuffer(f.read(), np.uint8, offset=offset)
    sys.exit("torch_bench: %s[.gz] not found in %s" % (stem, directory))


class GaussianNoise(nn.Module):
    def __init__(self, sd):
        super().__init__()
        self.sd = sd

    def forward(self, x):
        return x + self.sd * torch.randn_like(x) if self.training else x


class GlobalMax(nn.Module):
    def forward(self, x):
        return torch.amax(x, dim=(2, 3))


def seed_net():
    return nn.Sequential(
        GaussianNoise(0.005),
        nn.Conv2d(1, 32, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
        nn.Conv2d(32, 128, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
        nn.Dropout(0.1),
        nn.Conv2d(128, 384, 5), nn.ReLU(), GlobalMax(),
        nn.Linear(384, 32))


def small_net():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
        nn.Flatten(), nn.Linear(7 * 7 * 32, 128), nn.ReLU(), nn.Linear(128, 32))


def softmax_epoch(net, x, y, batches, warmup, batch=256):
    """Trains net with a ReLU + Linear(10) head and returns seconds per
    60,000 images (all batches timed when batches is 0)."""
    model = nn.Sequential(net, nn.ReLU(), nn.Linear(32, 10))
    steps = len(x) // batch
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps + warmup)
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(len(x))
    model.train()
    timed, start = 0, None
    n = steps if batches == 0 else min(steps, batches + warmup)
    for b in range(n):
        if b == warmup:
            start = time.perf_counter()
        idx = order[b * batch:(b + 1) * batch]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        sched.step()
        if b >= warmup:
            timed += len(idx)
    return (time.perf_counter() - start) * 60000 / timed


def pairs_epoch(net, x, y, batches, warmup, batch=300):
    head = nn.Linear(32, 1)
    params = list(net.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    net.train()
    n = len(x)
    a, b = torch.randperm(n), torch.randperm(n)
    timed, start = 0, None
    for s in range(batches + warmup):
        if s == warmup:
            start = time.perf_counter()
        ia, ib = a[s * batch:(s + 1) * batch], b[s * batch:(s + 1) * batch]
        target = (y[ia] == y[ib]).float().unsqueeze(1)
        opt.zero_grad(set_to_none=True)
        e = net(torch.cat([x[ia], x[ib]]))
        loss = loss_fn(head(torch.abs(e[:len(ia)] - e[len(ia):])), target)
        loss.backward()
        opt.step()
        if s >= warmup:
            timed += len(ia)
    return (time.perf_counter() - start) * n / timed


def dense_epoch(model, x, target, batch, lr, loss_fn):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    order = torch.randperm(len(x))
    model.train()
    start = time.perf_counter()
    for lo in range(0, len(x), batch):
        idx = order[lo:lo + batch]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[idx]), target[idx])
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--only", default=",".join(TASKS), help="comma-separated tasks")
    ap.add_argument("--scaling", default="div255", choices=("div255", "pixelstd"))
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--batches", type=int, default=30, help="timed batches of the seed net jobs")
    args = ap.parse_args()
    tasks = [t for t in args.only.split(",") if t]
    for t in tasks:
        if t not in TASKS:
            sys.exit("torch_bench: unknown task %r (known: %s)" % (t, ", ".join(TASKS)))
    torch.set_num_threads(args.threads)

    a = read_idx(args.dir, "train-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / 255
    b = read_idx(args.dir, "t10k-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / 255
    if args.scaling == "pixelstd":
        s = a.std(axis=0) + 0.1
        a, b = a / s, b / s
    xtr, xte = torch.from_numpy(np.ascontiguousarray(a)), torch.from_numpy(np.ascontiguousarray(b))
    y_train = torch.from_numpy(read_idx(args.dir, "train-labels-idx1-ubyte", 8).astype(np.int64))
    yte = torch.from_numpy(read_idx(args.dir, "t10k-labels-idx1-ubyte", 8).astype(np.int64))
    img_tr, img_te = xtr.reshape(-1, 1, 28, 28), xte.reshape(-1, 1, 28, 28)
    flat_tr, flat_te = xtr.reshape(-1, 784), xte.reshape(-1, 784)

    results = {}
    for t in tasks:
        torch.manual_seed(0)
        if t == "seednet_epoch":
            results[t] = {"seconds": softmax_epoch(seed_net(), img_tr, y_train, args.batches, 3)}
        elif t == "seednet_pairs":
            results[t] = {"seconds": pairs_epoch(seed_net(), img_tr, y_train, args.batches, 3)}
        elif t == "smallnet_epoch":
            results[t] = {"seconds": softmax_epoch(small_net(), img_tr, y_train, 0, 0)}
        elif t == "mlp_epoch":
            mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
            secs = dense_epoch(mlp, flat_tr, y_train, 128, 1e-3, nn.CrossEntropyLoss())
            mlp.eval()
            with torch.no_grad():
                acc = float((mlp(flat_te).argmax(1) == yte).float().mean())
            results[t] = {"seconds": secs, "accuracy": acc}
        elif t == "ae_epoch":
            s = nn.Sigmoid
            ae = nn.Sequential(nn.Linear(784, 784), s(), nn.Linear(784, 64), s(), nn.Linear(64, 32), s(),
                               nn.Linear(32, 32), s(), nn.Linear(32, 32), s(), nn.Linear(32, 64), s(),
                               nn.Linear(64, 784), s())
            secs = dense_epoch(ae, flat_tr, flat_tr, 256, 1e-3, nn.MSELoss())
            ae.eval()
            with torch.no_grad():
                mse = float(((ae(flat_te) - flat_te) ** 2).mean())
            results[t] = {"seconds": secs, "test mse": mse}

    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": results}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
