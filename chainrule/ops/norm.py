"""Batch normalization in training mode, fused."""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..autograd.function import Function
from .primitives import sum_
from .reduction import mean
from .unary import rsqrt


def normalize(x, axes: tuple, eps: float):
    """(x - mean) / √(var + eps) over `axes`, and 1/√(var + eps); arrays or Tensors."""
    centered = x - mean(x, axes, True)
    inv_std = rsqrt(mean(centered * centered, axes, True) + eps)
    return centered * inv_std, inv_std


class BatchNorm(Function):
    """y = x̂·w + b with x̂ = (x - E[x]) / √(Var[x] + eps) over every axis but channels (1).

    Fused because composed from ops it is about ten passes over the activations each
    way; this is three forward and five backward (bench/bench_cnn.py). The backward
    formula is written in ops and recomputes x̂ from x when recording, so second
    derivatives stay exact.

    Three outputs: y, and the batch mean and biased variance per channel (C,), which
    update the running statistics and are not differentiable.

    `reduce`, if given, sums an array in place over other processes' batches
    (SyncBatchNorm's all-reduce): then the statistics, and the sums the input's gradient
    needs, are those of the whole global batch.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, eps, reduce=None):
        axes = (0,) + tuple(range(2, x.ndim))
        count = x.size // x.shape[1]
        compiled = kernels.get("batch_norm", x, weight, bias) if reduce is None else None
        if compiled:  # the same three passes per channel, in one compiled loop
            y, x_hat, batch_mean, batch_var, inv_std = compiled(x, weight, bias, eps)
            inv_std = inv_std.reshape((1, -1) + (1,) * (x.ndim - 2))
        else:
            y, x_hat, batch_mean, batch_var, inv_std, count = _batch_norm_reference(
                x, weight, bias, eps, reduce, axes, count)
        ctx.mark_non_differentiable(batch_mean, batch_var)
        ctx.save_for_backward(x, weight)
        ctx.x_hat, ctx.inv_std, ctx.axes, ctx.count, ctx.eps = x_hat, inv_std, axes, count, eps
        ctx.reduce = reduce
        ctx.has_bias = bias is not None
        return y, batch_mean, batch_var

    # with gb = Σg and gw = Σg·x̂ per channel:
    #   db = gb, dw = gw, dx = w/√(var + eps) · (g - gb/n - x̂·gw/n)
    @staticmethod
    def backward(ctx, grad, grad_mean=None, grad_var=None):
        x, weight = ctx.saved_tensors
        axes, n = ctx.axes, ctx.count
        if ctx.recording:
            x_hat, inv_std = normalize(x, axes, ctx.eps)
        else:
            x_hat, inv_std = ctx.x_hat, ctx.inv_std
        scale = inv_std if weight is None else weight.reshape(inv_std.shape) * inv_std
        compiled = kernels.get("batch_norm_backward", grad, x_hat) \
            if not ctx.recording and ctx.reduce is None else None
        if compiled:  # the two sums and dx below, per channel in one compiled loop
            grad_x, grad_bias, grad_weight = compiled(grad, x_hat, scale.reshape(-1))
            return (grad_x, None if weight is None else grad_weight.reshape(weight.shape),
                    grad_bias if ctx.has_bias else None)
        grad_bias = sum_(grad, axes, True)
        grad_weight = sum_(grad * x_hat, axes, True)
        total_bias, total_weight = grad_bias, grad_weight
        if ctx.reduce is not None:  # x's gradient needs the sums over the global batch
            if ctx.recording:
                raise RuntimeError("SyncBatchNorm does not support create_graph")
            total_bias, total_weight = ctx.reduce(grad_bias.copy()), \
                ctx.reduce(grad_weight.copy())
        grad_x = (grad - total_bias * (1.0 / n) - x_hat * (total_weight * (1.0 / n))) * scale
        # the parameters' gradients stay this process's own: DistributedDataParallel
        # averages them over the processes like every other gradient
        return (grad_x,
                None if weight is None else grad_weight.reshape(weight.shape),
                grad_bias.reshape((-1,)) if ctx.has_bias else None)


def _batch_norm_reference(x, weight, bias, eps, reduce, axes, count) -> tuple:
    """y, x̂, the batch mean and biased variance (C,), 1/√(var + eps) (keepdims), and the
    count of values per channel (over every process's batch when `reduce` is given)."""
    summed = (lambda a: a) if reduce is None else reduce
    if reduce is not None:
        count = int(reduce(np.array([count], dtype=np.int64))[0])
    batch_mean = summed(np.add.reduce(x, axis=axes, keepdims=True)) / x.dtype.type(count)
    centered = x - batch_mean
    batch_var = summed(np.add.reduce(centered * centered, axis=axes, keepdims=True)) / \
        x.dtype.type(count)
    inv_std = 1 / np.sqrt(batch_var + x.dtype.type(eps))
    x_hat = centered
    x_hat *= inv_std
    if weight is None:
        y = x_hat if bias is None else x_hat + bias.reshape(batch_mean.shape)
    else:
        y = x_hat * weight.reshape(batch_mean.shape)
        if bias is not None:
            y += bias.reshape(batch_mean.shape)
    return y, x_hat, batch_mean.reshape(-1), batch_var.reshape(-1), inv_std, count


def batch_norm_training(x, weight, bias, eps: float, reduce=None):
    """Normalize with the batch's statistics; also returns the batch mean and variance."""
    return BatchNorm.apply(x, weight, bias, eps, reduce=reduce)
