"""Scans: cumulative sum and product along a dimension."""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor_base import TensorBase
from .primitives import ndim_of, normalize_dim


def _reverse(x, dim: int):
    return x[(slice(None),) * dim + (slice(None, None, -1),)]


class Cumsum(Function):
    """yᵢ = Σ_{j≤i} xⱼ along `dim`"""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return np.cumsum(x, axis=dim, dtype=x.dtype)

    # dxⱼ = Σ_{i≥j} gᵢ: a cumulative sum from the other end
    @staticmethod
    def backward(ctx, grad):
        return _reverse(cumsum(_reverse(grad, ctx.dim), ctx.dim), ctx.dim)


def cumsum(x, dim: int, dtype=None):
    y = Cumsum.apply(x, normalize_dim(dim, ndim_of(x), "cumsum"))
    return y if dtype is None else y.to(dtype)


class Cumprod(Function):
    """yᵢ = Π_{j≤i} xⱼ along `dim` (inputs without zeros; see cumprod)"""

    @staticmethod
    def forward(ctx, x, dim):
        y = np.cumprod(x, axis=dim)
        ctx.dim = dim
        ctx.save_for_backward(x, y)
        return y

    # dxⱼ = Σ_{i≥j} gᵢ·yᵢ / xⱼ
    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return _reverse(cumsum(_reverse(grad * y, ctx.dim), ctx.dim), ctx.dim) / x


def cumprod(x, dim: int, dtype=None):
    """Cumulative product. Its gradient divides by x, so an input with zeros is refused
    while gradients are being recorded (PyTorch's zero-safe formula is not written yet)."""
    data = x._data if isinstance(x, TensorBase) else np.asarray(x)
    if getattr(x, "requires_grad", False) and np.any(data == 0):
        raise NotImplementedError(
            "cumprod: the gradient of an input that contains zeros is not supported; "
            "add a tiny offset or compute it under no_grad"
        )
    y = Cumprod.apply(x, normalize_dim(dim, ndim_of(x), "cumprod"))
    return y if dtype is None else y.to(dtype)
