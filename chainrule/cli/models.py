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


class RowSequenceClassifier(nn.Module):
    """Reads each 28×28 image as a sequence of 28 rows of 28 pixels with an LSTM or a
    GRU, and classifies the last hidden state.

    Shape: (N, 1, 28, 28) -> logits (N, 10).
    """

    def __init__(self, cell: str = "lstm", hidden_size: int = 128, dropout: float = 0.1) -> None:
        super().__init__()
        recurrent = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = recurrent(28, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, 10)

    def forward(self, x):
        out, _ = self.rnn(x.reshape(x.shape[0], 28, 28))
        return self.head(self.dropout(out[:, -1]))

    def onnx_export(self, graph, x):
        """The same computation as ONNX nodes (chainrule.onnx.export); dropout is off."""
        import numpy as np

        rows = graph.node("Reshape", [x, graph.constant(np.array([0, 28, 28]))])
        out, _ = graph.module(self.rnn, rows)
        last = graph.node("Gather", [out, graph.constant(np.array(-1))], axis=1)
        return graph.module(self.head, last)


def lstm(dropout: float = 0.1) -> nn.Module:
    """An LSTM (hidden 128) over the rows of the image, then a linear layer."""
    return RowSequenceClassifier("lstm", dropout=dropout)


def gru(dropout: float = 0.1) -> nn.Module:
    """A GRU (hidden 128) over the rows of the image, then a linear layer."""
    return RowSequenceClassifier("gru", dropout=dropout)


MODELS = {"mlp": mlp, "cnn": cnn, "lstm": lstm, "gru": gru}
