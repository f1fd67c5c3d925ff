"""Max pooling's loops, compiled: the reference is ops/pool.py.

Each (image, channel) plane is independent, so the planes are shared among threads.
The input arrives padded with -inf exactly as in the reference, so no loop checks
bounds, and a window's offset k = i·kw + j names the element that won, exactly as the
reference's `arg`: the first maximum wins ties (strict comparison), and a NaN always
wins, the last one if there are several (PyTorch's rule). `row_step[k]`, `col_step[k]`
are offset k's distance from the window's corner, looked up instead of divided out per
element.
The 2×2, stride-2 window, by far the most common, has its own loop with the four
comparisons written out: compiled with constants, it runs about eight times faster.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True)
def _max_pool(xp, row_step, col_step, sh, sw, best, arg):
    n, c, ho, wo = best.shape
    for plane in prange(n * c):
        b, ch = plane // c, plane % c
        for i in range(ho):
            for j in range(wo):
                value, winner = xp[b, ch, i * sh, j * sw], 0
                for k in range(1, row_step.size):
                    v = xp[b, ch, i * sh + row_step[k], j * sw + col_step[k]]
                    if v > value or v != v:
                        value, winner = v, k
                best[b, ch, i, j] = value
                arg[b, ch, i, j] = winner


@njit(parallel=True, cache=True)
def _max_pool_2x2(x, best, arg):
    n, c, ho, wo = best.shape
    for plane in prange(n * c):
        b, ch = plane // c, plane % c
        for i in range(ho):
            for j in range(wo):
                value, winner = x[b, ch, 2 * i, 2 * j], 0
                for k, v in ((1, x[b, ch, 2 * i, 2 * j + 1]), (2, x[b, ch, 2 * i + 1, 2 * j]),
                             (3, x[b, ch, 2 * i + 1, 2 * j + 1])):
                    if v > value or v != v:
                        value, winner = v, k
                best[b, ch, i, j] = value
                arg[b, ch, i, j] = winner


def _steps(windows):
    sh, sw, dh, dw = windows.step
    offsets = np.arange(windows.kh * windows.kw)
    return (offsets // windows.kw) * dh, (offsets % windows.kw) * dw


def _is_2x2(windows) -> bool:
    return (windows.kh, windows.kw) == (2, 2) and windows.step == (2, 2, 1, 1)


def max_pool2d(x, windows, index_type):
    """(maximum, winning offset) of every window; x (N, C, H, W), windows: PoolWindows."""
    n, c = x.shape[:2]
    best = np.empty((n, c, windows.ho, windows.wo), dtype=x.dtype)
    arg = np.empty(best.shape, dtype=index_type)
    xp = np.ascontiguousarray(windows.pad(x, -np.inf))
    if _is_2x2(windows):
        _max_pool_2x2(xp, best, arg)
    else:
        _max_pool(xp, *_steps(windows), *windows.step[:2], best, arg)
    return best, arg


@njit(parallel=True, cache=True)
def _scatter(grad, arg, row_step, col_step, sh, sw, out):
    n, c, ho, wo = grad.shape
    for plane in prange(n * c):
        b, ch = plane // c, plane % c
        for i in range(ho):
            for j in range(wo):
                k = arg[b, ch, i, j]
                out[b, ch, i * sh + row_step[k], j * sw + col_step[k]] += grad[b, ch, i, j]


@njit(parallel=True, cache=True)
def _scatter_2x2(grad, arg, out, relu_output=None, plane_sums=None):
    n, c, ho, wo = grad.shape
    for plane in prange(n * c):
        b, ch = plane // c, plane % c
        image = out[b, ch]
        total = 0.0
        for i in range(ho):
            # zero both input rows, then one store per window at its winner: no branch
            # on the winner, which is random in real data (3.3 ms against 1.0 ms written
            # as four selects, for bench_cnn's first pooling)
            for j in range(2 * wo):
                image[2 * i, j] = 0
                image[2 * i + 1, j] = 0
            for j in range(wo):
                k = arg[b, ch, i, j]
                g = grad[b, ch, i, j]
                if relu_output is not None:  # a ReLU after the pooling: its gradient
                    g = 0 if relu_output[b, ch, i, j] <= 0 else g  # (a NaN passes g on)
                image[2 * i + (k >> 1), 2 * j + (k & 1)] = g
                total += g
        if plane_sums is not None:  # the plane's sum, for a bias gradient
            plane_sums[b, ch] = total


def max_pool2d_scatter(grad, windows, arg):
    """dx: each window's gradient added to the element that won it."""
    n, c, h, w = windows.input_shape
    if _is_2x2(windows) and h % 2 == 0 and w % 2 == 0:
        # the windows tile the input: every element is written once, no zeroing first
        out = np.empty(windows.input_shape, dtype=grad.dtype)
        _scatter_2x2(np.ascontiguousarray(grad), arg, out)
        return out
    padded = np.zeros(windows.padded_shape, dtype=grad.dtype)
    _scatter(np.ascontiguousarray(grad), arg, *_steps(windows), *windows.step[:2], padded)
    return padded[windows.crop]


@njit(parallel=True, cache=True)
def _gather(vp, arg, row_step, col_step, sh, sw, out):
    n, c, ho, wo = out.shape
    for plane in prange(n * c):
        b, ch = plane // c, plane % c
        for i in range(ho):
            for j in range(wo):
                k = arg[b, ch, i, j]
                out[b, ch, i, j] = vp[b, ch, i * sh + row_step[k], j * sw + col_step[k]]


def max_pool2d_gather(v, windows, arg):
    """The element of v at each window's winner (the adjoint of the scatter)."""
    out = np.empty(arg.shape, dtype=v.dtype)
    vp = np.ascontiguousarray(windows.pad(v, 0.0))
    _gather(vp, arg, *_steps(windows), *windows.step[:2], out)
    return out
