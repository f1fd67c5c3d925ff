"""Comparisons and selection with PyTorch's names: eq, ne, lt, le, gt, ge, equal, isclose,
allclose, where. Comparisons have no gradient; `where` passes it to the chosen input."""

from __future__ import annotations

import numpy as np

from . import dtypes, ops
from .autograd.tensor_base import TensorBase


def _array(x):
    return x._data if isinstance(x, TensorBase) else np.asarray(x)


def eq(input, other):
    return ops.nondifferentiable(np.equal, input, other)


def ne(input, other):
    return ops.nondifferentiable(np.not_equal, input, other)


def lt(input, other):
    return ops.nondifferentiable(np.less, input, other)


def le(input, other):
    return ops.nondifferentiable(np.less_equal, input, other)


def gt(input, other):
    return ops.nondifferentiable(np.greater, input, other)


def ge(input, other):
    return ops.nondifferentiable(np.greater_equal, input, other)


def equal(input, other) -> bool:
    """True if both have the same shape and the same elements (a Python bool)."""
    a, b = _array(input), _array(other)
    return a.shape == b.shape and bool(np.array_equal(a, b))


def isclose(input, other, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False):
    """|input - other| <= atol + rtol·|other|, elementwise."""
    return ops.nondifferentiable(
        lambda a, b: np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan), input, other)


def allclose(input, other, rtol: float = 1e-5, atol: float = 1e-8,
             equal_nan: bool = False) -> bool:
    return bool(np.allclose(_array(input), _array(other), rtol=rtol, atol=atol,
                            equal_nan=equal_nan))


def where(condition, input=None, other=None):
    """`input` where `condition` holds, else `other` (tensors or numbers; always a Tensor).

    With only a condition, the indices where it holds, one tensor per dimension.
    """
    if input is None and other is None:
        return tuple(TensorBase._wrap(i.astype(np.int64)) for i in np.nonzero(_array(condition)))
    if not isinstance(input, (TensorBase, np.ndarray)):
        if not isinstance(other, (TensorBase, np.ndarray)):  # two numbers: PyTorch's dtypes
            input = np.asarray(input, dtype=dtypes.infer(input))
            other = np.asarray(other, dtype=dtypes.infer(other))
    result = ops.where(condition, input, other)
    return result if isinstance(result, TensorBase) else TensorBase._wrap(np.asarray(result))


def tensor_where(self, condition, other):
    """Tensor.where(condition, other): self where condition holds, else other."""
    return where(condition, self, other)
