"""gradcheck and gradgradcheck catch wrong derivatives and say exactly where."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import Function, GradcheckError, gradcheck, gradgradcheck


class WrongSquare(Function):
    """y = x², with a backward that is off by a factor of 1.5 at index 2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        scale = np.ones(x.shape)
        scale[2] = 1.5
        return grad * 2 * x * scale


class WrongSecondDerivative(Function):
    """y = x³ whose backward 3x² is computed from a detached x (so d²y/dx² comes out 0)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        constant = x.detach() if isinstance(x, cr.Tensor) else x
        return grad * 3 * constant * constant


def test_a_wrong_gradient_is_reported_with_input_index_values_and_errors():
    x = cr.tensor([0.5, -1.0, 2.0, 1.5], dtype=cr.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongSquare.apply, [x])
    message = str(info.value)
    assert "input 0" in message and "index (2, 2)" in message
    assert "analytic 6" in message and "numerical 4" in message
    assert "absolute error 2" in message and "relative error 0.5" in message
    assert gradcheck(WrongSquare.apply, [x], raise_exception=False) is False


def test_fast_mode_catches_it_too():
    x = cr.tensor([0.5, -1.0, 2.0, 1.5], dtype=cr.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="vᵀJu"):
        gradcheck(WrongSquare.apply, [x], fast_mode=True)


def test_gradgradcheck_catches_a_wrong_second_derivative():
    x = cr.tensor([0.5, -1.0, 2.0], dtype=cr.float64, requires_grad=True)
    assert gradcheck(WrongSecondDerivative.apply, [x])  # first order is right
    with pytest.raises(GradcheckError):
        gradgradcheck(WrongSecondDerivative.apply, [x])


def test_float32_inputs_are_checked_in_float64():
    x = cr.tensor([0.3, -0.7, 1.1], requires_grad=True)  # float32
    assert x.dtype == cr.float32
    assert gradcheck(lambda t: (t.exp() * t.sin()).sum(), [x], atol=1e-7, rtol=1e-6)
    assert x.dtype == cr.float32  # the caller's tensor is untouched


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="no input has requires_grad=True"):
        gradcheck(lambda t: t * 2, [cr.ones(2)])
