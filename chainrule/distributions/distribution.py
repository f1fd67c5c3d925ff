"""`Distribution`: the base class, and the helpers its subclasses share."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..random import numpy_generator
from ..tensor import Tensor


def as_float_tensor(value, like=None) -> Tensor:
    """A parameter or value as a floating-point tensor (numbers take `like`'s dtype)."""
    if isinstance(value, Tensor):
        return value
    dtype = like.dtype if isinstance(like, Tensor) else None
    array = np.asarray(value, dtype=dtype)
    if array.dtype.kind != "f":
        array = array.astype(np.float32)
    return Tensor._wrap(array)


class Distribution:
    """Base class: batch_shape (independent distributions) and event_shape (one draw)."""

    has_rsample = False

    def __init__(self, batch_shape: tuple = (), event_shape: tuple = ()) -> None:
        self.batch_shape, self.event_shape = tuple(batch_shape), tuple(event_shape)

    def _extended_shape(self, sample_shape=()) -> tuple:
        return tuple(sample_shape) + self.batch_shape + self.event_shape

    @staticmethod
    def _rng():
        return numpy_generator(None)

    def sample(self, sample_shape=()) -> Tensor:
        """A draw of shape sample_shape + batch_shape + event_shape, without a gradient."""
        if self.has_rsample:
            return self.rsample(sample_shape).detach()
        raise NotImplementedError(f"{type(self).__name__} does not define sample")

    def rsample(self, sample_shape=()) -> Tensor:
        raise NotImplementedError(
            f"{type(self).__name__} has no reparameterised sampling; use sample() (and a "
            f"score-function estimator, as REINFORCE does, to get gradients)"
        )

    def log_prob(self, value) -> Tensor:
        raise NotImplementedError

    def entropy(self) -> Tensor:
        raise NotImplementedError

    @property
    def stddev(self) -> Tensor:
        return ops.sqrt(self.variance)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(batch_shape={self.batch_shape})"
