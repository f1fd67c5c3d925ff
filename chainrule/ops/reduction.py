"""Reductions: sum, mean, prod, max/min, var/std, logsumexp, softmax, log_softmax.

A reduction's backward spreads the output gradient back over the reduced axes: it
restores them as size-1 axes (`keep_shape`) and broadcasts.
"""

from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .elementwise import exp, nondifferentiable, sqrt, where

values_indices = namedtuple("values_indices", ["values", "indices"])


def normalize_dims(dim, ndim: int, op: str = "reduction") -> tuple:
    """Turn `dim` (None, int, or a sequence) into a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = []
    for d in dims:
        if not -builtins.max(ndim, 1) <= d < builtins.max(ndim, 1):
            raise IndexError(
                f"{op}: dimension {d} is out of range for a tensor with {ndim} dimensions "
                f"(expected a value in [{-builtins.max(ndim, 1)}, {builtins.max(ndim, 1) - 1}])"
            )
        out.append(d % builtins.max(ndim, 1))
    return tuple(sorted(set(out))) if ndim else ()


def _keep_shape(shape: tuple, axes: tuple) -> tuple:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(grad, ctx):
    """Broadcast a reduced gradient back over the input's shape."""
    if not isinstance(grad, Tensor):  # an array, or a NumPy scalar from 0-d arithmetic
        # Filling a new array costs a fraction of np.broadcast_to's Python overhead
        # on small tensors, and gives a writable gradient.
        out = np.empty(ctx.shape, np.result_type(grad))
        out[...] = np.reshape(grad, ctx.keep_shape)
        return out
    return broadcast_to(grad.reshape(ctx.keep_shape), ctx.shape)


def _add_reduce(x: np.ndarray, axes: tuple, keepdim: bool):
    # np.sum and np.mean wrap ufunc.reduce in several layers of Python; on the small
    # arrays of a training step that wrapper costs more than the sum itself.
    if x.dtype.kind in "fc":
        return np.add.reduce(x, axis=axes, keepdims=keepdim)
    return np.sum(x, axis=axes, keepdims=keepdim)


class Sum(Function):
    """y = Σ x over `axes`"""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.keep_shape = x.shape, _keep_shape(x.shape, axes)
        return _add_reduce(x, axes, keepdim)

    # dy/dx = 1 for every summed element
    @staticmethod
    def backward(ctx, grad):
        return _spread(grad, ctx)


class Mean(Function):
    """y = Σ x / n over `axes`"""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.keep_shape = x.shape, _keep_shape(x.shape, axes)
        ctx.count = int(np.prod([x.shape[a] for a in axes]))
        if ctx.count == 0:  # the mean of nothing is NaN, without NumPy's warning (as PyTorch)
            return np.full(np.sum(x, axis=axes, keepdims=keepdim).shape, np.nan, x.dtype)
        if x.dtype.kind != "f":
            return np.mean(x, axis=axes, keepdims=keepdim)
        total = _add_reduce(x, axes, keepdim)
        return total / np.asarray(ctx.count, dtype=x.dtype)

    # dy/dx = 1/n
    @staticmethod
    def backward(ctx, grad):
        return _spread(grad / ctx.count if ctx.count else grad, ctx)


class Prod(Function):
    """y = Π x over `axes`"""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.keep_shape, ctx.axes = x.shape, _keep_shape(x.shape, axes), axes
        y = np.prod(x, axis=axes, keepdims=keepdim)
        ctx.save_for_backward(x, y)
        return y

    # dy/dxᵢ = Π_{j≠i} xⱼ, which is y/xᵢ unless some x is 0
    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        data = x.data if isinstance(x, Tensor) else x
        if np.all(data != 0):
            return _spread(grad, ctx) * y.reshape(ctx.keep_shape) / x
        others = _product_of_others(data, ctx.axes)
        return _spread(grad, ctx) * others


def _product_of_others(x: np.ndarray, axes: tuple) -> np.ndarray:
    """Π_{j≠i} x_j along `axes`, without dividing (safe when some x are 0)."""
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    flat = moved.reshape(moved.shape[: x.ndim - len(axes)] + (-1,))
    ones = np.ones_like(flat[..., :1])
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    back = tuple(range(x.ndim - len(axes), x.ndim))
    return np.moveaxis((left * right).reshape(moved.shape), back, axes)


class Amax(Function):
    """y = max x over `axes` (the minimum when `largest` is False)"""

    @staticmethod
    def forward(ctx, x, axes, keepdim, largest=True):
        ctx.shape, ctx.keep_shape = x.shape, _keep_shape(x.shape, axes)
        y = (np.amax if largest else np.amin)(x, axis=axes, keepdims=keepdim)
        ctx.axes = axes
        ctx.save_for_backward(x, y)
        return y

    # the gradient is shared evenly among the elements equal to the extremum
    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        hit = nondifferentiable(np.equal, x, y.reshape(ctx.keep_shape))
        hit_data = hit.data if isinstance(hit, Tensor) else hit
        count = np.sum(hit_data, axis=ctx.axes, keepdims=True)
        return _spread(grad, ctx) * where(hit, 1.0 / count, 0)


