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
in the same memory. Inputs arrive padded, so no loop checks bounds.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True)
def _im2col(xp, kh, kw, sh, sw, dh, dw, ho, wo, cols):
    n, c = xp.shape[0], xp.shape[1]
    for row in prange(c * kh * kw):
        channel, ki, kj = row // (kh * kw), (row // kw) % kh, row % kw
        target_row = cols[row]
        for image in range(n):
            for i in range(ho):
                source = xp[image, channel, i * sh + ki * dh, kj * dw :]
                target = target_row[(image * ho + i) * wo :]
                if sw == 1:  # the usual case, a plain copy the compiler vectorizes
                    for j in range(wo):
                        target[j] = source[j]
                else:
                    for j in range(wo):
                        target[j] = source[j * sw]


def im2col(xp: np.ndarray, kh: int, kw: int, stride, dilation, ho: int, wo: int) -> np.ndarray:
    """(C·kh·kw, N·Ho·Wo) columns of the padded input xp (N, C, Hp, Wp)."""
    n, c = xp.shape[:2]
    cols = np.empty((c * kh * kw, n * ho * wo), dtype=xp.dtype)
    _im2col(np.ascontiguousarray(xp), kh, kw, *stride, *dilation, ho, wo, cols)
    return cols


@njit(parallel=True, cache=True)
def _col2im(cols, kh, kw, sh, sw, dh, dw, ho, wo, dxp):
    n, c = dxp.shape[0], dxp.shape[1]
    # a thread per channel: the kh·kw rows that add into one channel stay on one thread
    for channel in prange(c):
        for ki in range(kh):
            for kj in range(kw):
                source_row = cols[(channel * kh + ki) * kw + kj]
                for image in range(n):
                    for i in range(ho):
                        target = dxp[image, channel, i * sh + ki * dh, kj * dw :]
                        source = source_row[(image * ho + i) * wo :]
                        if sw == 1:
                            for j in range(wo):
                                target[j] += source[j]
                        else:
                            for j in range(wo):
                                target[j * sw] += source[j]


def col2im(cols: np.ndarray, padded_shape: tuple, kh: int, kw: int, stride, dilation,
           ho: int, wo: int) -> np.ndarray:
    """The adjoint of im2col: each column entry added back where it was read from."""
    dxp = np.zeros(padded_shape, dtype=cols.dtype)
    _col2im(np.ascontiguousarray(cols), kh, kw, *stride, *dilation, ho, wo, dxp)
    return dxp


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
