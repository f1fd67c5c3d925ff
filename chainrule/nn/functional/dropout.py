"""Dropout: zero random elements (or whole channels) in training, scale the rest."""

from __future__ import annotations

import numpy as np

from ...random import Generator, numpy_generator


def check_probability(p: float) -> None:
    """Dropout's p must be a probability; every dropout function and module checks here."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _drop(input, p: float, mask_shape: tuple, generator: Generator | None):
    if p == 1.0:
        return input * 0.0
    keep = numpy_generator(generator).random(mask_shape, dtype=np.float32) >= p
    # The mask is a constant of the graph: y = x·m/(1-p), dy/dx = m/(1-p).
    return input * (keep * np.asarray(1.0 / (1.0 - p), dtype=input.dtype))


def dropout(input, p: float = 0.5, training: bool = True, generator: Generator | None = None):
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only)."""
    check_probability(p)
    if not training or p == 0.0:
        return input
    return _drop(input, p, input.shape, generator)


def dropout2d(input, p: float = 0.5, training: bool = True,
              generator: Generator | None = None):
    """Zero whole channels of (N, C, H, W) or (C, H, W) input with probability p."""
    check_probability(p)
    if input.ndim not in (3, 4):
        raise ValueError(
            f"dropout2d expects input of shape (N, C, H, W) or (C, H, W), got {input.shape}"
        )
    if not training or p == 0.0:
        return input
    return _drop(input, p, input.shape[:-2] + (1, 1), generator)
