"""A convolutional autoencoder on Fashion-MNIST, written as ordinary PyTorch code.

The encoder squeezes each 28×28 image through two stride-2 convolutions into 32 numbers;
the decoder grows them back with two transposed convolutions. Training minimizes the
squared difference between an image and its reconstruction; backpropagation carries that
error through the decoder into the encoder. The picture shows test images (top rows) and
their reconstructions (bottom rows).

Run:  python examples/generative/autoencoder.py [--epochs 10] [--limit 60000] [--out DIR]
"""

import argparse
from pathlib import Path

import numpy as np

import chainrule as torch
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.data.datasets import FashionMNIST
from chainrule.utils import save_image


def images(train: bool, limit: int):
    """Fashion-MNIST images as floats in [0, 1], shape (N, 1, 28, 28)."""
    pixels = FashionMNIST(train=train).data.numpy()[:limit]
    return torch.from_numpy(pixels[:, None].astype(np.float32) / 255.0)


class AutoEncoder(nn.Module):
    def __init__(self, code_size: int = 32):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),   # 16 × 14 × 14
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),  # 32 × 7 × 7
            nn.Flatten(), nn.Linear(32 * 7 * 7, code_size))
        self.decoder = nn.Sequential(
            nn.Linear(code_size, 32 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (32, 7, 7)),
            nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


def train_epoch(model, optimizer, train, order, batch_size: int) -> float:
    """One pass over `train` in the given order; returns the last batch's loss."""
    for i in range(0, len(train), batch_size):
        x = train[order[i:i + batch_size]]
        loss = F.mse_loss(model(x), x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def test_error(model, x, batch_size: int = 1000) -> float:
    """Mean squared error per pixel on x."""
    model.eval()
    with torch.no_grad():
        total = sum(F.mse_loss(model(x[i:i + batch_size]), x[i:i + batch_size],
                               reduction="sum").item() for i in range(0, len(x), batch_size))
    model.train()
    return total / x.numel()


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--limit", type=int, default=60000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--out", type=Path, default=Path("runs/autoencoder"))
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    train, test = images(True, args.limit), images(False, 10000)
    model = AutoEncoder()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    for epoch in range(1, args.epochs + 1):
        loss = train_epoch(model, optimizer, train, torch.randperm(len(train)),
                           args.batch_size)
        print(f"epoch {epoch}: train loss {loss:.5f}", flush=True)
    error = test_error(model, test)
    print(f"test reconstruction error {error:.5f} (mean squared, per pixel)")
    args.out.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        model.eval()
        shown = test[:16]
        save_image(torch.cat([shown, model(shown)]), args.out / "reconstructions.png", nrow=16)
    print(f"wrote {args.out / 'reconstructions.png'}")
    return error


if __name__ == "__main__":
    main()
