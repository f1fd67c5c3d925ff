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


MODELS = {"mlp": mlp}
