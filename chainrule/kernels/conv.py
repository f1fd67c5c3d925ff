"""Convolution's data movement, compiled: the reference is ops/conv.py.

The reference spends most of a convolution's time outside its GEMM, in NumPy passes
that move data: building the columns through a strided view and a reshaping copy,
transposing the product back to (N, O, Ho, Wo), transposing the output gradient to
rows, and scattering the columns' gradient back with one strided addition per kernel
offset. Each of these is one loop here, run in parallel, writing every element once.
The GEMMs stay where the reference has them: one large product per group, which
OpenBLAS runs on all cores faster than the compiled loops could.

The inner loops index views that start at the window's first element (`target[j]`, not
`row[start + j]`): numba cannot rule out a negative offset index and then checks each
one for wraparound, which keeps the loop scalar. With the views and a unit-stride case,
the second convolution of bench/bench_cnn.py builds its columns in 3.8 ms instead of
5.9, and scatters them back in 3.4 ms instead of 7.0.

Layouts, as in the reference: columns are (C·kh·kw, N·Ho·Wo), a row per (channel, ki,
kj) in the order the weight (O, C/groups, kh, kw) flattens, a column per (image,
output row, output column); for groups g this is the reference's (g, Cg·kh·kw, N·Ho·Wo)
in the same memory. The padded input is never built: im2col pads one plane at a time
in a small buffer of its thread, and col2im works out once per kernel offset which
output columns read inside the input (`_inside`) and drops the rest. That saves
np.pad's copy of the input and the cropping copy of its gradient (1 ms in the same
convolution).
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, get_thread_id, njit, prange


@njit(cache=True)
def _inside(offset, stride, size, count):
    """The output positions j in [0, count) whose input position j·stride + offset lies
    in [0, size): the range [first, stop), empty where the window is all padding."""
    first = min(max(0, (stride - 1 - offset) // stride), count)
    stop = min(max(first, (size - offset + stride - 1) // stride), count)
    return first, stop


@njit(parallel=True, cache=True)
def _im2col(x, kh, kw, sh, sw, dh, dw, pt, pl, ho, wo, padded):
    n, c, h, w = x.shape
    cols = np.empty((c * kh * kw, n * ho * wo), dtype=x.dtype)
    for plane in prange(c * n):  # channel-major: a thread fills its rows front to back
        channel, image = plane // n, plane % n
        # this plane, padded, in the thread's own buffer (its border stays zero): the
        # window rows below are then plain copies of wo elements, read from L1 cache
        buffer = padded[get_thread_id()]
        for r in range(h):
            inner = buffer[pt + r, pl:]
            for q in range(w):
                inner[q] = x[image, channel, r, q]
        for ki in range(kh):
            for kj in range(kw):
                target_row = cols[(channel * kh + ki) * kw + kj, image * ho * wo :]
                for i in range(ho):
                    source = buffer[i * sh + ki * dh, kj * dw :]
                    target = target_row[i * wo :]
                    if sw == 1:  # the usual case, a plain copy the compiler vectorizes
                        for j in range(wo):
                            target[j] = source[j]
                    else:
                        for j in range(wo):
                            target[j] = source[j * sw]
    return cols


def im2col(x: np.ndarray, kh: int, kw: int, stride, dilation, padding, ho: int,
           wo: int) -> np.ndarray:
    """(C·kh·kw, N·Ho·Wo) columns of x (N, C, H, W) padded by ((top, bottom), (left,
    right))."""
    (pt, pb), (pl, pr) = padding
    h, w = x.shape[2:]
    padded = np.zeros((get_num_threads(), h + pt + pb, w + pl + pr), dtype=x.dtype)
    return _im2col(np.ascontiguousarray(x), kh, kw, *stride, *dilation, pt, pl, ho, wo,
                   padded)


@njit(parallel=True, cache=True)
def _col2im(cols, kh, kw, sh, sw, dh, dw, pt, pl, ho, wo, dx):
    n, c, h, w = dx.shape
    # a thread per channel: the kh·kw rows that add into one channel stay on one thread
    for channel in prange(c):
        for ki in range(kh):
            for kj in range(kw):
                offset = kj * dw - pl
                first, stop = _inside(offset, sw, w, wo)
                if first == stop:
                    continue
                source_row = cols[(channel * kh + ki) * kw + kj]
                for image in range(n):
                    for i in range(ho):
                        r = i * sh + ki * dh - pt
                        if r < 0 or r >= h:  # entries read from the padding go nowhere
                            continue
                        target = dx[image, channel, r, offset + first * sw :]
                        source = source_row[(image * ho + i) * wo + first :]
                        if sw == 1:
                            for j in range(stop - first):
                                target[j] += source[j]
                        else:
                            for j in range(stop - first):
                                target[j * sw] += source[j]


def col2im(cols: np.ndarray, input_shape: tuple, kh: int, kw: int, stride, dilation,
           padding, ho: int, wo: int) -> np.ndarray:
    """The adjoint of im2col: each column entry added back where it was read from, the
    ones read from the padding dropped; (N, C, H, W)."""
    dx = np.zeros(input_shape, dtype=cols.dtype)
    (pt, _), (pl, _) = padding
    _col2im(np.ascontiguousarray(cols), kh, kw, *stride, *dilation, pt, pl, ho, wo, dx)
    return dx


@njit(parallel=True, cache=True)
def _rows_to_images(rows, bias, y):
    n, o, positions = y.shape
    for plane in prange(n * o):
        image, channel = plane // o, plane % o
        source = rows[channel, image * positions : (image + 1) * positions]
        target = y[image, channel]
        b = bias[channel]
        for p in range(positions):
            target[p] = source[p] + b


def rows_to_images(rows: np.ndarray, bias: np.ndarray | None, n: int, ho: int,
                   wo: int) -> np.ndarray:
    """(O, N·Ho·Wo) GEMM product -> (N, O, Ho, Wo), with the bias added on the way."""
    o = rows.shape[0]
    bias = np.zeros(o, dtype=rows.dtype) if bias is None else bias.astype(rows.dtype, copy=False)
    y = np.empty((n, o, ho * wo), dtype=rows.dtype)
    _rows_to_images(np.ascontiguousarray(rows), bias, y)
    return y.reshape(n, o, ho, wo)


@njit(parallel=True, cache=True)
def _images_to_rows(grad, rows):
    n, o, positions = grad.shape
    for plane in prange(n * o):
        image, channel = plane // o, plane % o
        rows[channel, image * positions : (image + 1) * positions] = grad[image, channel]


def images_to_rows(grad: np.ndarray) -> np.ndarray:
    """(N, O, Ho, Wo) -> (O, N·Ho·Wo), the layout the GEMMs multiply."""
    n, o, ho, wo = grad.shape
    rows = np.empty((o, n * ho * wo), dtype=grad.dtype)
    _images_to_rows(np.ascontiguousarray(grad).reshape(n, o, ho * wo), rows)
    return rows
