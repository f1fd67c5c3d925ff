"""Keras's activations by name."""

from __future__ import annotations

from ..nn import functional as F


def linear(x):
    return x


def softmax(x, axis: int = -1):
    return F.softmax(x, axis)


ACTIVATIONS = {"relu": F.relu, "sigmoid": F.sigmoid, "tanh": F.tanh, "softmax": softmax,
               "linear": linear, "gelu": F.gelu, "elu": F.elu, "selu": F.selu,
               "softplus": F.softplus, "softsign": F.softsign, "leaky_relu": F.leaky_relu,
               "mish": F.mish}


def get(identifier):
    """An activation function from its name, a callable, or None (linear)."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if identifier not in ACTIVATIONS:
        raise ValueError(f"unknown activation {identifier!r}; use one of "
                         f"{', '.join(sorted(ACTIVATIONS))} or a callable")
    return ACTIVATIONS[identifier]
