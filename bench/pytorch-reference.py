#!/usr/bin/env python3
"""The yardstick: the reference VAE in PyTorch, as the PyTorch examples train it, timed epoch by epoch.

Encoder 784→512→256 (ReLU), heads 256→20 (mu, log-variance); decoder 20→256→512→784 (ReLU,
sigmoid out); loss = BCE summed over pixels + KL; Adam, lr 1e-3; pixels in [0, 1]. Reports each
epoch's training speed (samples/s, training only) and test loss, so the first epoch and the steady
state (epochs 2+) can be compared with `pnpm bench` in the same sitting (BENCHMARKS.md).

  /usr/bin/python3 bench/pytorch-reference.py --data-dir ../shared/data/mnist [--epochs 3]
      [--batch-size 64] [--threads 2] [--seed 0] [--flush-denormal]

Debian: apt-get install python3-torch (its BLAS is the system's libblas.so.3, OpenBLAS when
libopenblas0 is installed; OPENBLAS_CORETYPE picks its kernels). Not part of the test suite.
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class Vae(nn.Module):
    def __init__(self, latent=20):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU())
        self.mu = nn.Linear(256, latent)
        self.logvar = nn.Linear(256, latent)
        self.dec = nn.Sequential(nn.Linear(latent, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 784))

    def forward(self, x):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.dec(z), mu, logvar


def loss_sum(logits, x, mu, logvar):
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kl


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir", required=True)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--flush-denormal", action="store_true", help="torch.set_flush_denormal(True)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    flushed = torch.set_flush_denormal(True) if a.flush_denormal else False
    torch.manual_seed(a.seed)
    train = torch.from_numpy(read_idx(os.path.join(a.data_dir, "train-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255)
    test = torch.from_numpy(read_idx(os.path.join(a.data_dir, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255)
    model = Vae()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "flushDenormal": bool(flushed), "batchSize": a.batch_size}), flush=True)
    for epoch in range(1, a.epochs + 1):
        model.train()
        order = torch.randperm(train.shape[0])
        start = time.perf_counter()
        total = 0.0
        for i in range(0, train.shape[0], a.batch_size):
            x = train[order[i : i + a.batch_size]]
            logits, mu, logvar = model(x)
            loss = loss_sum(logits, x, mu, logvar)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        seconds = time.perf_counter() - start
        model.eval()
        with torch.no_grad():
            test_loss = sum(loss_sum(*[t for t in (lambda o: (o[0], xb, o[1], o[2]))(model(xb))]).item() for xb in test.split(1000)) / test.shape[0]
        print(json.dumps({"epoch": epoch, "samplesPerSecond": round(train.shape[0] / seconds), "trainLoss": total / train.shape[0], "testLoss": test_loss}), flush=True)


if __name__ == "__main__":
    main()
