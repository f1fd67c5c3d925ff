"""Elementwise functions NumPy has no ufunc for, compiled: references in ops/unary.py."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange


@njit(cache=True)
def _erf(x, out):
    for i in range(x.size):
        out[i] = math.erf(x[i])


def erf(x: np.ndarray) -> np.ndarray:
    """erf of every element by libm's erf (to the last bit in float64); any shape."""
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty(flat.shape, dtype=x.dtype if x.dtype.kind == "f" else np.float64)
    _erf(flat, out)
    return out.reshape(x.shape)


@njit(parallel=True, cache=True)
def _relu_backward(grad, y, out):
    for i in prange(grad.size):
        out[i] = 0 if y[i] <= 0 else grad[i]


def relu_backward(grad: np.ndarray, y: np.ndarray) -> np.ndarray:
    """0 where y <= 0, else grad (a NaN passes it on): one pass, no boolean mask.

    Works in the arrays' own memory order (channels-last views included), so nothing
    is copied; arrays laid out differently take NumPy's two passes.
    """
    same_layout = grad.shape == y.shape and grad.strides == y.strides
    flat_grad = grad.ravel(order="K") if same_layout else None
    # not one block (a slice): raveling copied it, and would copy y too
    if flat_grad is None or not np.may_share_memory(flat_grad, grad):
        return np.where(y <= 0, 0, grad)
    out = np.empty_like(grad)  # the same memory order as grad
    _relu_backward(flat_grad, y.ravel(order="K"), out.ravel(order="K"))
    return out
