"""Binary elementwise ops: arithmetic, power, elementwise maximum and minimum.

They broadcast as NumPy does and undo the broadcast in backward with `sum_to_shape`
(ops/primitives.py). Each op is its `Function` with its public function below it.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..dtypes import get_default_dtype
from .primitives import broadcast_error, shape_of, sum_to_shape, where
from .unary import log


def _broadcasting(op_name: str, fn, a, b):
    try:
        out = fn(a, b)
    except ValueError:
        raise broadcast_error(op_name, shape_of(a), shape_of(b)) from None
    # NumPy turns float32 with int64, or int64 with a Python float, into float64;
    # PyTorch keeps the floating operand's dtype, or the default one. Follow PyTorch.
    if out.dtype == np.float64 and not _is_float64(a) and not _is_float64(b):
        out = out.astype(get_default_dtype())
    return out


def _is_float64(value) -> bool:
    return getattr(value, "dtype", None) == np.float64


class Add(Function):
    """z = a + b"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (shape_of(a), shape_of(b))
        return _broadcasting("add", np.add, a, b)

    # dz/da = dz/db = 1
    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return sum_to_shape(grad, sa), sum_to_shape(grad, sb)


def add(a, b):
    return Add.apply(a, b)


class Sub(Function):
    """z = a - b"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (shape_of(a), shape_of(b))
        return _broadcasting("sub", np.subtract, a, b)

    # dz/da = 1, dz/db = -1
    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return sum_to_shape(grad, sa), sum_to_shape(-grad, sb)


def sub(a, b):
    return Sub.apply(a, b)


class Mul(Function):
    """z = a * b"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _broadcasting("mul", np.multiply, a, b)

    # dz/da = b, dz/db = a
    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return sum_to_shape(grad * b, shape_of(a)), sum_to_shape(grad * a, shape_of(b))


def mul(a, b):
    return Mul.apply(a, b)


class Div(Function):
    """z = a / b"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _broadcasting("div", np.true_divide, a, b)

    # dz/da = 1/b, dz/db = -a/b²
    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad / b
        return sum_to_shape(grad_a, shape_of(a)), sum_to_shape(-grad_a * a / b, shape_of(b))


def div(a, b):
    return Div.apply(a, b)


class Pow(Function):
    """z = a ** b, for a tensor or a scalar exponent b."""

    @staticmethod
    def forward(ctx, a, b):
        z = _broadcasting("pow", np.power, a, b)
        if isinstance(b, np.ndarray):
            ctx.save_for_backward(a, b, z)
        else:
            ctx.save_for_backward(a)
            ctx.exponent = b
        return z

    # dz/da = b·a^(b-1); dz/db = z·ln(a), taken as 0 where a = 0 (the limit for b > 0)
    @staticmethod
    def backward(ctx, grad):
        if len(ctx.saved) == 1:
            (a,) = ctx.saved_tensors
            b = ctx.exponent
            return (grad * 0 if b == 0 else grad * b * a ** (b - 1)), None
        a, b, z = ctx.saved_tensors
        grad_a = sum_to_shape(grad * b * a ** (b - 1), shape_of(a))
        safe_log = log(where(a == 0, 1, a))
        return grad_a, sum_to_shape(grad * z * safe_log, shape_of(b))


def pow(a, b):  # noqa: A001  (PyTorch's name)
    return Pow.apply(a, b)


class Maximum(Function):
    """z = max(a, b) elementwise"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _broadcasting("maximum", np.maximum, a, b)

    # the larger input takes the gradient; a tie splits it in halves (as PyTorch)
    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split_by_winner(grad, a, b, a > b)


def maximum(a, b):
    return Maximum.apply(a, b)


class Minimum(Function):
    """z = min(a, b) elementwise"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _broadcasting("minimum", np.minimum, a, b)

    # the smaller input takes the gradient; a tie splits it in halves (as PyTorch)
    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split_by_winner(grad, a, b, a < b)


def minimum(a, b):
    return Minimum.apply(a, b)


def _split_by_winner(grad, a, b, a_wins):
    tie = a == b
    share = where(tie, grad * 0.5, grad)
    grad_a = where(a_wins | tie, share, 0)
    grad_b = where(a_wins, 0, share)
    return sum_to_shape(grad_a, shape_of(a)), sum_to_shape(grad_b, shape_of(b))


# -- composed from the ops above ---------------------------------------------------------


def lerp(start, end, weight):
    """start + weight·(end - start)."""
    return start + weight * (end - start)


def addcmul(input, tensor1, tensor2, value=1):
    """input + value·tensor1·tensor2."""
    product = tensor1 * tensor2
    return input + (product if value == 1 else product * value)


def addcdiv(input, tensor1, tensor2, value=1):
    """input + value·tensor1/tensor2."""
    quotient = tensor1 / tensor2
    return input + (quotient if value == 1 else quotient * value)
