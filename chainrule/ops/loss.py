"""Fused regression losses. (The fused cross-entropy lives with softmax, in softmax.py.)"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .primitives import shape_of, sum_to_shape


class MSE(Function):
    """loss = reduce((x - y)²) with reduction 'mean', 'sum' or 'none'.

    Fused because a subtraction, a square and a mean are three nodes for a loss that
    small regression models evaluate thousands of times a second; as one node the
    seeds' 1-10-1 network trains measurably faster (bench/bench_mlp.py, regression).
    """

    @staticmethod
    def forward(ctx, x, y, reduction):
        ctx.save_for_backward(x, y)
        ctx.reduction = reduction
        diff = np.subtract(x, y)
        ctx.diff = diff  # backward's x - y, unless it records its own graph
        squares = diff * diff
        if reduction == "none":
            return squares
        total = np.add.reduce(squares, axis=None)
        return total / np.asarray(squares.size, dtype=squares.dtype) if reduction == "mean" \
            else total

    # dloss/dx = 2(x - y) (/ n for the mean), dloss/dy = -dloss/dx
    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y, _ = ctx.needs_input_grad
        diff = x - y if ctx.recording else ctx.diff
        scale = grad * (2.0 / ctx.diff.size) if ctx.reduction == "mean" else grad * 2.0
        grad_x = scale * diff
        return (sum_to_shape(grad_x, shape_of(x)) if need_x else None,
                sum_to_shape(-grad_x, shape_of(y)) if need_y else None, None)


def mse(x, y, reduction: str):
    return MSE.apply(x, y, reduction)
