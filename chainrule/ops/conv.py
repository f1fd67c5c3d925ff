"""2-D convolution as three ops that are each other's adjoints.

NOTE [ Convolution and its two adjoints ]
For a fixed geometry (stride, padding, dilation, groups), write A_w for the linear
map x ↦ conv(x, w). Then

    conv(x, w)              = A_w x                       (Conv2d)
    conv_transpose(g, w)    = A_wᵀ g       = d⟨g, A_w x⟩/dx  (input gradient; ConvTranspose2d)
    conv_weight_grad(x, g)  = d⟨g, A_w x⟩/dw               (weight gradient)

and each one's derivatives are the other two, for example
d⟨v, conv_transpose(g, w)⟩/dg = conv(v, w). So every backward below is written with
these three ops, and gradients of any order through a convolution are exact.

Each op runs as im2col + one matrix product per group. The columns are laid out
(groups, Cg·kh·kw, N·Ho·Wo) so that a convolution with groups=1 is a single large
GEMM, which BLAS runs on all cores far better than N small ones (bench/bench_cnn.py).
The input gradient scatters the columns back with one strided addition per kernel
offset (kh·kw additions of the output's size), not per element.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import kernels
from ..autograd.function import Function
from .primitives import sum_


@dataclass(frozen=True)
class Geometry:
    """Stride, padding ((top, bottom), (left, right)), dilation and groups of a conv."""

    stride: tuple[int, int]
    padding: tuple[tuple[int, int], tuple[int, int]]
    dilation: tuple[int, int]
    groups: int

    def output_size(self, height: int, width: int, kh: int, kw: int) -> tuple[int, int]:
        (pt, pb), (pl, pr) = self.padding
        ho = (height + pt + pb - self.dilation[0] * (kh - 1) - 1) // self.stride[0] + 1
        wo = (width + pl + pr - self.dilation[1] * (kw - 1) - 1) // self.stride[1] + 1
        return ho, wo


def _pad(x: np.ndarray, geometry: Geometry) -> np.ndarray:
    (pt, pb), (pl, pr) = geometry.padding
    if pt == pb == pl == pr == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))


def _columns(x: np.ndarray, kh: int, kw: int, geometry: Geometry) -> np.ndarray:
    """im2col: (groups, Cg·kh·kw, N·Ho·Wo), one row per (channel, kernel offset)."""
    n, c, h, w = x.shape
    ho, wo = geometry.output_size(h, w, kh, kw)
    g = geometry.groups
    compiled = kernels.get("im2col")
    if compiled:
        return compiled(x, kh, kw, geometry.stride, geometry.dilation, geometry.padding,
                        ho, wo).reshape(g, -1, n * ho * wo)
    xp = _pad(x, geometry)
    sn, sc, sh, sw = xp.strides
    (dh, dw), (th, tw) = geometry.dilation, geometry.stride
    windows = as_strided(xp, (n, c, kh, kw, ho, wo), (sn, sc, sh * dh, sw * dw, sh * th, sw * tw),
                         writeable=False)
    windows = windows.reshape(n, g, c // g, kh, kw, ho, wo).transpose(1, 2, 3, 4, 0, 5, 6)
    return windows.reshape(g, (c // g) * kh * kw, n * ho * wo)


def _group_rows(y: np.ndarray, groups: int) -> np.ndarray:
    """(N, O, Ho, Wo) -> (groups, O/groups, N·Ho·Wo), the layout of the column products."""
    n, o, ho, wo = y.shape
    compiled = kernels.get("images_to_rows")
    if compiled:
        return compiled(y).reshape(groups, o // groups, n * ho * wo)
    return y.reshape(n, groups, o // groups, ho * wo).transpose(1, 2, 0, 3).reshape(
        groups, o // groups, n * ho * wo)


def conv_forward(x: np.ndarray, w: np.ndarray, geometry: Geometry, columns: np.ndarray,
                 bias: np.ndarray | None = None) -> np.ndarray:
    n, _, h, width = x.shape
    o, _, kh, kw = w.shape
    ho, wo = geometry.output_size(h, width, kh, kw)
    g = geometry.groups
    out = w.reshape(g, o // g, -1) @ columns  # (g, O/g, N·Ho·Wo)
    compiled = kernels.get("rows_to_images")
    if compiled:
        return compiled(out.reshape(o, -1), bias, n, ho, wo)
    y = out.reshape(o, n, ho, wo).transpose(1, 0, 2, 3).copy()
    if bias is not None:
        y += bias.reshape(1, -1, 1, 1)
    return y


def conv_input_grad(grad: np.ndarray, w: np.ndarray, input_shape: tuple,
                    geometry: Geometry, rows: np.ndarray | None = None) -> np.ndarray:
    """A_wᵀ grad: the columns' gradient scattered back onto the input; `rows`
    is grad in the columns' layout if the caller has it already (grad may then be None)."""
    n, c, h, width = input_shape
    _, cg, kh, kw = w.shape
    g = geometry.groups
    ho, wo = geometry.output_size(h, width, kh, kw)
    rows = _group_rows(grad, g) if rows is None else rows
    cols = w.reshape(g, -1, cg * kh * kw).transpose(0, 2, 1) @ rows
    compiled = kernels.get("col2im")
    if compiled:
        return compiled(cols.reshape(c * kh * kw, -1), (n, c, h, width), kh, kw,
                        geometry.stride, geometry.dilation, geometry.padding, ho, wo)
    (pt, pb), (pl, pr) = geometry.padding
    (dh, dw), (sh, sw) = geometry.dilation, geometry.stride
    cols = cols.reshape(c, kh, kw, n, ho, wo)
    padded = np.zeros((c, n, h + pt + pb, width + pl + pr), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
            columns = slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)
            padded[:, :, rows, columns] += cols[:, i, j]
    return padded[:, :, pt : pt + h, pl : pl + width].transpose(1, 0, 2, 3).copy()


