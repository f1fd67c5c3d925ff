"""Batch normalization's passes, compiled: the reference is BatchNorm in ops/norm.py.

NumPy reduces an (N, C, H, W) array over N, H and W with strided passes, one per sum.
Here each channel is a thread's work: its statistics in two passes (the mean, then the
squared deviations from it, as the reference), x̂ and y in a third; backward, the two
per-channel sums in one pass and the input's gradient in another. Arrays arrive as
(N, C, S), S the positions per channel (H·W, a length, or 1). The sums accumulate in
float64 and may be reassociated (SUMS), so the compiler runs them on SIMD lanes.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

SUMS = {"reassoc", "contract"}


@njit(parallel=True, cache=True, error_model="numpy", fastmath=SUMS)
def _forward(x, eps, weight, bias, x_hat, y, mean, var, inv_std):
    n, c, s = x.shape
    count = n * s
    for ch in prange(c):
        total = 0.0
        for i in range(n):
            for p in range(s):
                total += x[i, ch, p]
        m = total / count
        deviations = 0.0
        for i in range(n):
            for p in range(s):
                d = x[i, ch, p] - m
                deviations += d * d
        v = deviations / count
        scale = 1 / np.sqrt(v + eps)
        mean[ch], var[ch], inv_std[ch] = m, v, scale
        for i in range(n):
            for p in range(s):
                normalized = (x[i, ch, p] - m) * scale
                x_hat[i, ch, p] = normalized
                y[i, ch, p] = normalized * weight[ch] + bias[ch]


def batch_norm(x: np.ndarray, weight, bias, eps: float) -> tuple:
    """(y, x̂, mean, biased variance, 1/√(var + eps)) of x (N, C, ...); the statistics (C,)."""
    c = x.shape[1]
    flat = np.ascontiguousarray(x).reshape(x.shape[0], c, -1)
    ones = np.ones(c, dtype=x.dtype)
    weight = ones if weight is None else weight
    bias = np.zeros(c, dtype=x.dtype) if bias is None else bias
    x_hat, y = np.empty_like(flat), np.empty_like(flat)
    mean, var, inv_std = (np.empty(c, dtype=x.dtype) for _ in range(3))
    _forward(flat, eps, weight, bias, x_hat, y, mean, var, inv_std)
    return y.reshape(x.shape), x_hat.reshape(x.shape), mean, var, inv_std


@njit(parallel=True, cache=True, error_model="numpy", fastmath=SUMS)
def _backward(grad, x_hat, scale, grad_bias, grad_weight, grad_x):
    n, c, s = grad.shape
    count = n * s
    for ch in prange(c):
        gb, gw = 0.0, 0.0
        for i in range(n):
            for p in range(s):
                g = grad[i, ch, p]
                gb += g
                gw += g * x_hat[i, ch, p]
        grad_bias[ch], grad_weight[ch] = gb, gw
        mean_g, mean_gw = gb / count, gw / count
        for i in range(n):
            for p in range(s):
                grad_x[i, ch, p] = (grad[i, ch, p] - mean_g - x_hat[i, ch, p] * mean_gw) * scale[ch]


def batch_norm_backward(grad: np.ndarray, x_hat: np.ndarray, scale: np.ndarray) -> tuple:
    """(dx, Σg, Σg·x̂) with dx = scale·(g - mean g - x̂·mean(g·x̂)); scale (C,) = w/√(var+eps)."""
    c = grad.shape[1]
    g = np.ascontiguousarray(grad).reshape(grad.shape[0], c, -1)
    grad_x = np.empty_like(g)
    grad_bias, grad_weight = np.empty(c, dtype=grad.dtype), np.empty(c, dtype=grad.dtype)
    _backward(g, np.ascontiguousarray(x_hat).reshape(g.shape), scale, grad_bias, grad_weight,
              grad_x)
    return grad_x.reshape(grad.shape), grad_bias, grad_weight
