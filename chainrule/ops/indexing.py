"""Indexing: x[index], gather, index_select, masked_fill.

Reading elements and adding them back into zeros are each other's adjoints: the
backward of `x[index]` adds the gradient into a zero tensor at `index`, and the
backward of that is reading `grad[index]` again. `gather` is the same pair with an
index grid built from its index tensor. Repeated indices add up, as the chain rule
requires.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor_base import TensorBase
from .primitives import normalize_dim, where


def normalize_index(index):
    """Turn Tensors and lists inside an index into arrays; say if it is 'advanced'."""
    parts = index if isinstance(index, tuple) else (index,)
    out, advanced = [], False
    for p in parts:
        if isinstance(p, TensorBase):
            p = p.data
        elif isinstance(p, list):
            p = np.asarray(p)
        if isinstance(p, np.ndarray):
            advanced = True
            if p.dtype.kind not in "iub":
                raise IndexError(
                    f"tensors used as indices must be integer or bool, got {p.dtype}; "
                    f"convert with .long()"
                )
        out.append(p)
    return tuple(out), advanced


class GetItem(Function):
    """y = x[index]"""

    is_view = True  # for basic indexing; advanced indexing copies (see Function.is_view)

    @staticmethod
    def forward(ctx, x, index, advanced):
        ctx.shape, ctx.index, ctx.advanced = x.shape, index, advanced
        try:
            y = x[index]
        except IndexError as error:
            raise IndexError(
                f"index out of range for a tensor of shape {tuple(x.shape)}: {error}. "
                f"Valid indices along a dimension of size n are -n..n-1."
            ) from None
        return y if advanced else np.asarray(y)

    # the gradient is added back at the same places into zeros
    @staticmethod
    def backward(ctx, grad):
        return IndexAddIntoZeros.apply(grad, ctx.shape, ctx.index, ctx.advanced)


def getitem(x, index):
    index, advanced = normalize_index(index)
    return GetItem.apply(x, index, advanced)


class IndexAddIntoZeros(Function):
    """y = zeros(shape) with y[index] += g"""

    @staticmethod
    def forward(ctx, g, shape, index, advanced):
        ctx.index, ctx.advanced = index, advanced
        out = np.zeros(shape, dtype=g.dtype)
        if advanced:
            np.add.at(out, index, g)
        else:
            out[index] = g
        return out

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, ctx.index, ctx.advanced)


# -- functions ------------------------------------------------------------------------


def _array(value) -> np.ndarray:
    return value.data if isinstance(value, TensorBase) else np.asarray(value)


def index_grid(index: np.ndarray, dim: int) -> tuple:
    """The advanced index that picks x[..., index[i, j, ...], ...] along `dim` (gather's)."""
    grid = list(np.ogrid[tuple(slice(0, n) for n in index.shape)])
    grid[dim] = index
    return tuple(grid)


def gather(x, dim: int, index):
    """y[i][j] = x[index[i][j]][j] for dim 0 (torch.gather): indexing with a grid."""
    index = _array(index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"gather: index must be an integer tensor, got {index.dtype}")
    if index.ndim != x.ndim:
        raise RuntimeError(
            f"gather: index has {index.ndim} dimensions but the input has {x.ndim}; they "
            f"must have the same number"
        )
    dim = normalize_dim(dim, x.ndim, "gather")
    if index.size and (index.min() < -x.shape[dim] or index.max() >= x.shape[dim]):
        raise IndexError(
            f"gather: index out of range for dimension {dim} of a tensor of shape "
            f"{tuple(x.shape)}: indices must lie in [{-x.shape[dim]}, {x.shape[dim] - 1}]"
        )
    return GetItem.apply(x, index_grid(index, dim), True)


def scatter_add_into_zeros(grad, shape: tuple, dim: int, index: np.ndarray):
    """zeros(shape) with grad added at gather's places: the adjoint of gather."""
    return IndexAddIntoZeros.apply(grad, shape, index_grid(index, dim), True)


def index_select(x, dim: int, index):
    index = _array(index)
    if index.ndim != 1:
        raise IndexError(f"index_select: index must be 1-D, got shape {index.shape}")
    dim = normalize_dim(dim, x.ndim, "index_select")
    return getitem(x, (slice(None),) * dim + (index,))


def masked_fill(x, mask, value):
    """x with `value` where `mask` is True; the filled places get no gradient."""
    mask = _array(mask)
    if mask.dtype != np.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got {mask.dtype}")
    if not isinstance(value, TensorBase):
        value = np.asarray(value, dtype=x.dtype)
    return where(mask, value, x)
