"""A variational autoencoder (VAE) on Fashion-MNIST, written as ordinary PyTorch code.

The encoder maps an image to the mean μ and log-variance log σ² of a Gaussian over a
16-number code. The reparameterisation trick makes sampling differentiable: draw
ε ~ N(0, I) and take z = μ + σ·ε, so backpropagation reaches μ and σ through z while the
randomness sits in ε. The decoder maps z to pixel logits. The loss per image is

    reconstruction + KL = Σ_pixels BCE(logits, x) + ½ Σ_code (μ² + σ² − log σ² − 1),

the negative evidence lower bound. The pictures show test reconstructions and images
decoded from codes drawn from the prior N(0, I).

Run:  python examples/generative/vae.py [--epochs 10] [--limit 60000] [--out DIR]
"""

import argparse
from pathlib import Path

import numpy as np

import chainrule as torch
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.data.datasets import FashionMNIST
from chainrule.utils import save_image

LATENT = 16


def images(train: bool, limit: int):
    """Fashion-MNIST images as floats in [0, 1], shape (N, 1, 28, 28)."""
    pixels = FashionMNIST(train=train).data.numpy()[:limit]
    return torch.from_numpy(pixels[:, None].astype(np.float32) / 255.0)


class VAE(nn.Module):
    def __init__(self, hidden: int = 400):
        super().__init__()
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU())
        self.mean = nn.Linear(hidden, LATENT)
        self.log_variance = nn.Linear(hidden, LATENT)
        self.decoder = nn.Sequential(nn.Linear(LATENT, hidden), nn.ReLU(),
                                     nn.Linear(hidden, 784), nn.Unflatten(1, (1, 28, 28)))

    def forward(self, x):
        h = self.encoder(x)
        mu, log_var = self.mean(h), self.log_variance(h)
        epsilon = torch.randn_like(mu)  # the only random step, outside the gradient's path
        z = mu + torch.exp(0.5 * log_var) * epsilon
        return self.decoder(z), mu, log_var


def loss_per_image(logits, x, mu, log_var):
    """Reconstruction (binary cross-entropy summed over pixels) + KL(q(z|x) ‖ N(0, I))."""
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kl = 0.5 * torch.sum(mu ** 2 + torch.exp(log_var) - log_var - 1)
    return (reconstruction + kl) / len(x)


def train_epoch(model, optimizer, train, order, batch_size: int) -> float:
    """One pass over `train` in the given order; returns the last batch's loss."""
    for i in range(0, len(train), batch_size):
        x = train[order[i:i + batch_size]]
        logits, mu, log_var = model(x)
        loss = loss_per_image(logits, x, mu, log_var)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def test_loss(model, x, batch_size: int = 1000) -> float:
    """The mean loss per image on x (one draw of ε per image)."""
    model.eval()
    total = 0.0
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            batch = x[i:i + batch_size]
            logits, mu, log_var = model(batch)
            total += loss_per_image(logits, batch, mu, log_var).item() * len(batch)
    model.train()
    return total / len(x)


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--limit", type=int, default=60000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--out", type=Path, default=Path("runs/vae"))
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    train, test = images(True, args.limit), images(False, 10000)
    model = VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, args.epochs + 1):
        loss = train_epoch(model, optimizer, train, torch.randperm(len(train)),
                           args.batch_size)
        print(f"epoch {epoch}: train loss {loss:.2f} per image", flush=True)
    result = test_loss(model, test)
    print(f"test loss {result:.2f} per image (reconstruction + KL, nats)")
    args.out.mkdir(parents=True, exist_ok=True)
    model.eval()
    with torch.no_grad():
        shown = test[:16]
        logits = model(shown)[0]
        save_image(torch.cat([shown, torch.sigmoid(logits)]), args.out / "reconstructions.png",
                   nrow=16)
        prior = torch.sigmoid(model.decoder(torch.randn(64, LATENT)))
        save_image(prior, args.out / "samples.png", nrow=8)
    print(f"wrote {args.out / 'reconstructions.png'} and {args.out / 'samples.png'}")
    return result


if __name__ == "__main__":
    main()
