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
        out[i] = grad[i] if y[i] > 0 else 0


PARALLEL_FROM = 1 << 16  # elements; below this, waking the threads costs more than it saves


def relu_backward(grad: np.ndarray, y: np.ndarray) -> np.ndarray:
    """grad where y > 0, else 0: one pass, no boolean mask in between."""
    if grad.shape != y.shape or grad.size < PARALLEL_FROM:
        return grad * (y > 0)
    out = np.empty(grad.shape, dtype=grad.dtype)
    _relu_backward(np.ascontiguousarray(grad).reshape(-1), np.ascontiguousarray(y).reshape(-1),
                   out.reshape(-1))
    return out
