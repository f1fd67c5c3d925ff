"""Conv blocks as one op: a convolution, (batch norm,) 2×2 max pooling (and ReLU).

nn.Sequential runs its conv blocks through these where the result is the same as the
modules' (NOTE [ Convolution into pooling ] in nn/fusion.py). The convolution's
output (N, O, Ho, Wo), four times the size of what the block returns, is never
written: the pooling reads the GEMM's product (O, N·Ho·Wo) and its gradient is
scattered straight back into that layout (kernels/conv_blocks.py). The ReLU comes
after the pooling (NOTE [ ReLU after max pooling ] in nn/container.py). Compiled
kernels only; Ho and Wo must be even.
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..autograd.function import Function
from .composed import differentiate_reference
from .conv import _columns, _conv_backward, conv2d
from .norm import batch_norm_training
from .pool import max_pool2d
from .unary import relu as relu_op


def _conv_rows(ctx, x, w, geometry) -> np.ndarray:
    """The convolution's GEMM product (O, N·Ho·Wo); its columns stay on ctx for the
    weight gradient, as in Conv2d."""
    ctx.geometry = geometry
    ctx.columns = _columns(x, w.shape[2], w.shape[3], geometry)
    (_, _, h, width), (o, _, kh, kw) = x.shape, w.shape
    ctx.conv_size = geometry.output_size(h, width, kh, kw)
    g = geometry.groups
    return (w.reshape(g, o // g, -1) @ ctx.columns).reshape(o, -1)


def _conv_backward_from_rows(ctx, rows: np.ndarray, grad_b=None) -> tuple:
    g = ctx.geometry.groups
    return _conv_backward(ctx, None, rows.reshape(g, rows.shape[0] // g, -1), grad_b)


def _save(ctx, x, w, best, relu: bool) -> None:
    # ReLU's gradient needs its output (saved, so an in-place change to it is caught)
    ctx.relu = relu
    ctx.save_for_backward(*((x, w, best) if relu else (x, w)))


class ConvMaxPool2d(Function):
    """y = max_pool2d(conv(x, w) + b, 2), then relu(y) if `relu`."""

    fresh_gradients = True  # as Conv2d's

    @staticmethod
    def forward(ctx, x, w, b, geometry, relu=False):
        ctx.has_bias = b is not None
        rows = _conv_rows(ctx, x, w, geometry)
        best, ctx.arg = kernels.get("max_pool2x2_from_rows")(rows, x.shape[0], *ctx.conv_size,
                                                             bias=b, relu=relu)
        _save(ctx, x, w, best, relu)
        return best

    # ReLU's gradient (0 where the output is <= 0), the pooling's (each window's to its
    # winner), then Conv2d's backward
    @staticmethod
    def backward(ctx, grad):
        if ctx.recording:  # exact to every order through the composed ops
            return differentiate_reference(ctx, (grad,))
        relu_output = ctx.saved_tensors[2] if ctx.relu else None
        rows, grad_b = kernels.get("max_pool2x2_scatter_to_rows")(grad, ctx.arg, *ctx.conv_size,
                                                                  relu_output)
        return _conv_backward_from_rows(ctx, rows, grad_b)

    @staticmethod
    def reference(x, w, b, geometry, relu=False):
        """The same block composed from the modules' ops."""
        return (_pool_and_relu(conv2d(x, w, b, geometry), relu),)


def _pool_and_relu(y, relu: bool):
    y = max_pool2d(y, (2, 2), (2, 2), (0, 0), (1, 1), False)
    return relu_op(y) if relu else y


def conv_max_pool2d(x, w, b, geometry, relu: bool = False):
    """conv2d followed by max_pool2d(kernel 2, stride 2), and by relu if `relu`."""
    return ConvMaxPool2d.apply(x, w, b, geometry, relu)


class ConvBatchNormMaxPool2d(Function):
    """y = max_pool2d(batch_norm(conv(x, w) + b, weight, bias), 2), then relu(y) if `relu`,
    normalized with the batch's statistics (training mode). Also returns the batch mean
    and biased variance (C,) of conv(x, w) + b, for the running statistics; they are
    not differentiable.

    The statistics come from the GEMM's rows, one contiguous row per channel; the
    pooling normalizes each value as it reads it. Backward, the normalized output's
    gradient is nonzero only at the windows' winners, so batch norm's two per-channel
    sums are sums over the windows, and the input's gradient is written once, straight
    into the rows' layout the convolution's backward multiplies. The conv's bias shifts
    the mean and nothing else, and its gradient (zero up to rounding) comes out of
    Conv2d's backward as in the modules.
    """

    fresh_gradients = True  # as Conv2d's; the batch norm's gradients are new arrays too

    @staticmethod
    def forward(ctx, x, w, b, weight, bias, geometry, eps, relu=False):
        ctx.has_bias, ctx.affine = b is not None, (weight is not None, bias is not None)
        rows = _conv_rows(ctx, x, w, geometry)
        mean, var = kernels.get("channel_statistics")(rows)  # float64, without b
        inv_std = 1 / np.sqrt(var + eps)
        gamma = np.ones(len(mean)) if weight is None else weight.astype(np.float64)
        scale = gamma * inv_std
        shift = np.zeros(len(mean)) if bias is None else bias.astype(np.float64)
        best, ctx.arg = kernels.get("max_pool2x2_from_rows")(
            rows, x.shape[0], *ctx.conv_size, batch_norm=(mean, scale, shift), relu=relu)
        batch_mean = (mean if b is None else mean + b).astype(x.dtype)
        batch_var = var.astype(x.dtype)
        ctx.mark_non_differentiable(batch_mean, batch_var)
        ctx.rows, ctx.mean, ctx.inv_std, ctx.gamma = rows, mean, inv_std, gamma
        _save(ctx, x, w, best, relu)
        return best, batch_mean, batch_var

    @staticmethod
    def backward(ctx, grad, grad_mean=None, grad_var=None):
        if ctx.recording:  # exact to every order through the composed ops
            return differentiate_reference(ctx, (grad, None, None))
        relu_output = ctx.saved_tensors[2] if ctx.relu else None
        dx, grad_b, grad_weight, grad_bias = kernels.get(
            "batch_norm_max_pool2x2_scatter_to_rows")(grad, ctx.arg, relu_output, ctx.rows,
                                                      ctx.mean, ctx.inv_std, ctx.gamma,
                                                      *ctx.conv_size)
        has_weight, has_bias = ctx.affine
        return (*_conv_backward_from_rows(ctx, dx, grad_b), grad_weight if has_weight else None,
                grad_bias if has_bias else None)

    @staticmethod
    def reference(x, w, b, weight, bias, geometry, eps, relu=False):
        """The same block composed from the modules' ops."""
        y, batch_mean, batch_var = batch_norm_training(conv2d(x, w, b, geometry), weight, bias,
                                                       eps)
        return _pool_and_relu(y, relu), batch_mean, batch_var


def conv_batch_norm_max_pool2d(x, w, b, weight, bias, geometry, eps: float,
                               relu: bool = False) -> tuple:
    """(pooled output, batch mean, batch variance): conv2d, batch norm in training mode,
    max_pool2d(kernel 2, stride 2), and relu if `relu`."""
    return ConvBatchNormMaxPool2d.apply(x, w, b, weight, bias, geometry, eps, relu)
