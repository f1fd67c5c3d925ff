"""Copies: clone and dtype casts, which pass the gradient straight through."""

from __future__ import annotations

from ..autograd.function import Function


class Clone(Function):
    """y = a copy of x"""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


def clone(x):
    return Clone.apply(x)


class Cast(Function):
    """y = x converted to `dtype`"""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    # the gradient is converted back to the input's dtype
    @staticmethod
    def backward(ctx, grad):
        if ctx.dtype.kind != "f":
            return None
        return Cast.apply(grad, ctx.dtype) if grad.dtype != ctx.dtype else grad


def cast(x, dtype):
    return Cast.apply(x, dtype)
