"""The uniform distribution on [low, high)."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..tensor import Tensor
from .distribution import Distribution, as_float_tensor


class Uniform(Distribution):
    """U(low, high); rsample: low + (high - low)·u with u ~ U(0, 1)."""

    has_rsample = True

    def __init__(self, low, high, validate_args=None) -> None:
        self.low = as_float_tensor(low, high)
        self.high = as_float_tensor(high, self.low)
        if np.any(self.high._data <= self.low._data):
            raise ValueError("Uniform: high must be greater than low")
        super().__init__(np.broadcast_shapes(self.low.shape, self.high.shape))

    @property
    def mean(self) -> Tensor:
        return ops.broadcast_to((self.low + self.high) * 0.5, self.batch_shape)

    @property
    def variance(self) -> Tensor:
        width = self.high - self.low
        return ops.broadcast_to(width * width / 12, self.batch_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        u = self._rng().random(self._extended_shape(sample_shape)).astype(self.low.dtype)
        return self.low + (self.high - self.low) * u

    def log_prob(self, value) -> Tensor:
        value = as_float_tensor(value, self.low)
        inside = (value._data >= self.low._data) & (value._data < self.high._data)
        density = -ops.log(self.high - self.low)
        return ops.where(inside, ops.broadcast_to(density, inside.shape), -np.inf)

    def entropy(self) -> Tensor:
        return ops.log(self.high - self.low)
