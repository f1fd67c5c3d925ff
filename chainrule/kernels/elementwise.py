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
    if grad.shape != y.shape or grad.strides != y.strides:
        return np.where(y <= 0, 0, grad)
    flat_grad = grad.ravel(order="K")
    if not np.may_share_memory(flat_grad, grad):  # not one block (a slice): raveling
        return np.where(y <= 0, 0, grad)  # copied it, and would copy y too
    out = np.empty_like(grad)  # the same memory order as grad
    _relu_backward(flat_grad, y.ravel(order="K"), out.ravel(order="K"))
    return out
