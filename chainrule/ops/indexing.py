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
            p = p._data
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
    return value._data if isinstance(value, TensorBase) else np.asarray(value)


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


def scatter_add(x, dim: int, index, src):
    """x with src[i][j] added at x[index[i][j]][j] (for dim 0); repeated places add up."""
    index = _scatter_index(x, dim, index, src, "scatter_add")
    dim = normalize_dim(dim, x.ndim, "scatter_add")
    return x + scatter_add_into_zeros(src[tuple(slice(0, n) for n in index.shape)],
                                      tuple(x.shape), dim, index)


def scatter(x, dim: int, index, src=None, value=None):
    """x with x[index[i][j]][j] = src[i][j] (or `value`) for dim 0. With repeated places
    the result is one of the written values, as in PyTorch, and so is the gradient."""
    if (src is None) == (value is None):
        raise ValueError("scatter: give exactly one of src and value")
    index = _scatter_index(x, dim, index, src, "scatter")
    dim = normalize_dim(dim, x.ndim, "scatter")
    grid = index_grid(index, dim)
    written = np.zeros(x.shape, dtype=bool)
    written[grid] = True
    if value is not None:
        return where(written, np.asarray(value, dtype=x.dtype), x)
    # each written place takes its value from src exactly once: read src at the place's
    # last writer, an index map built the way NumPy resolves repeated assignment
    writer = np.zeros(x.shape, dtype=np.int64)
    writer[grid] = np.arange(index.size).reshape(index.shape)
    taken = src[tuple(slice(0, n) for n in index.shape)].reshape(-1)[writer.reshape(-1)]
    return where(written, taken.reshape(x.shape), x)


def _scatter_index(x, dim, index, src, op: str) -> np.ndarray:
    index = _array(index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got {index.dtype}")
    if index.ndim != x.ndim or (src is not None and getattr(src, "ndim", 0) != x.ndim):
        raise RuntimeError(f"{op}: index, src and the input must have the same number of "
                           f"dimensions, got {index.ndim} and {x.ndim}")
    dim = normalize_dim(dim, x.ndim, op)
    if index.size and (index.min() < 0 or index.max() >= x.shape[dim]):
        raise IndexError(f"{op}: index out of range for dimension {dim} of size "
                         f"{x.shape[dim]}")
    return index


def narrow(x, dim: int, start: int, length: int):
    """The slice start:start+length along `dim` (a view)."""
    dim = normalize_dim(dim, x.ndim, "narrow")
    size = x.shape[dim]
    start = start + size if start < 0 else start
    if not (0 <= start and length >= 0 and start + length <= size):
        raise IndexError(f"narrow: start ({start}) + length ({length}) exceeds dimension "
                         f"{dim} of size {size}")
    return getitem(x, (slice(None),) * dim + (slice(start, start + length),))


def flip(x, dims):
    """x reversed along each of `dims`."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    index = [slice(None)] * x.ndim
    for d in dims:
        index[normalize_dim(d, x.ndim, "flip")] = slice(None, None, -1)
    return getitem(x, tuple(index))


def roll(x, shifts, dims=None):
    """Elements shifted along `dims`, wrapping around (all elements, flattened, if None)."""
    if dims is None:
        return roll(x.reshape(-1), shifts, 0).reshape(x.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: {len(shifts)} shifts for {len(dims)} dims")
    for shift, d in zip(shifts, dims):
        d = normalize_dim(d, x.ndim, "roll")
        source = (np.arange(x.shape[d]) - shift) % max(x.shape[d], 1)
        x = getitem(x, (slice(None),) * d + (source,))
    return x


def repeat_interleave(x, repeats, dim: int | None = None):
    """Each element repeated `repeats` times (an int, or one count per element) along dim."""
    if dim is None:
        x, dim = x.reshape(-1), 0
    dim = normalize_dim(dim, x.ndim, "repeat_interleave")
    counts = _array(repeats)
    source = np.repeat(np.arange(x.shape[dim]), counts)
    return getitem(x, (slice(None),) * dim + (source,))


def diagonal(x, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """The diagonal of the (dim1, dim2) planes, as a new last dimension."""
    return _diagonal(x, offset, dim1, dim2)


def _diagonal(x, offset: int, dim1: int, dim2: int):
    d1, d2 = normalize_dim(dim1, x.ndim, "diagonal"), normalize_dim(dim2, x.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 cannot be the same, got {dim1}, {dim2}")
    rows = np.arange(max(min(x.shape[d1], x.shape[d2] - offset) if offset >= 0 else
                         min(x.shape[d1] + offset, x.shape[d2]), 0))
    first, second = (rows, rows + offset) if offset >= 0 else (rows - offset, rows)
    others = [d for d in range(x.ndim) if d not in (d1, d2)]
    moved = x.permute(*others, d1, d2)
    return getitem(moved, (slice(None),) * len(others) + (first, second))


def diag(x, diagonal: int = 0):
    """A 1-D input becomes a square matrix with it on the `diagonal`; a 2-D input gives
    that diagonal as 1-D."""
    if x.ndim == 2:
        return _diagonal(x, diagonal, 0, 1)
    if x.ndim != 1:
        raise RuntimeError(f"diag expects a 1-D or 2-D input, got shape {tuple(x.shape)}")
    n = x.shape[0] + abs(diagonal)
    rows = np.arange(x.shape[0]) + max(-diagonal, 0)
    return IndexAddIntoZeros.apply(x, (n, n), (rows, rows + diagonal), True)


def trace(x):
    """The sum of the main diagonal of a 2-D input."""
    if x.ndim != 2:
        raise RuntimeError(f"trace expects a 2-D input, got shape {tuple(x.shape)}")
    return _diagonal(x, 0, 0, 1).sum()
