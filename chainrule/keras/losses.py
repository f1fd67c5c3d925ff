"""Keras's losses: called as loss(y_true, y_pred), the mean over the batch.

Probabilities (from_logits=False) are clipped to [ε, 1 - ε] with ε = 1e-7 before the
log, as Keras does; with from_logits=True the stable logits forms are used.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..nn import functional as F
from ..tensor import Tensor

EPSILON = 1e-7


def _tensor(value, like) -> Tensor:
    if isinstance(value, Tensor):
        return value
    array = np.asarray(value)
    return Tensor._wrap(array.astype(like.dtype) if array.dtype.kind == "f" else array)


class Loss:
    """Base class: __call__(y_true, y_pred) -> the mean loss (a 0-d tensor)."""

    name = "loss"

    def __call__(self, y_true, y_pred):
        return self.call(_tensor(y_true, y_pred), y_pred)


class MeanSquaredError(Loss):
    name = "mean_squared_error"

    def call(self, y_true, y_pred):
        return F.mse_loss(y_pred, y_true.reshape(y_pred.shape).to(y_pred.dtype))


class MeanAbsoluteError(Loss):
    name = "mean_absolute_error"

    def call(self, y_true, y_pred):
        return F.l1_loss(y_pred, y_true.reshape(y_pred.shape).to(y_pred.dtype))


class BinaryCrossentropy(Loss):
    name = "binary_crossentropy"

    def __init__(self, from_logits: bool = False) -> None:
        self.from_logits = from_logits

    def call(self, y_true, y_pred):
        y_true = y_true.reshape(y_pred.shape).to(y_pred.dtype)
        if self.from_logits:
            return F.binary_cross_entropy_with_logits(y_pred, y_true)
        p = ops.clamp(y_pred, EPSILON, 1 - EPSILON)
        return -(y_true * ops.log(p) + (1 - y_true) * ops.log(1 - p)).mean()


class CategoricalCrossentropy(Loss):
    """Targets one-hot (or class probabilities), predictions over the last axis."""

    name = "categorical_crossentropy"

    def __init__(self, from_logits: bool = False) -> None:
        self.from_logits = from_logits

    def call(self, y_true, y_pred):
        log_p = _log_probabilities(y_pred, self.from_logits)
        return -(y_true.to(y_pred.dtype) * log_p).sum(-1).mean()


class SparseCategoricalCrossentropy(Loss):
    """Targets are class indices, of shape (N,) or (N, 1)."""

    name = "sparse_categorical_crossentropy"

    def __init__(self, from_logits: bool = False) -> None:
        self.from_logits = from_logits

    def call(self, y_true, y_pred):
        logits = y_pred if self.from_logits else getattr(y_pred, "_keras_logits", None)
        if logits is not None and logits.ndim == 2:  # the fused cross-entropy on logits
            return F.cross_entropy(logits, y_true._data.reshape(-1).astype(np.int64))
        log_p = _log_probabilities(y_pred, self.from_logits)
        index = y_true._data.reshape(y_pred.shape[:-1]).astype(np.int64)
        return -ops.gather(log_p, -1, index[..., None]).mean()


def _log_probabilities(y_pred, from_logits: bool):
    if from_logits:
        return F.log_softmax(y_pred, -1)
    p = y_pred / y_pred.sum(-1, keepdim=True)  # Keras rescales probabilities to sum to 1
    return ops.log(ops.clamp(p, EPSILON, 1 - EPSILON))


LOSSES = {"mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
          "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
          "binary_crossentropy": BinaryCrossentropy,
          "categorical_crossentropy": CategoricalCrossentropy,
          "sparse_categorical_crossentropy": SparseCategoricalCrossentropy}


def get(identifier) -> Loss:
    if isinstance(identifier, Loss) or callable(identifier) and not isinstance(identifier, str):
        return identifier
    if identifier not in LOSSES:
        raise ValueError(f"unknown loss {identifier!r}; use one of {', '.join(sorted(LOSSES))}")
    return LOSSES[identifier]()
