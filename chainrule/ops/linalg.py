"""Matrix products: matmul (1-D, 2-D, batched, broadcast) and the fused `linear`."""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .primitives import sum_, sum_to_shape


def _check_matmul(a, b, op: str) -> None:
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"{op}: both arguments need at least 1 dimension, got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)}; use * to multiply by a scalar"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{op}: expected both inputs to have the same dtype, got {a.dtype} and {b.dtype}; "
            f"convert one of them, e.g. b.to({a.dtype})"
        )
    k_a = a.shape[-1]
    k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if k_a != k_b:
        raise RuntimeError(
            f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied: the last "
            f"dimension of the first ({k_a}) must equal the "
            f"{'second-to-last' if b.ndim > 1 else 'only'} dimension of the second ({k_b})"
        )


class Matmul(Function):
    """C = A @ B; 1-D operands are treated as a row (A) or a column (B) and dropped after"""

    @staticmethod
    def forward(ctx, a, b):
        _check_matmul(a, b, "matmul")
        ctx.save_for_backward(a, b)
        try:
            return np.matmul(a, b)
        except ValueError:
            raise RuntimeError(
                f"matmul: the batch dimensions of {tuple(a.shape)} and {tuple(b.shape)} cannot "
                f"be broadcast together"
            ) from None

    # dA = dC Bᵀ, dB = Aᵀ dC, then summed over broadcast batch axes
    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a2 = a.reshape((1,) + a.shape) if a.ndim == 1 else a
        b2 = b.reshape(b.shape + (1,)) if b.ndim == 1 else b
        batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
        g = grad.reshape(batch + (a2.shape[-2], b2.shape[-1]))
        need_a, need_b = ctx.needs_input_grad
        grad_a = sum_to_shape(g @ b2.mT, a2.shape).reshape(a.shape) if need_a else None
        grad_b = sum_to_shape(a2.mT @ g, b2.shape).reshape(b.shape) if need_b else None
        return grad_a, grad_b


def matmul(a, b):
    return Matmul.apply(a, b)


class Linear(Function):
    """y = x Wᵀ + b, fused.

    Fused because it is the hot op of every MLP: one GEMM forward, two backward,
    no intermediate node for the transpose or the bias (bench/bench_mlp.py).
    Shapes: x (*, in), W (out, in), b (out,) -> y (*, out).
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
            raise RuntimeError(
                f"linear: input of shape {tuple(x.shape)} does not match weight of shape "
                f"{tuple(weight.shape)}; the input's last dimension must be {weight.shape[1]}"
            )
        ctx.save_for_backward(x, weight)
        ctx.has_bias, ctx.input_shape = bias is not None, x.shape
        if x.ndim > 2:  # one GEMM over all leading axes, not one per leading index
            y = (x.reshape(-1, x.shape[-1]) @ weight.T).reshape(x.shape[:-1] + (-1,))
        else:
            y = x @ weight.T
        if bias is not None:
            y += bias
        return y

    # dx = g W, dW = gᵀ x, db = Σ g over all leading axes
    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        if grad.ndim != 2:  # (*, out): fold the leading axes into one
            grad, x = grad.reshape((-1, grad.shape[-1])), x.reshape((-1, x.shape[-1]))
        grad_x = (grad @ weight).reshape(ctx.input_shape) if need_x else None
        grad_w = grad.T @ x if need_w else None
        grad_b = sum_(grad, 0) if need_b and ctx.has_bias else None
        return grad_x, grad_w, grad_b


def linear(x, weight, bias=None):
    return Linear.apply(x, weight, bias)
