"""Elementwise functions NumPy has no ufunc for, compiled: references in ops/unary.py."""

from __future__ import annotations

import math

import numpy as np
from numba import njit


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
