"""Max pooling: the largest value of each window, and its gradient back to that element."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd.function import Function
from .indexing import IndexAddIntoZeros


def pool_output_size(size: int, kernel: int, stride: int, pad: int, dilation: int,
                     ceil_mode: bool) -> int:
    """PyTorch's rule: with ceil_mode, a last window must still start inside the input."""
    span = dilation * (kernel - 1) + 1
    numerator = size + 2 * pad - span
    out = (-(-numerator // stride) if ceil_mode else numerator // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


class MaxPool2d(Function):
    """y[n, c, i, j] = max over the window (i, j) of x[n, c]; x (N, C, H, W)"""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode, indices_out=None):
        n, c, h, w = x.shape
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
        ho = pool_output_size(h, kh, sh, ph, dh, ceil_mode)
        wo = pool_output_size(w, kw, sw, pw, dw, ceil_mode)
        # pad with -inf; ceil_mode may need extra room at the end for the last window
        extra_h = max(0, (ho - 1) * sh + dh * (kh - 1) + 1 - (h + 2 * ph))
        extra_w = max(0, (wo - 1) * sw + dw * (kw - 1) + 1 - (w + 2 * pw))
        widths = ((0, 0), (0, 0), (ph, ph + extra_h), (pw, pw + extra_w))
        xp = np.pad(x, widths, constant_values=-np.inf) if any(map(any, widths)) else x
        hp, wp = xp.shape[2:]
        s = xp.strides
        windows = as_strided(xp, (n, c, ho, wo, kh, kw),
                             (s[0], s[1], s[2] * sh, s[3] * sw, s[2] * dh, s[3] * dw),
                             writeable=False).reshape(n, c, ho, wo, kh * kw)
        arg = windows.argmax(-1)
        y = np.take_along_axis(windows, arg[..., None], -1)[..., 0]
        # each maximum's position as a flat index into the padded input
        rows = np.arange(ho)[:, None] * sh + (arg // kw) * dh
        cols = np.arange(wo) * sw + (arg % kw) * dw
        planes = np.arange(n * c).reshape(n, c, 1, 1) * (hp * wp)
        ctx.flat_index = planes + rows * wp + cols
        ctx.padded_shape = (n, c, hp, wp)
        ctx.crop = (slice(None), slice(None), slice(ph, ph + h), slice(pw, pw + w))
        ctx.unique = sh >= dh * (kh - 1) + 1 and sw >= dw * (kw - 1) + 1  # windows apart
        if indices_out is not None:  # PyTorch's return_indices: flat positions in H·W
            indices_out.append((rows - ph) * w + (cols - pw))
        return y

    # the gradient of each window goes to its maximum (the first one, on ties)
    @staticmethod
    def backward(ctx, grad):
        size = int(np.prod(ctx.padded_shape))
        flat = IndexAddIntoZeros.apply(grad.reshape(-1), (size,), (ctx.flat_index.ravel(),),
                                       True, ctx.unique)
        return flat.reshape(ctx.padded_shape)[ctx.crop]


def max_pool2d(x, kernel, stride, padding, dilation, ceil_mode, return_indices=False):
    if not return_indices:
        return MaxPool2d.apply(x, kernel, stride, padding, dilation, ceil_mode)
    found: list = []
    y = MaxPool2d.apply(x, kernel, stride, padding, dilation, ceil_mode, found)
    return y, found[0]
