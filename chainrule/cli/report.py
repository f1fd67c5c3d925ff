"""What a training run leaves behind: metrics.json, the weights and a plot of the curves."""

from __future__ import annotations

import json
from pathlib import Path


def write_metrics(path: Path, metrics: dict) -> None:
    path.write_text(json.dumps(metrics, indent=2) + "\n")


def plot_curves(path: Path, history: list[dict]) -> bool:
    """Loss and accuracy per epoch, training and validation; False if matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    epochs = [h["epoch"] for h in history]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("train_loss", "training"), ("val_loss", "validation")):
        left.plot(epochs, [h[key] for h in history], marker="o", label=label)
    for key, label in (("train_accuracy", "training"), ("val_accuracy", "validation")):
        right.plot(epochs, [h[key] for h in history], marker="o", label=label)
    left.set(title="Loss", xlabel="epoch", ylabel="cross-entropy")
    right.set(title="Accuracy", xlabel="epoch", ylabel="accuracy")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True
