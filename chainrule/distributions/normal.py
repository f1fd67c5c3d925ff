"""Normal distributions: univariate, and multivariate with a diagonal covariance."""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..tensor import Tensor
from .distribution import Distribution, as_float_tensor


class Normal(Distribution):
    """N(loc, scale²), elementwise over broadcast loc and scale.

    rsample: loc + scale·ε with ε ~ N(0, 1) (the reparameterisation trick).
    """

    has_rsample = True

    def __init__(self, loc, scale, validate_args=None) -> None:
        self.loc = as_float_tensor(loc, scale)
        self.scale = as_float_tensor(scale, self.loc)
        if np.any(self.scale._data <= 0):
            raise ValueError("Normal: scale must be positive")
        super().__init__(np.broadcast_shapes(self.loc.shape, self.scale.shape))

    @property
    def mean(self) -> Tensor:
        return ops.broadcast_to(self.loc, self.batch_shape)

    @property
    def variance(self) -> Tensor:
        return ops.broadcast_to(self.scale * self.scale, self.batch_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        noise = self._rng().standard_normal(shape).astype(self.loc.dtype)
        return self.loc + self.scale * noise

    def log_prob(self, value) -> Tensor:
        value = as_float_tensor(value, self.loc)
        z = (value - self.loc) / self.scale
        return -z * z * 0.5 - ops.log(self.scale) - 0.5 * math.log(2 * math.pi)

    def entropy(self) -> Tensor:
        return ops.broadcast_to(ops.log(self.scale) + 0.5 + 0.5 * math.log(2 * math.pi),
                                self.batch_shape)


class MultivariateNormal(Distribution):
    """N(loc, Σ) over vectors (event_shape (k,)), for a diagonal covariance Σ.

    Args:
        loc: (*, k) means.
        covariance_matrix: (*, k, k), diagonal; or scale_tril: its (diagonal) square root.
    """

    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None) -> None:
        if (covariance_matrix is None) == (scale_tril is None) or precision_matrix is not None:
            raise ValueError("MultivariateNormal: give exactly one of covariance_matrix and "
                             "scale_tril (precision_matrix is not supported)")
        self.loc = as_float_tensor(loc)
        matrix = as_float_tensor(covariance_matrix if scale_tril is None else scale_tril,
                                 self.loc)
        off_diagonal = matrix._data * (1 - np.eye(matrix.shape[-1]))
        if np.any(off_diagonal != 0):
            raise NotImplementedError("MultivariateNormal supports diagonal covariances only; "
                                      "for a full covariance, transform a standard normal")
        diagonal = ops.diagonal(matrix, 0, -2, -1)
        self.scale_diag = ops.sqrt(diagonal) if scale_tril is None else diagonal
        k = self.loc.shape[-1]
        super().__init__(np.broadcast_shapes(self.loc.shape[:-1], matrix.shape[:-2]), (k,))

    @property
    def mean(self) -> Tensor:
        return ops.broadcast_to(self.loc, self.batch_shape + self.event_shape)

    @property
    def variance(self) -> Tensor:
        return ops.broadcast_to(self.scale_diag * self.scale_diag,
                                self.batch_shape + self.event_shape)

    @property
    def covariance_matrix(self) -> Tensor:
        identity = np.eye(self.event_shape[0], dtype=self.loc.dtype)
        return self.variance.unsqueeze(-1) * identity

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        noise = self._rng().standard_normal(shape).astype(self.loc.dtype)
        return self.loc + self.scale_diag * noise

    def log_prob(self, value) -> Tensor:
        value = as_float_tensor(value, self.loc)
        z = (value - self.loc) / self.scale_diag
        k = self.event_shape[0]
        return (-(z * z).sum(-1) * 0.5 - ops.log(self.scale_diag).sum(-1)
                - 0.5 * k * math.log(2 * math.pi))

    def entropy(self) -> Tensor:
        k = self.event_shape[0]
        h = ops.log(self.scale_diag).sum(-1) + 0.5 * k * (1 + math.log(2 * math.pi))
        return ops.broadcast_to(h, self.batch_shape)
