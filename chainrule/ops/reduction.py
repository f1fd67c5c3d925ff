"""Reductions: mean, prod, max/min (with indices along a dim), argmax/argmin, var/std.

A reduction's backward spreads the output gradient back over the reduced axes: it
restores them as size-1 axes (`keep_shape`) and broadcasts (`spread`). `sum` is the
primitive they all share (ops/primitives.py); softmax and logsumexp live with the
cross-entropy in ops/softmax.py.
"""

from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor_base import TensorBase
from .binary import maximum, minimum
from .indexing import scatter_add_into_zeros
from .primitives import (
    add_reduce,
    keep_shape,
    ndim_of,
    nondifferentiable,
    normalize_dim,
    normalize_dims,
    spread,
    sum_,
    where,
)
from .unary import sqrt

values_indices = namedtuple("values_indices", ["values", "indices"])


class Mean(Function):
    """y = Σ x / n over `axes`"""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.keep_shape = x.shape, keep_shape(x.shape, axes)
        ctx.count = int(np.prod([x.shape[a] for a in axes]))
        if ctx.count == 0:  # the mean of nothing is NaN, without NumPy's warning (as PyTorch)
            return np.full(np.sum(x, axis=axes, keepdims=keepdim).shape, np.nan, x.dtype)
        if x.dtype.kind != "f":
            return np.mean(x, axis=axes, keepdims=keepdim)
        total = add_reduce(x, axes, keepdim)
        return total / np.asarray(ctx.count, dtype=x.dtype)

    # dy/dx = 1/n
    @staticmethod
    def backward(ctx, grad):
        return spread(grad / ctx.count if ctx.count else grad, ctx)


def mean(x, dim=None, keepdim: bool = False):
    if isinstance(x, TensorBase) and x.dtype.kind not in "fc":
        raise TypeError(
            f"mean() needs a floating-point tensor, got {x.dtype}; convert first with .float()"
        )
    return Mean.apply(x, normalize_dims(dim, ndim_of(x), "mean"), keepdim)


class Prod(Function):
    """y = Π x over `axes`"""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.keep_shape, ctx.axes = x.shape, keep_shape(x.shape, axes), axes
        y = np.prod(x, axis=axes, keepdims=keepdim)
        ctx.save_for_backward(x, y)
        return y

    # dy/dxᵢ = Π_{j≠i} xⱼ, which is y/xᵢ unless some x is 0
    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        data = x._data if isinstance(x, TensorBase) else x
        if np.all(data != 0):
            return spread(grad, ctx) * y.reshape(ctx.keep_shape) / x
        others = _product_of_others(data, ctx.axes)
        return spread(grad, ctx) * others


def _product_of_others(x: np.ndarray, axes: tuple) -> np.ndarray:
    """Π_{j≠i} x_j along `axes`, without dividing (safe when some x are 0)."""
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    flat = moved.reshape(moved.shape[: x.ndim - len(axes)] + (-1,))
    ones = np.ones_like(flat[..., :1])
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    back = tuple(range(x.ndim - len(axes), x.ndim))
    return np.moveaxis((left * right).reshape(moved.shape), back, axes)


def prod(x, dim=None, keepdim: bool = False):
    return Prod.apply(x, normalize_dims(dim, ndim_of(x), "prod"), keepdim)


class Amax(Function):
    """y = max x over `axes` (the minimum when `largest` is False)"""

    @staticmethod
    def forward(ctx, x, axes, keepdim, largest=True):
        ctx.shape, ctx.keep_shape = x.shape, keep_shape(x.shape, axes)
        y = (np.amax if largest else np.amin)(x, axis=axes, keepdims=keepdim)
        ctx.axes = axes
        ctx.save_for_backward(x, y)
        return y

    # the gradient is shared evenly among the elements equal to the extremum
    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        hit = nondifferentiable(np.equal, x, y.reshape(ctx.keep_shape))
        hit_data = hit._data if isinstance(hit, TensorBase) else hit
        count = np.sum(hit_data, axis=ctx.axes, keepdims=True)
        return spread(grad, ctx) * where(hit, 1.0 / count, 0)


def amax(x, dim=None, keepdim: bool = False):
    return Amax.apply(x, normalize_dims(dim, ndim_of(x), "amax"), keepdim, True)


def amin(x, dim=None, keepdim: bool = False):
    return Amax.apply(x, normalize_dims(dim, ndim_of(x), "amin"), keepdim, False)


class MaxAlongDim(Function):
    """values, indices = the max (min if not `largest`) of x along `dim`, and where it is.

    Two outputs (NOTE [ Ops with several outputs ]): the indices are marked
    non-differentiable. On ties the first index wins, as in PyTorch.
    """

    @staticmethod
    def forward(ctx, x, dim, keepdim, largest):
        index = (np.argmax if largest else np.argmin)(x, axis=dim, keepdims=True)
        values = np.take_along_axis(x, index, axis=dim)
        ctx.shape, ctx.dim, ctx.index = x.shape, dim, index
        if not keepdim:
            values, index = values.squeeze(dim), index.squeeze(dim)
        index = index.astype(np.int64)
        ctx.mark_non_differentiable(index)
        return values, index

    # the gradient goes to the chosen element; the indices take none
    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        grad = grad_values.reshape(ctx.index.shape)
        return scatter_add_into_zeros(grad, ctx.shape, ctx.dim, ctx.index)


def _extremum(x, dim, keepdim, largest: bool):
    if dim is None:
        return amax(x) if largest else amin(x)
    if isinstance(dim, TensorBase):  # torch.max(a, b) is the elementwise maximum
        return maximum(x, dim) if largest else minimum(x, dim)
    axis = normalize_dim(dim, ndim_of(x), "max" if largest else "min")
    return values_indices(*MaxAlongDim.apply(x, axis, keepdim, largest))


def max(x, dim=None, keepdim: bool = False):  # noqa: A001  (PyTorch's name)
    """max over all elements, or (values, indices) along `dim`."""
    return _extremum(x, dim, keepdim, True)


def min(x, dim=None, keepdim: bool = False):  # noqa: A001
    """min over all elements, or (values, indices) along `dim`."""
    return _extremum(x, dim, keepdim, False)


def argmax(x, dim=None, keepdim: bool = False):
    return _arg_extremum(np.argmax, x, dim, keepdim)


def argmin(x, dim=None, keepdim: bool = False):
    return _arg_extremum(np.argmin, x, dim, keepdim)


def _arg_extremum(fn, x, dim, keepdim):
    if dim is None:
        return nondifferentiable(lambda a: np.asarray(fn(a), dtype=np.int64), x)
    axis = normalize_dim(dim, ndim_of(x), fn.__name__)
    return nondifferentiable(lambda a: fn(a, axis=axis, keepdims=keepdim).astype(np.int64), x)


def var(x, dim=None, correction: int = 1, keepdim: bool = False, unbiased=None):
    """Variance with Bessel's `correction` (1: unbiased, as PyTorch's default)."""
    if unbiased is not None:
        correction = int(unbiased)
    axes = normalize_dims(dim, ndim_of(x), "var")
    count = int(np.prod([x.shape[a] for a in axes]))
    centered = x - mean(x, axes, keepdim=True)
    return sum_(centered * centered, axes, keepdim) / builtins.max(count - correction, 0)


def std(x, dim=None, correction: int = 1, keepdim: bool = False, unbiased=None):
    return sqrt(var(x, dim, correction=correction, keepdim=keepdim, unbiased=unbiased))
