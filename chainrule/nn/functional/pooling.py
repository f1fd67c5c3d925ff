"""Pooling: max and average pooling, adaptive average pooling, nearest upsampling."""

from __future__ import annotations

import numpy as np

from ... import ops
from ...ops.conv import Geometry, conv2d
from ...ops.pool import max_pool2d as _max_pool2d
from ...ops.pool import pool_output_size
from .arguments import pair, single


def _pool_args(kernel_size, stride, padding, dilation=1):
    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None or stride == [] else pair(stride, "stride")
    padding, dilation = pair(padding, "padding"), pair(dilation, "dilation")
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"kernel_size, stride and dilation must be positive, got {kernel}, "
                         f"{stride} and {dilation}")
    for p, k, d in zip(padding, kernel, dilation):
        if p < 0 or p > (d * (k - 1) + 1) // 2:
            raise ValueError(
                f"pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d}"
            )
    return kernel, stride, padding, dilation


def _check_4d(input, op: str) -> None:
    if input.ndim != 4:
        raise RuntimeError(f"{op}: expected a 4-D input (N, C, H, W), got shape {input.shape}")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Largest value in each window. Shape: (N, C, H, W) -> (N, C, Ho, Wo)."""
    _check_4d(input, "max_pool2d")
    kernel, stride, padding, dilation = _pool_args(kernel_size, stride, padding, dilation)
    return _max_pool2d(input, kernel, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max pooling over the last axis. Shape: (N, C, L) -> (N, C, Lo)."""
    if input.ndim != 3:
        raise RuntimeError(f"max_pool1d: expected a 3-D input (N, C, L), got shape {input.shape}")
    out = max_pool2d(input.unsqueeze(2), (1, single(kernel_size, "kernel_size")),
                     None if stride is None else (1, single(stride, "stride")),
                     (0, single(padding, "padding")), (1, single(dilation, "dilation")),
                     ceil_mode, return_indices)
    if return_indices:
        return out[0].squeeze(2), out[1].squeeze(2)
    return out.squeeze(2)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None):
    """Mean of each window: a ones-kernel convolution divided by each window's count."""
    _check_4d(input, "avg_pool2d")
    kernel, stride, padding, _ = _pool_args(kernel_size, stride, padding)
    n, c, h, w = input.shape
    sizes = [pool_output_size(size, k, s, p, 1, ceil_mode)
             for size, k, s, p in zip((h, w), kernel, stride, padding)]
    # zero padding, plus room at the end for a ceil_mode window that runs past it
    extra = [max(0, (o - 1) * s + k - (size + 2 * p))
             for o, s, k, size, p in zip(sizes, stride, kernel, (h, w), padding)]
    geometry = Geometry(stride, ((padding[0], padding[0] + extra[0]),
                                 (padding[1], padding[1] + extra[1])), (1, 1), 1)
    ones = np.ones((1, 1) + kernel, dtype=input.dtype)
    sums = conv2d(input.reshape(n * c, 1, h, w), ones, None, geometry)
    if divisor_override is not None:
        divisor = np.asarray(divisor_override, dtype=input.dtype)
    else:
        counts = [_window_counts(o, s, k, size, p, count_include_pad)
                  for o, s, k, size, p in zip(sizes, stride, kernel, (h, w), padding)]
        divisor = np.outer(*counts).astype(input.dtype)
    return (sums / divisor).reshape(n, c, *sizes)


def _window_counts(out: int, stride: int, kernel: int, size: int, pad: int,
                   include_pad: bool) -> np.ndarray:
    starts = np.arange(out) * stride - pad
    ends = np.minimum(starts + kernel, size + pad)
    if not include_pad:
        starts, ends = np.maximum(starts, 0), np.minimum(ends, size)
    return ends - starts


def adaptive_avg_pool2d(input, output_size):
    """Average over PyTorch's adaptive bins: bin i spans [⌊iH/Ho⌋, ⌈(i+1)H/Ho⌉)."""
    _check_4d(input, "adaptive_avg_pool2d")
    ho, wo = pair(output_size, "output_size") if not isinstance(output_size, int) else \
        (output_size, output_size)
    h, w = input.shape[2:]
    ho, wo = ho or h, wo or w
    rows, cols = _bin_matrix(ho, h, input.dtype), _bin_matrix(wo, w, input.dtype)
    return ops.matmul(ops.matmul(rows, input), cols.T)


def _bin_matrix(out: int, size: int, dtype) -> np.ndarray:
    matrix = np.zeros((out, size), dtype=dtype)
    for i in range(out):
        start, end = (i * size) // out, -(-((i + 1) * size) // out)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


def interpolate(input, size=None, scale_factor=None, mode: str = "nearest"):
    """Resize the last two axes (or the last one) by nearest-neighbour sampling."""
    if mode != "nearest":
        raise NotImplementedError(f"interpolate: only mode='nearest' is supported, got {mode!r}")
    spatial = input.shape[2:]
    if input.ndim not in (3, 4):
        raise ValueError(f"interpolate expects (N, C, L) or (N, C, H, W), got {input.shape}")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        sizes = (size,) * len(spatial) if isinstance(size, int) else tuple(size)
        scales = [n / o for n, o in zip(spatial, sizes)]
    else:
        factors = (scale_factor,) * len(spatial) if isinstance(scale_factor, (int, float)) \
            else tuple(scale_factor)
        sizes = tuple(int(np.floor(n * f)) for n, f in zip(spatial, factors))
        scales = [1.0 / f for f in factors]
    out = input
    for axis, (n, o, scale) in enumerate(zip(spatial, sizes, scales)):
        source = np.minimum(np.floor(np.arange(o) * np.float32(scale)).astype(np.int64), n - 1)
        out = ops.index_select(out, 2 + axis, source)
    return out
