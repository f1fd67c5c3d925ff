"""Conv blocks pooled straight from the convolution's GEMM: the loops of ops/conv_blocks.py.

The convolution's product arrives as `rows` (O, N·H·W), one contiguous row per output
channel, seen here as rows4 (O, N, H, W). These kernels never write the convolution's
output in (N, O, H, W): they pool from the rows, with the bias, or the batch norm's
per-channel scale and shift, applied to each value as it is read, and a ReLU to each
maximum; backward, they scatter each window's gradient (zero where the ReLU's output was
<= 0, a NaN passing it on) to its winner straight into the rows' layout. References:
ops/conv.py, ops/norm.py and ops/pool.py, the modules run one by one (NOTE
[ Convolution into pooling ] in nn/fusion.py).

Winners are offsets k = 2·(row in window) + (column in window), as max_pool2d's; the
first maximum wins ties and a NaN always wins.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .norm import SUMS
from .pool import _scatter_2x2


@njit(parallel=True, cache=True)
def _pool_rows_2x2(rows4, shift, center, scale, relu, best, arg):
    n, o, ho, wo = best.shape
    kind = best.dtype.type  # the values' own type: float64 constants would promote them
    for plane in prange(n * o):
        b, ch = plane // o, plane % o
        if scale is None:  # no batch norm: numba compiles this case on its own, where the
            m, a = kind(0), kind(1)  # constants fold away (x - m)·a (20% of the time)
        else:
            m, a = center[ch], scale[ch]
        c = shift[ch]
        for i in range(ho):
            for j in range(wo):
                value, winner = (rows4[ch, b, 2 * i, 2 * j] - m) * a + c, 0
                for k, v in ((1, (rows4[ch, b, 2 * i, 2 * j + 1] - m) * a + c),
                             (2, (rows4[ch, b, 2 * i + 1, 2 * j] - m) * a + c),
                             (3, (rows4[ch, b, 2 * i + 1, 2 * j + 1] - m) * a + c)):
                    if v > value or v != v:
                        value, winner = v, k
                if relu:  # max(value, 0), a NaN kept
                    value = 0 if value < 0 else value
                best[b, ch, i, j] = value
                arg[b, ch, i, j] = winner


def max_pool2x2_from_rows(rows: np.ndarray, n: int, h: int, w: int, bias=None,
                          batch_norm=None, relu: bool = False) -> tuple:
    """2×2 max pooling of rows + bias (bias (O,) or None), or of the batch-normalized
    rows (x - mean)·scale + shift with batch_norm = (mean, scale, shift), each (O,); then
    ReLU if `relu`: (maxima (N, O, H/2, W/2), winners as in max_pool2d)."""
    o, dtype = rows.shape[0], rows.dtype
    if batch_norm is None:
        shift = np.zeros(o, dtype) if bias is None else bias.astype(dtype, copy=False)
        center = scale = None
    else:
        center, scale, shift = (a.astype(dtype, copy=False) for a in batch_norm)
    best = np.empty((n, o, h // 2, w // 2), dtype=dtype)
    arg = np.empty(best.shape, dtype=np.int64)
    _pool_rows_2x2(np.ascontiguousarray(rows).reshape(o, n, h, w), shift, center, scale, relu,
                   best, arg)
    return best, arg


def max_pool2x2_scatter_to_rows(grad: np.ndarray, arg: np.ndarray, h: int, w: int,
                                relu_output: np.ndarray | None = None) -> tuple:
    """The gradient of max_pool2x2_from_rows without batch_norm: (N, O, H/2, W/2) ->
    (rows (O, N·H·W), their sums per channel (O,), the bias's gradient); `relu_output`
    is its output when it applied ReLU."""
    n, o = grad.shape[:2]
    rows = np.empty((o, n * h * w), dtype=grad.dtype)
    plane_sums = np.empty((n, o))
    # the rows seen as (N, O, H, W), a transposed view: the same loop as max_pool2d's
    # gradient writes them, as fast as into a contiguous array; each window's gradient
    # lands once, so the rows' sums are the windows' (a quarter of the reading)
    _scatter_2x2(np.ascontiguousarray(grad), arg, rows.reshape(o, n, h, w).transpose(1, 0, 2, 3),
                 relu_output, plane_sums)
    return rows, plane_sums.sum(0).astype(grad.dtype)


# -- batch normalization between the convolution and the pooling -----------------------------


@njit(parallel=True, cache=True, error_model="numpy", fastmath=SUMS)
def _channel_statistics(rows, mean, var):
    o, count = rows.shape
    for ch in prange(o):  # two passes, as the batch norm kernel: the mean, then deviations
        row = rows[ch]
        total = 0.0
        for p in range(count):
            total += row[p]
        m = total / count
        deviations = 0.0
        for p in range(count):
            d = row[p] - m
            deviations += d * d
        mean[ch], var[ch] = m, deviations / count


def channel_statistics(rows: np.ndarray) -> tuple:
    """Each row's mean and biased variance, in float64: (O,), (O,)."""
    o = rows.shape[0]
    mean, var = np.empty(o), np.empty(o)
    _channel_statistics(np.ascontiguousarray(rows), mean, var)
    return mean, var


@njit(cache=True)
def _at_winner(grad, arg, relu_output, b, ch, i, j):
    """Window (b, ch, i, j)'s gradient (zero where the ReLU's output is <= 0, a NaN
    passing it on) and its winner's row and column."""
    g = grad[b, ch, i, j]
    if relu_output is not None:
        g = 0 if relu_output[b, ch, i, j] <= 0 else g
    k = arg[b, ch, i, j]
    return g, 2 * i + (k >> 1), 2 * j + (k & 1)


@njit(parallel=True, cache=True, error_model="numpy", fastmath=SUMS)
def _batch_norm_scatter(grad, arg, relu_output, rows4, mean, inv_std, weight, dx4,
                        grad_weight, grad_bias, dx_sums):
    n, o, ho, wo = grad.shape
    count = rows4[0].size
    for ch in prange(o):
        m, s, source, target = mean[ch], inv_std[ch], rows4[ch], dx4[ch]
        # the normalized output's gradient g is nonzero at the winners only: its two
        # sums Σg and Σg·x̂ are sums over the windows
        gb, gw = 0.0, 0.0
        for b in range(n):
            for i in range(ho):
                for j in range(wo):
                    g, r, q = _at_winner(grad, arg, relu_output, b, ch, i, j)
                    x_hat = (source[b, r, q] - m) * s
                    gb += g
                    gw += g * x_hat
        grad_bias[ch], grad_weight[ch] = gb, gw
        mean_g, mean_gw, scale = gb / count, gw / count, weight[ch] * s
        # dx = scale·(g - mean g - x̂·mean(g·x̂)): everywhere with g = 0, then the winners;
        # dx's sum (the conv bias's gradient, zero but for rounding) on the way
        total = scale * gb
        for b in range(n):
            for r in range(2 * ho):
                for q in range(2 * wo):
                    x_hat = (source[b, r, q] - m) * s
                    value = (0 - mean_g - x_hat * mean_gw) * scale
                    target[b, r, q] = value
                    total += value
        dx_sums[ch] = total
        for b in range(n):
            for i in range(ho):
                for j in range(wo):
                    g, r, q = _at_winner(grad, arg, relu_output, b, ch, i, j)
                    x_hat = (source[b, r, q] - m) * s
                    target[b, r, q] = (g - mean_g - x_hat * mean_gw) * scale


def batch_norm_max_pool2x2_scatter_to_rows(grad, arg, relu_output, rows, mean, inv_std,
                                           weight, h: int, w: int) -> tuple:
    """The gradients of max_pool2x2_from_rows(rows, batch_norm=(mean, weight·inv_std,
    bias)) in `rows` and in the batch norm's weight and bias: (dx rows (O, N·H·W), dx's
    sums per channel (O,), Σg·x̂ (O,), Σg (O,)), with mean and inv_std the rows' batch
    statistics."""
    n, o = grad.shape[:2]
    dx = np.empty((o, n * h * w), dtype=grad.dtype)
    grad_weight, grad_bias = np.empty(o, grad.dtype), np.empty(o, grad.dtype)
    dx_sums = np.empty(o, grad.dtype)
    _batch_norm_scatter(np.ascontiguousarray(grad), arg, relu_output,
                        np.ascontiguousarray(rows).reshape(o, n, h, w), mean, inv_std, weight,
                        dx.reshape(o, n, h, w), grad_weight, grad_bias, dx_sums)
    return dx, dx_sums, grad_weight, grad_bias