class LogSumExp(Function):
    """y = log Σ exp x over `axes`, computed as m + log Σ exp(x - m) with m = max x"""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.keep_shape = x.shape, _keep_shape(x.shape, axes)
        m = np.amax(x, axis=axes, keepdims=True) if x.size else np.zeros(ctx.keep_shape, x.dtype)
        m = np.where(np.isfinite(m), m, 0)
        y = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
        out = y if keepdim else y.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))
        ctx.save_for_backward(x, out)
        return out

    # dy/dx = exp(x - y), the softmax
    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return grad.reshape(ctx.keep_shape) * exp(x - y.reshape(ctx.keep_shape))


class Softmax(Function):
    """yᵢ = exp xᵢ / Σⱼ exp xⱼ along `dim`"""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        e = np.exp(x - np.amax(x, axis=dim, keepdims=True))
        y = e / np.sum(e, axis=dim, keepdims=True)
        ctx.save_for_backward(y)
        return y

    # dx = y ⊙ (g - Σ g⊙y): the Jacobian diag(y) - y yᵀ applied without forming it
    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return y * (grad - sum_(grad * y, ctx.dim, True))


class LogSoftmax(Function):
    """y = x - logsumexp(x) along `dim`"""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        shifted = x - np.amax(x, axis=dim, keepdims=True)
        y = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        return y

    # dx = g - softmax(x) Σ g, with softmax(x) = exp(y)
    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad - exp(y) * sum_(grad, ctx.dim, True)


# -- functions ------------------------------------------------------------------------


def _ndim(x) -> int:
    return x.ndim if hasattr(x, "ndim") else 0


def sum_(x, dim=None, keepdim: bool = False):
    if type(x) is np.ndarray and x.dtype.kind == "f":
        # Inside a plain backward pass: nothing to record, so skip the op machinery.
        return np.add.reduce(x, axis=dim, keepdims=keepdim)
    return Sum.apply(x, normalize_dims(dim, _ndim(x), "sum"), keepdim)


def mean(x, dim=None, keepdim: bool = False):
    if isinstance(x, Tensor) and x.dtype.kind not in "fc":
        raise TypeError(
            f"mean() needs a floating-point tensor, got {x.dtype}; convert first with .float()"
        )
    return Mean.apply(x, normalize_dims(dim, _ndim(x), "mean"), keepdim)


def prod(x, dim=None, keepdim: bool = False):
    return Prod.apply(x, normalize_dims(dim, _ndim(x), "prod"), keepdim)


def amax(x, dim=None, keepdim: bool = False):
    return Amax.apply(x, normalize_dims(dim, _ndim(x), "amax"), keepdim, True)


def amin(x, dim=None, keepdim: bool = False):
    return Amax.apply(x, normalize_dims(dim, _ndim(x), "amin"), keepdim, False)


def _extremum(x, dim, keepdim, largest: bool):
    if dim is None:
        return amax(x) if largest else amin(x)
    if isinstance(dim, Tensor):  # torch.max(a, b) is the elementwise maximum
        from .elementwise import maximum, minimum

        return maximum(x, dim) if largest else minimum(x, dim)
    (axis,) = normalize_dims(dim, _ndim(x), "max" if largest else "min")
    pick = argmax if largest else argmin
    indices = pick(x, axis, keepdim=True)
    values = gather(x, axis, indices)
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return values_indices(values, indices)


def max(x, dim=None, keepdim: bool = False):  # noqa: A001  (PyTorch's name)
    """max over all elements, or (values, indices) along `dim`."""
    return _extremum(x, dim, keepdim, True)


def min(x, dim=None, keepdim: bool = False):  # noqa: A001
    return _extremum(x, dim, keepdim, False)


def argmax(x, dim=None, keepdim: bool = False):
    return _arg_extremum(np.argmax, x, dim, keepdim)


def argmin(x, dim=None, keepdim: bool = False):
    return _arg_extremum(np.argmin, x, dim, keepdim)


def _arg_extremum(fn, x, dim, keepdim):
    if dim is None:
        return nondifferentiable(lambda a: np.asarray(fn(a), dtype=np.int64), x)
    (axis,) = normalize_dims(dim, _ndim(x), fn.__name__)
    return nondifferentiable(lambda a: fn(a, axis=axis, keepdims=keepdim).astype(np.int64), x)


def var(x, dim=None, correction: int = 1, keepdim: bool = False, unbiased=None):
    """Variance with Bessel's `correction` (1: unbiased, as PyTorch's default)."""
    if unbiased is not None:
        correction = int(unbiased)
    axes = normalize_dims(dim, _ndim(x), "var")
    count = int(np.prod([x.shape[a] for a in axes]))
    centered = x - mean(x, axes, keepdim=True)
    return sum_(centered * centered, axes, keepdim) / builtins.max(count - correction, 0)


def std(x, dim=None, correction: int = 1, keepdim: bool = False, unbiased=None):
    return sqrt(var(x, dim, correction=correction, keepdim=keepdim, unbiased=unbiased))


def logsumexp(x, dim, keepdim: bool = False):
    return LogSumExp.apply(x, normalize_dims(dim, _ndim(x), "logsumexp"), keepdim)


def softmax(x, dim: int):
    (axis,) = normalize_dims(dim, _ndim(x), "softmax")
    return Softmax.apply(x, axis)


def log_softmax(x, dim: int):
    (axis,) = normalize_dims(dim, _ndim(x), "log_softmax")
    return LogSoftmax.apply(x, axis)


from .indexing import gather  # noqa: E402
from .shape import broadcast_to  # noqa: E402
