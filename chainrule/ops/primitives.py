"""The bottom of `ops/`: what every op family needs, and nothing that needs them.

* Broadcasting and its adjoint. Forward, NumPy broadcasts `(3, 1) * (4,)` to
  `(3, 4)`; backward, each input must get a gradient of its own shape, so the
  gradient is summed over the axes that broadcasting added or stretched
  (`sum_to_shape`). `Sum` and `BroadcastTo` are each other's adjoints, so both live
  here.
* `Where`, the selection that many backward formulas use to route a gradient.
* Dimension arguments: `normalize_dims` and the one error text for a bad `dim`.
* `nondifferentiable`, for results that carry no gradient (comparisons, argmax).
"""

from __future__ import annotations

import builtins

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor_base import TensorBase


def shape_of(x) -> tuple:
    return x.shape if hasattr(x, "shape") else ()


def broadcast_error(op: str, *shapes) -> ValueError:
    listed = " and ".join(str(tuple(s)) for s in shapes)
    return ValueError(
        f"{op}: shapes {listed} cannot be broadcast together. Each dimension, counted "
        f"from the right, must be equal or 1; reshape or unsqueeze an input to line them up."
    )


def broadcast_shapes(*shapes) -> tuple:
    """The broadcast shape, as `torch.broadcast_shapes`; a clear error if there is none."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise broadcast_error("broadcast_shapes", *shapes) from None


# -- dimension arguments ------------------------------------------------------------------


def dim_error(op: str, d: int, ndim: int) -> IndexError:
    n = builtins.max(ndim, 1)
    return IndexError(
        f"{op}: dimension {d} is out of range for a tensor with {ndim} dimensions "
        f"(expected a value in [{-n}, {n - 1}])"
    )


def normalize_dim(d: int, ndim: int, op: str) -> int:
    """One dimension argument as a non-negative axis; a 0-d tensor has axis 0 and -1."""
    n = builtins.max(ndim, 1)
    if not -n <= d < n:
        raise dim_error(op, d, ndim)
    return d % n


def normalize_dims(dim, ndim: int, op: str = "reduction") -> tuple:
    """Turn `dim` (None, int, or a sequence) into a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    axes = {normalize_dim(d, ndim, op) for d in dims}
    return tuple(sorted(axes)) if ndim else ()


def ndim_of(x) -> int:
    return x.ndim if hasattr(x, "ndim") else 0


def keep_shape(shape: tuple, axes: tuple) -> tuple:
    """`shape` with the reduced `axes` kept as size 1."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def spread(grad, ctx):
    """Broadcast a reduced gradient back over the input's shape (`ctx.shape`)."""
    if not isinstance(grad, TensorBase):  # an array, or a NumPy scalar from 0-d arithmetic
        # Filling a new array costs a fraction of np.broadcast_to's Python overhead
        # on small tensors, and gives a writable gradient.
        out = np.empty(ctx.shape, np.result_type(grad))
        out[...] = np.reshape(grad, ctx.keep_shape)
        return out
    return broadcast_to(grad.reshape(ctx.keep_shape), ctx.shape)


# -- sum and broadcast: each other's adjoints ----------------------------------------------


def add_reduce(x: np.ndarray, axes, keepdim: bool):
    # np.sum and np.mean wrap ufunc.reduce in several layers of Python; on the small
    # arrays of a training step that wrapper costs more than the sum itself.
    if x.dtype.kind in "fc":
        return np.add.reduce(x, axis=axes, keepdims=keepdim)
    return np.sum(x, axis=axes, keepdims=keepdim)


class Sum(Function):
    """y = Σ x over `axes`"""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.keep_shape = x.shape, keep_shape(x.shape, axes)
        return add_reduce(x, axes, keepdim)

    # dy/dx = 1 for every summed element
    @staticmethod
    def backward(ctx, grad):
        return spread(grad, ctx)


def sum_(x, dim=None, keepdim: bool = False):
    if type(x) is np.ndarray and x.dtype.kind == "f":
        # Inside a plain backward pass: nothing to record, so skip the op machinery.
        return np.add.reduce(x, axis=dim, keepdims=keepdim)
    return Sum.apply(x, normalize_dims(dim, ndim_of(x), "sum"), keepdim)


class BroadcastTo(Function):
    """y = x repeated (as a view) along broadcast axes"""

    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise broadcast_error("expand", x.shape, shape) from None

    # every copy sends its gradient back to the one element it came from
    @staticmethod
    def backward(ctx, grad):
        return sum_to_shape(grad, ctx.shape)


def broadcast_to(x, shape):
    if tuple(x.shape) == tuple(shape):
        return x
    return BroadcastTo.apply(x, tuple(shape))


def sum_to_shape(grad, shape: tuple):
    """Undo broadcasting: sum `grad` down to `shape` (arrays or Tensors)."""
    grad_shape = grad.shape
    if grad_shape == shape:
        return grad
    lead = len(grad_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad_shape[lead + i] != 1
    )
    if axes:
        grad = sum_(grad, axes, True)
    return grad.reshape(shape)


# -- selection ----------------------------------------------------------------------------


class Where(Function):
    """z = a where condition else b"""

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.condition = condition
        ctx.shapes = (shape_of(a), shape_of(b))
        try:
            return np.where(condition, a, b)
        except ValueError:
            raise broadcast_error("where", shape_of(condition), *ctx.shapes) from None

    # the gradient goes to whichever input was chosen
    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        cond = ctx.condition
        return (
            None,
            sum_to_shape(where(cond, grad, 0), sa),
            sum_to_shape(where(cond, 0, grad), sb),
        )


def where(condition, a, b):
    """Elementwise `a if condition else b`; differentiable in a and b."""
    if isinstance(condition, TensorBase):
        condition = condition._data
    return Where.apply(condition, a, b)


def nondifferentiable(fn, *args):
    """Apply a NumPy function whose result has no gradient (comparisons, sign, argmax)."""
    arrays = [a._data if isinstance(a, TensorBase) else a for a in args]
    out = fn(*arrays)
    if any(isinstance(a, TensorBase) for a in args):
        return TensorBase._wrap(np.asarray(out))
    return out