def conv_weight_grad_forward(columns: np.ndarray, grad: np.ndarray, weight_shape: tuple,
                             geometry: Geometry, rows: np.ndarray | None = None) -> np.ndarray:
    rows = _group_rows(grad, geometry.groups) if rows is None else rows
    dw = rows @ columns.transpose(0, 2, 1)
    return dw.reshape(weight_shape)


class Conv2d(Function):
    """y = conv(x, w) (+ b): x (N, C, H, W), w (O, C/groups, kh, kw) -> (N, O, Ho, Wo)"""

    fresh_gradients = True  # three new arrays (NOTE [ Leaf gradients without a copy ])

    @staticmethod
    def forward(ctx, x, w, b, geometry):
        ctx.save_for_backward(x, w)
        ctx.geometry, ctx.has_bias = geometry, b is not None
        # The weight gradient needs the same columns: keep them until backward rather
        # than building them twice (the copy costs as much as a third of the GEMM).
        ctx.columns = _columns(x, w.shape[2], w.shape[3], geometry)
        return conv_forward(x, w, geometry, ctx.columns, b)

    # dx = conv_transpose(g, w), dw = conv_weight_grad(x, g), db = Σ g over N, H, W
    @staticmethod
    def backward(ctx, grad):
        return _conv_backward(ctx, grad)


def _conv_backward(ctx, grad, rows=None, grad_b=None):
    """Conv2d's gradients, for its node or a conv block's (ops/conv_blocks.py); `rows` is
    grad already in the columns' layout (g, O/g, N·Ho·Wo), grad may then be None;
    `grad_b` the bias's gradient if the caller has it."""
    x, w = ctx.saved_tensors[:2]
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    geometry = ctx.geometry
    # grad in the columns' layout, made once for both products (not when recording,
    # where the gradients are ops on the grad tensor)
    if rows is None and not ctx.recording and (need_x or need_w):
        rows = _group_rows(grad, geometry.groups)
    grad_x = ConvTranspose2d.apply(grad, w, x.shape, geometry, rows) if need_x else None
    grad_w = ConvWeightGrad.apply(x, grad, w.shape, geometry, ctx.columns, rows) \
        if need_w else None
    if not (need_b and ctx.has_bias):
        grad_b = None
    elif grad_b is None:
        grad_b = sum_(grad, (0, 2, 3)) if rows is None else rows.sum(-1).reshape(-1)
    return grad_x, grad_w, grad_b


def conv2d(x, w, b, geometry: Geometry):
    return Conv2d.apply(x, w, b, geometry)


class ConvTranspose2d(Function):
    """y = A_wᵀ g, the adjoint of conv in its input; `output_shape` is the conv's input shape"""

    @staticmethod
    def forward(ctx, grad, w, output_shape, geometry, rows=None):
        ctx.save_for_backward(grad, w)
        ctx.geometry = geometry
        return conv_input_grad(grad, w, tuple(output_shape), geometry, rows)

    # d/dg = conv(v, w), d/dw = conv_weight_grad(v, g)
    @staticmethod
    def backward(ctx, v):
        grad, w = ctx.saved_tensors
        need_g, need_w = ctx.needs_input_grad[:2]
        grad_g = Conv2d.apply(v, w, None, ctx.geometry) if need_g else None
        grad_w = ConvWeightGrad.apply(v, grad, w.shape, ctx.geometry) if need_w else None
        return grad_g, grad_w


def conv_transpose2d(x, w, output_shape: tuple, geometry: Geometry):
    return ConvTranspose2d.apply(x, w, output_shape, geometry)


class ConvWeightGrad(Function):
    """dw = d⟨g, conv(x, w)⟩/dw"""

    @staticmethod
    def forward(ctx, x, grad, weight_shape, geometry, columns=None, rows=None):
        ctx.save_for_backward(x, grad)
        ctx.geometry = geometry
        if columns is None:
            columns = _columns(x, weight_shape[2], weight_shape[3], geometry)
        return conv_weight_grad_forward(columns, grad, tuple(weight_shape), geometry, rows)

    # d⟨v, dw⟩/dx = conv_transpose(g, v), d⟨v, dw⟩/dg = conv(x, v)
    @staticmethod
    def backward(ctx, v):
        x, grad = ctx.saved_tensors
        need_x, need_g = ctx.needs_input_grad[:2]
        grad_x = ConvTranspose2d.apply(grad, v, x.shape, ctx.geometry) if need_x else None
        grad_g = Conv2d.apply(x, v, None, ctx.geometry) if need_g else None
        return grad_x, grad_g
