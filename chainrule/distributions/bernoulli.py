"""The Bernoulli distribution over {0, 1}."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..nn.functional.loss import binary_cross_entropy_with_logits
from ..tensor import Tensor
from .distribution import Distribution, as_float_tensor


class Bernoulli(Distribution):
    """1 with probability p. Give probs, or logits (log p/(1 - p)); log_prob uses the
    logits form, which stays finite for probabilities near 0 and 1."""

    def __init__(self, probs=None, logits=None, validate_args=None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Bernoulli: give exactly one of probs and logits")
        if probs is not None:
            self.probs = as_float_tensor(probs)
            clipped = ops.clamp(self.probs, 1e-7 if self.probs.dtype == np.float32 else 1e-15,
                                1 - (1e-7 if self.probs.dtype == np.float32 else 1e-15))
            self.logits = ops.log(clipped) - ops.log(1 - clipped)
        else:
            self.logits = as_float_tensor(logits)
            self.probs = ops.sigmoid(self.logits)
        super().__init__(self.probs.shape)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        u = self._rng().random(self._extended_shape(sample_shape))
        return Tensor._wrap((u < self.probs._data).astype(self.probs.dtype))

    def log_prob(self, value) -> Tensor:
        value = as_float_tensor(value, self.logits)
        logits = ops.broadcast_to(self.logits, np.broadcast_shapes(value.shape,
                                                                   self.logits.shape))
        return -binary_cross_entropy_with_logits(logits, ops.broadcast_to(value, logits.shape),
                                                 reduction="none")

    def entropy(self) -> Tensor:
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")
