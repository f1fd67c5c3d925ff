"""Max pooling: the largest value of each window, and its gradient back to that element.

The windows are visited one kernel offset at a time: for offset (i, j), the strided
view xp[..., i·d::s, j·d::s] holds that element of every window. A running maximum
over the kh·kw views finds each window's maximum and, with a strict comparison, the
first offset that attains it (PyTorch's rule on ties) without copying the windows.
The backward and its own adjoint walk the same views.
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..autograd.function import Function


def pool_output_size(size: int, kernel: int, stride: int, pad: int, dilation: int,
                     ceil_mode: bool) -> int:
    """PyTorch's rule: with ceil_mode, a last window must still start inside the input."""
    span = dilation * (kernel - 1) + 1
    numerator = size + 2 * pad - span
    out = (-(-numerator // stride) if ceil_mode else numerator // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


class PoolWindows:
    """The geometry of a pooling: padded size, output size, and the view per kernel offset."""

    def __init__(self, shape: tuple, kernel, stride, padding, dilation, ceil_mode) -> None:
        n, c, h, w = shape
        (self.kh, self.kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
        self.ho = pool_output_size(h, self.kh, sh, ph, dh, ceil_mode)
        self.wo = pool_output_size(w, self.kw, sw, pw, dw, ceil_mode)
        # ceil_mode may need room past the padding for the last window
        extra_h = max(0, (self.ho - 1) * sh + dh * (self.kh - 1) + 1 - (h + 2 * ph))
        extra_w = max(0, (self.wo - 1) * sw + dw * (self.kw - 1) + 1 - (w + 2 * pw))
        self.widths = ((0, 0), (0, 0), (ph, ph + extra_h), (pw, pw + extra_w))
        self.padded_shape = (n, c, h + 2 * ph + extra_h, w + 2 * pw + extra_w)
        self.crop = (slice(None), slice(None), slice(ph, ph + h), slice(pw, pw + w))
        self.input_shape = shape
        self.step = (sh, sw, dh, dw)
        # windows that cannot overlap give every input element to at most one window
        self.disjoint = sh >= dh * (self.kh - 1) + 1 and sw >= dw * (self.kw - 1) + 1

    def view(self, padded: np.ndarray, offset: int) -> np.ndarray:
        i, j = divmod(offset, self.kw)
        sh, sw, dh, dw = self.step
        return padded[:, :, i * dh : i * dh + sh * (self.ho - 1) + 1 : sh,
                      j * dw : j * dw + sw * (self.wo - 1) + 1 : sw]

    def pad(self, x: np.ndarray, value: float) -> np.ndarray:
        if not any(map(any, self.widths)):
            return x
        return np.pad(x, self.widths, constant_values=value)


class MaxPool2d(Function):
    """y[n, c, i, j] = max over window (i, j) of x[n, c]; x (N, C, H, W).

    With `return_indices`, a second output (not differentiable) holds each maximum's
    flat position in H·W, as PyTorch's.
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode, return_indices):
        windows = PoolWindows(x.shape, kernel, stride, padding, dilation, ceil_mode)
        kernel = kernels.get("max_pool2d")
        # The winners' offsets are kept until backward, so the reference keeps them small.
        # The compiled loops store int64 twice as fast as any narrower type (1.3 against
        # 3.0 ms for bench_cnn's first pooling), which is worth the memory.
        small = windows.kh * windows.kw < 2 ** 15 and not kernel
        index_type = np.int16 if small else np.int64
        if kernel:
            best, arg = kernel(x, windows, index_type)
        else:
            best, arg = _max_pool_reference(x, windows, index_type)
        ctx.windows, ctx.arg = windows, arg
        if not return_indices:
            return best
        indices = _flat_indices(windows, arg)
        ctx.mark_non_differentiable(indices)
        return best, indices

    # each window's gradient goes to the element that was its maximum
    @staticmethod
    def backward(ctx, grad, grad_indices=None):
        return ScatterToWindows.apply(grad, ctx.windows, ctx.arg)


def _max_pool_reference(x, windows: PoolWindows, index_type) -> tuple:
    xp = windows.pad(x, -np.inf)
    best = windows.view(xp, 0).copy()
    arg = np.zeros(best.shape, dtype=index_type)
    for offset in range(1, windows.kh * windows.kw):
        candidate = windows.view(xp, offset)
        # strict: the first maximum keeps the gradient; a NaN always wins (the last of
        # several), as in PyTorch
        better = np.greater(candidate, best)
        better |= np.isnan(candidate)
        np.maximum(best, candidate, out=best)
        np.copyto(arg, index_type(offset), where=better)
    return best, arg


def max_pool2d(x, kernel, stride, padding, dilation, ceil_mode, return_indices=False):
    """The pooled values, and with `return_indices` also their flat positions."""
    return MaxPool2d.apply(x, kernel, stride, padding, dilation, ceil_mode, return_indices)


class ScatterToWindows(Function):
    """dx = Σ over kernel offsets k of grad placed where window argmax == k"""

    @staticmethod
    def forward(ctx, grad, windows: PoolWindows, arg):
        ctx.windows, ctx.arg = windows, arg
        kernel = kernels.get("max_pool2d_scatter")
        if kernel:
            return kernel(grad, windows, arg)
        padded = np.zeros(windows.padded_shape, dtype=grad.dtype)
        for offset in range(windows.kh * windows.kw):
            target = windows.view(padded, offset)
            if windows.disjoint:  # nothing to add to: write the product in place
                np.multiply(grad, arg == offset, out=target)
            else:
                target += grad * (arg == offset)
        return padded[windows.crop]

    @staticmethod
    def backward(ctx, v):
        return GatherFromWindows.apply(v, ctx.windows, ctx.arg), None, None


class GatherFromWindows(Function):
    """y = the element of v at each window's argmax (the adjoint of ScatterToWindows)"""

    @staticmethod
    def forward(ctx, v, windows: PoolWindows, arg):
        ctx.windows, ctx.arg = windows, arg
        kernel = kernels.get("max_pool2d_gather")
        if kernel:
            return kernel(v, windows, arg)
        vp = windows.pad(v, 0.0)
        out = np.zeros(arg.shape, dtype=v.dtype)
        for offset in range(windows.kh * windows.kw):
            np.copyto(out, windows.view(vp, offset), where=arg == offset)
        return out

    @staticmethod
    def backward(ctx, grad):
        return ScatterToWindows.apply(grad, ctx.windows, ctx.arg), None, None


def _flat_indices(windows: PoolWindows, arg: np.ndarray) -> np.ndarray:
    sh, sw, dh, dw = windows.step
    (ph, _), (pw, _) = windows.widths[2], windows.widths[3]
    rows = np.arange(windows.ho)[:, None] * sh + (arg // windows.kw) * dh - ph
    cols = np.arange(windows.wo) * sw + (arg % windows.kw) * dw - pw
    return (rows * windows.input_shape[3] + cols).astype(np.int64)
