"""The networks `chainrule train --model NAME` builds for 28×28 grayscale images."""

from __future__ import annotations

from .. import nn


def mlp(dropout: float = 0.1) -> nn.Module:
    """784-256-128-10 with ReLU and dropout."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 256), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(256, 128), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(128, 10),
    )


def cnn(dropout: float = 0.25) -> nn.Module:
    """Two conv blocks (3x3 conv, BatchNorm, ReLU, 2x2 max-pool) and a dense head."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(dropout),
        nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(128, 10),
    )


MODELS = {"mlp": mlp, "cnn": cnn}
