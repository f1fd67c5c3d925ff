"""Unary elementwise ops: negation, the exp/log family, trigonometry, activations, erf,
softplus, clamping.

Each op is one screen: the `Function` (forward above backward, the derivative in a
comment) and its public function right below it. Backward formulas use operators and
chainrule op functions only, so they run on arrays or, under create_graph, on
Tensors (NOTE [ Backward formulas run on arrays and on Tensors ] in
autograd/function.py).
"""

from __future__ import annotations

import math

import numpy as np

from .. import kernels
from ..autograd.function import Function
from ..autograd.tensor_base import TensorBase
from .primitives import nondifferentiable, where


class Neg(Function):
    """y = -x"""

    @staticmethod
    def forward(ctx, x):
        return np.negative(x)

    @staticmethod
    def backward(ctx, grad):
        return -grad


def neg(x):
    return Neg.apply(x)


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


def exp(x):
    return Exp.apply(x)


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


def log(x):
    return Log.apply(x)


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


def log1p(x):
    return Log1p.apply(x)


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


def sqrt(x):
    return Sqrt.apply(x)


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


def rsqrt(x):
    return Rsqrt.apply(x)


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


def abs(x):  # noqa: A001  (PyTorch's name)
    return Abs.apply(x)


def sign(x):
    """-1, 0 or 1; its derivative is 0 almost everywhere, so it records nothing."""
    return nondifferentiable(np.sign, x)


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


def sin(x):
    return Sin.apply(x)


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


def cos(x):
    return Cos.apply(x)


class _ActivationOfOutput(Function):
    """y = f(x) elementwise, with the derivative written in terms of y. A subclass gives
    f as `values(x)` and the chain rule's step, grad · f'(x), as `grad_from_output(grad,
    y)`: forward and backward here, and DenseChain (ops/dense_chain.py) calls them
    directly for a whole MLP."""

    @classmethod
    def forward(cls, ctx, x):
        y = cls.values(x)
        ctx.save_for_backward(y)
        return y

    @classmethod
    def backward(cls, ctx, grad):
        (y,) = ctx.saved_tensors
        return cls.grad_from_output(grad, y)


class Tanh(_ActivationOfOutput):
    """y = tanh x"""

    @staticmethod
    def values(x):
        return np.tanh(x)

    # dy/dx = 1 - y²: reuse the output instead of recomputing tanh
    @staticmethod
    def grad_from_output(grad, y):
        return grad * (1 - y * y)


def tanh(x):
    return Tanh.apply(x)


class Sigmoid(_ActivationOfOutput):
    """y = 1/(1 + e⁻ˣ)"""

    @staticmethod
    def values(x):
        # Written with tanh because 1/(1 + exp(-x)) overflows exp for x < -88 in float32.
        y = np.tanh(x * 0.5)
        y += 1
        y *= 0.5
        return y

    # dy/dx = y(1 - y)
    @staticmethod
    def grad_from_output(grad, y):
        return grad * y * (1 - y)


def sigmoid(x):
    return Sigmoid.apply(x)


class ReLU(_ActivationOfOutput):
    """y = max(x, 0)"""

    @staticmethod
    def values(x):
        return np.maximum(x, 0)

    # dy/dx = 0 where y <= 0 (0 at x = 0), else 1, so that a NaN passes its gradient on,
    # as in PyTorch. Multiplying by the mask is several times faster than np.where with
    # a scalar branch (bench/bench_cnn.py).
    @staticmethod
    def grad_from_output(grad, y):
        if type(grad) is np.ndarray and grad.size >= kernels.LARGE:  # not recording
            # one compiled pass instead of a mask and a product
            compiled = kernels.get("relu_backward")
            if compiled:
                return compiled(grad, y)
        return grad * _not_below_zero(y)


def _not_below_zero(y) -> np.ndarray:
    """not (y <= 0): y > 0, or NaN; a constant even when backward is recorded."""
    values = y._data if isinstance(y, TensorBase) else y
    return ~np.asarray(values <= 0)


def relu(x):
    return ReLU.apply(x)


