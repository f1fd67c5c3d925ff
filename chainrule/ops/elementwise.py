"""Elementwise ops: arithmetic, exp/log family, trigonometry, activations, clamping.

Each class is one op: forward above backward, the derivative in a comment. Binary
ops broadcast as NumPy does and undo the broadcast in backward with `sum_to_shape`.
Backward formulas use operators and chainrule op functions only, so they run on
arrays or, under create_graph, on Tensors (NOTE [ Backward formulas run on arrays
and on Tensors ] in autograd/function.py).
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..dtypes import get_default_dtype
from ..tensor import Tensor
from .broadcast import broadcast_error, shape_of, sum_to_shape


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


# -- arithmetic ---------------------------------------------------------------------


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


class Neg(Function):
    """y = -x"""

    @staticmethod
    def forward(ctx, x):
        return np.negative(x)

    @staticmethod
    def backward(ctx, grad):
        return -grad


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


# -- exponentials and logarithms ------------------------------------------------------


class Exp(Function):
    """y = eˣ"""

    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    # dy/dx = y: reuse the output
    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class Log(Function):
    """y = ln x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    # dy/dx = 1/x
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Log1p(Function):
    """y = ln(1 + x), accurate for small x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x)

    # dy/dx = 1/(1 + x)
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x + 1)


class Sqrt(Function):
    """y = √x"""

    @staticmethod
    def forward(ctx, x):
        y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    # dy/dx = 1/(2y)
    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad / (y * 2)


class Rsqrt(Function):
    """y = 1/√x"""

    @staticmethod
    def forward(ctx, x):
        y = 1 / np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    # dy/dx = -y³/2
    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y * y * y * -0.5


class Abs(Function):
    """y = |x|"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    # dy/dx = sign(x), 0 at 0 (as PyTorch)
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * sign(x)


# -- trigonometric and squashing functions ---------------------------------------------


class Sin(Function):
    """y = sin x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    # dy/dx = cos x
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * cos(x)


class Cos(Function):
    """y = cos x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    # dy/dx = -sin x
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * sin(x)


class Tanh(Function):
    """y = tanh x"""

    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    # dy/dx = 1 - y²: reuse the output instead of recomputing tanh
    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


class Sigmoid(Function):
    """y = 1/(1 + e⁻ˣ)"""

    @staticmethod
    def forward(ctx, x):
        # Written with tanh because 1/(1 + exp(-x)) overflows exp for x < -88 in float32.
        y = np.tanh(x * 0.5)
        y += 1
        y *= 0.5
        ctx.save_for_backward(y)
        return y

    # dy/dx = y(1 - y)
    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y * (1 - y)


class ReLU(Function):
    """y = max(x, 0)"""

    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    # dy/dx = 1 where y > 0, else 0 (0 at x = 0, as PyTorch). Multiplying by the mask
    # is several times faster than np.where with a scalar branch (bench/bench_cnn.py).
    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y > 0)


# -- clamping and selection -----------------------------------------------------------


class Clamp(Function):
    """y = min(max(x, lo), hi); either bound may be None."""

    @staticmethod
    def forward(ctx, x, lo=None, hi=None):
        ctx.save_for_backward(x)
        ctx.bounds = (lo, hi)
        return np.clip(x, lo, hi)

    # dy/dx = 1 inside [lo, hi] (bounds included, as PyTorch), else 0
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        inside = True
        if lo is not None:
            inside = x >= lo
        if hi is not None:
            inside = (x <= hi) & inside
        return where(inside, grad, 0)


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


class Minimum(Function):
    """z = min(a, b) elementwise"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _broadcasting("minimum", np.minimum, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split_by_winner(grad, a, b, a < b)


def _split_by_winner(grad, a, b, a_wins):
    tie = a == b
    share = where(tie, grad * 0.5, grad)
    grad_a = where(a_wins | tie, share, 0)
    grad_b = where(a_wins, 0, share)
    return sum_to_shape(grad_a, shape_of(a)), sum_to_shape(grad_b, shape_of(b))


class Where(Function):
    """z = a where condition else b"""

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.condition = condition
        ctx.shapes = (shape_of(a), shape_of(b))
        try:
            return np.where(condition, a, b)
        except ValueError:
            raise broadcast_error("where", shape_of(condition), *ctx.shapes) from None

    # the gradient goes to whichever input was chosen
    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        cond = ctx.condition
        return (
            None,
            sum_to_shape(where(cond, grad, 0), sa),
            sum_to_shape(where(cond, 0, grad), sb),
        )


# -- functions ------------------------------------------------------------------------


def nondifferentiable(fn, *args):
    """Apply a NumPy function whose result has no gradient (comparisons, sign, argmax)."""
    arrays = [a.data if isinstance(a, Tensor) else a for a in args]
    out = fn(*arrays)
    if any(isinstance(a, Tensor) for a in args):
        return Tensor._wrap(np.asarray(out))
    return out


def add(a, b):
    return Add.apply(a, b)


def sub(a, b):
    return Sub.apply(a, b)


def mul(a, b):
    return Mul.apply(a, b)


def div(a, b):
    return Div.apply(a, b)


def neg(x):
    return Neg.apply(x)


def pow(a, b):  # noqa: A001  (PyTorch's name)
    return Pow.apply(a, b)


def exp(x):
    return Exp.apply(x)


def log(x):
    return Log.apply(x)


def log1p(x):
    return Log1p.apply(x)


def sqrt(x):
    return Sqrt.apply(x)


def rsqrt(x):
    return Rsqrt.apply(x)


def abs(x):  # noqa: A001
    return Abs.apply(x)


def sin(x):
    return Sin.apply(x)


def cos(x):
    return Cos.apply(x)


def tanh(x):
    return Tanh.apply(x)


def sigmoid(x):
    return Sigmoid.apply(x)


def relu(x):
    return ReLU.apply(x)


def clamp(x, min=None, max=None):  # noqa: A002
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    return Clamp.apply(x, min, max)


def maximum(a, b):
    return Maximum.apply(a, b)


def minimum(a, b):
    return Minimum.apply(a, b)


def where(condition, a, b):
    """Elementwise `a if condition else b`; differentiable in a and b."""
    if isinstance(condition, Tensor):
        condition = condition.data
    return Where.apply(condition, a, b)


def sign(x):
    return nondifferentiable(np.sign, x)
