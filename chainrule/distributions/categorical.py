"""The categorical distribution over {0, ..., K - 1}."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..tensor import Tensor
from .distribution import Distribution, as_float_tensor


class Categorical(Distribution):
    """Class k with probability p_k, along the last dimension of probs or logits
    (probs are normalised to sum to 1; logits are normalised with log_softmax)."""

    def __init__(self, probs=None, logits=None, validate_args=None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Categorical: give exactly one of probs and logits")
        if probs is not None:
            probs = as_float_tensor(probs)
            self.probs = probs / probs.sum(-1, keepdim=True)
            self.logits = ops.log(self.probs)
        else:
            self.logits = ops.log_softmax(as_float_tensor(logits), -1)
            self.probs = ops.exp(self.logits)
        super().__init__(self.probs.shape[:-1])

    @property
    def num_events(self) -> int:
        return self.probs.shape[-1]

    def sample(self, sample_shape=()) -> Tensor:
        """Class indices (int64) of shape sample_shape + batch_shape."""
        p = self.probs._data.astype(np.float64)
        shape = tuple(sample_shape) + self.batch_shape
        u = self._rng().random(shape + (1,))
        cumulative = np.cumsum(p / p.sum(-1, keepdims=True), -1)
        index = (u >= np.broadcast_to(cumulative, shape + (p.shape[-1],))).sum(-1)
        return Tensor._wrap(np.minimum(index, p.shape[-1] - 1).astype(np.int64))

    def log_prob(self, value) -> Tensor:
        value = value._data if isinstance(value, Tensor) else np.asarray(value)
        shape = np.broadcast_shapes(value.shape, self.batch_shape)
        logits = ops.broadcast_to(self.logits, shape + (self.num_events,))
        index = np.broadcast_to(value, shape)[..., None].astype(np.int64)
        return ops.gather(logits, -1, index).squeeze(-1)

    def entropy(self) -> Tensor:
        return -(self.probs * self.logits).sum(-1)
