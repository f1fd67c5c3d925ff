"""A DCGAN that draws 28×28 Fashion-MNIST images, written as ordinary PyTorch code.

Two networks train against each other. The discriminator D learns to tell real images
from generated ones (binary cross-entropy on its logit); the generator G learns to make
D call its images real. G's gradient comes entirely through D: backpropagation runs from
D's verdict, through D's layers (whose weights stay put in G's step), into G. Transposed
convolutions grow G's 7×7 feature maps to 14×14 and 28×28; BatchNorm and LeakyReLU keep
the gradients of both networks alive. Each epoch writes a grid of samples from the same
fixed noise, and both losses are logged.

Run:  python examples/generative/dcgan.py [--epochs 10] [--limit 60000] [--out DIR]
"""

import argparse
import math
from pathlib import Path

import numpy as np

import chainrule as torch
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.data.datasets import FashionMNIST
from chainrule.utils import save_image

NOISE = 64


def images(limit: int):
    """Training images scaled to [-1, 1] (G ends in tanh), shape (N, 1, 28, 28)."""
    pixels = FashionMNIST(train=True).data.numpy()[:limit]
    return torch.from_numpy(pixels[:, None].astype(np.float32) / 127.5 - 1.0)


def generator() -> nn.Module:
    return nn.Sequential(
        nn.Linear(NOISE, 128 * 7 * 7), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU(),
        nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, stride=2, padding=1), nn.Tanh())


def discriminator() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 64, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, stride=2, padding=1), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(128 * 7 * 7, 1))


def train_epoch(G, D, opt_g, opt_d, data, order, batch_size: int) -> tuple[float, float]:
    """One pass over the data; returns the epoch's mean losses of D and G."""
    totals, steps = [0.0, 0.0], 0
    for i in range(0, len(data) - batch_size + 1, batch_size):
        real = data[order[i:i + batch_size]]
        ones, zeros = torch.ones(batch_size, 1), torch.zeros(batch_size, 1)
        fake = G(torch.randn(batch_size, NOISE))
        # D: real images are 1, generated ones 0 (fake.detach(): G is not trained here)
        loss_d = (F.binary_cross_entropy_with_logits(D(real), ones)
                  + F.binary_cross_entropy_with_logits(D(fake.detach()), zeros))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        # G: make D say 1 for generated images; the gradient flows back through D
        loss_g = F.binary_cross_entropy_with_logits(D(fake), ones)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        totals[0] += loss_d.item()
        totals[1] += loss_g.item()
        steps += 1
    return totals[0] / steps, totals[1] / steps


def sample(G, count: int, seed: int = 0):
    """`count` generated images in [0, 1]."""
    torch.manual_seed(seed)
    G.eval()
    with torch.no_grad():
        pictures = (G(torch.randn(count, NOISE)) + 1) / 2
    G.train()
    return pictures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--limit", type=int, default=60000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--out", type=Path, default=Path("runs/dcgan"))
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    data = images(args.limit)
    G, D = generator(), discriminator()
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    args.out.mkdir(parents=True, exist_ok=True)
    history = []
    for epoch in range(1, args.epochs + 1):
        loss_d, loss_g = train_epoch(G, D, opt_g, opt_d, data, torch.randperm(len(data)),
                                     args.batch_size)
        history.append((loss_d, loss_g))
        if not (math.isfinite(loss_d) and math.isfinite(loss_g)):
            raise SystemExit(f"epoch {epoch}: a loss is not finite ({loss_d}, {loss_g})")
        save_image(sample(G, 64), args.out / f"samples-{epoch:02d}.png", nrow=8)
        print(f"epoch {epoch}: loss D {loss_d:.3f}, loss G {loss_g:.3f}; wrote "
              f"{args.out / f'samples-{epoch:02d}.png'}", flush=True)
    return G, history


if __name__ == "__main__":
    main()