class _ErfPieces:
    """erf as polynomials on pieces of width 1/2 of [0, 6), fitted once to math.erf.

    Each piece is a Chebyshev interpolant of degree 12 (of erf(x)/x on the first piece,
    so that tiny x keep their relative precision), stored in powers of the piece's own
    coordinate t ∈ [-1, 1]. Every element runs the same Horner loop with its piece's
    coefficients gathered by np.take: about 40 array passes and no Python per element,
    within 2e-15 of math.erf. Past 6, erf(x) rounds to ±1 in float64 (a last piece
    holding the constant 1). The compiled kernel calls libm's erf instead.
    """

    WIDTH, DEGREE, END = 0.5, 12, 6.0

    def __init__(self) -> None:
        self.columns = None  # (DEGREE + 1, pieces): coefficient of t^d for each piece

    def fit(self) -> np.ndarray:
        if self.columns is None:
            cheb = np.polynomial.chebyshev
            math_erf = np.vectorize(math.erf)
            pieces = []
            for k in range(int(self.END / self.WIDTH)):
                def on_piece(t, start=k * self.WIDTH):
                    x = start + (t + 1) * self.WIDTH / 2
                    return math_erf(x) / x if start == 0 else math_erf(x)
                pieces.append(cheb.cheb2poly(cheb.chebinterpolate(on_piece, self.DEGREE)))
            pieces.append(np.eye(1, self.DEGREE + 1)[0])  # the constant 1 past END
            self.columns = np.array(pieces).T.copy()
        return self.columns

    def __call__(self, x: np.ndarray) -> np.ndarray:
        columns = self.fit()
        last = columns.shape[1] - 1
        x = np.asarray(x)
        magnitude = np.minimum(np.abs(x.astype(np.float64).reshape(-1)), self.END)
        piece = np.minimum(magnitude // self.WIDTH, last)
        piece[np.isnan(piece)] = last
        piece = piece.astype(np.intp)
        t = (magnitude - piece * self.WIDTH) * (2 / self.WIDTH) - 1
        out, coefficient = np.take(columns[self.DEGREE], piece), np.empty_like(t)
        for degree in range(self.DEGREE - 1, -1, -1):
            out *= t
            out += np.take(columns[degree], piece, out=coefficient)
        np.multiply(out, magnitude, out=out, where=piece == 0)
        out[np.isnan(magnitude)] = np.nan
        out = np.copysign(out, x.reshape(-1)).reshape(x.shape)
        return out.astype(x.dtype if x.dtype.kind == "f" else np.float64, copy=False)


_erf_reference = _ErfPieces()


class Erf(Function):
    """y = erf(x) = 2/√π ∫₀ˣ e^(-t²) dt"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        x = np.asarray(x)
        compiled = kernels.get("erf")
        return compiled(x) if compiled else _erf_reference(x)

    # dy/dx = 2/√π · e^(-x²)
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * exp(-(x * x))


def erf(x):
    return Erf.apply(x)


class Softplus(Function):
    """y = log(1 + e^(βx)) / β, linear above `threshold` (as PyTorch)"""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        z = x * beta
        ctx.save_for_backward(x)
        ctx.beta, ctx.linear = beta, z > threshold
        y = (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / beta
        return np.where(ctx.linear, x, y)

    # dy/dx = sigmoid(βx), and exactly 1 where the function is linear
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return where(ctx.linear, grad, grad * sigmoid(x * ctx.beta))


def softplus(x, beta: float = 1.0, threshold: float = 20.0):
    return Softplus.apply(x, beta, threshold)


# -- clamping -------------------------------------------------------------------------


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


def clamp(x, min=None, max=None):  # noqa: A002
    """x limited to [min, max]. Tensor bounds take the gradient where they bind (x below
    min, above max); x keeps it inside and on the bounds, as in PyTorch."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, TensorBase) or isinstance(max, TensorBase):
        y = x if min is None else where(x < min, min, x)
        return y if max is None else where(y > max, max, y)
    return Clamp.apply(x, min, max)
