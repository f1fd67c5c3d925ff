"""Activation functions, composed from differentiable ops (so every order of gradient
is exact) except where a fused op in chainrule.ops is faster."""

from __future__ import annotations

import math

from ... import ops

relu = ops.relu
sigmoid = ops.sigmoid
tanh = ops.tanh


def softmax(input, dim: int):
    return ops.softmax(input, dim)


def log_softmax(input, dim: int):
    return ops.log_softmax(input, dim)


def leaky_relu(input, negative_slope: float = 0.01):
    """x for x > 0, negative_slope·x otherwise."""
    return ops.where(input > 0, input, input * negative_slope)


def elu(input, alpha: float = 1.0):
    """x for x > 0, α(eˣ - 1) otherwise."""
    # exp of the clamped input: exp(x) of a large positive x would overflow in the
    # branch `where` discards, and its gradient would turn 0·inf into NaN.
    negative = (ops.exp(ops.clamp(input, max=0.0)) - 1) * alpha
    return ops.where(input > 0, input, negative)


def gelu(input, approximate: str = "none"):
    """x·Φ(x), with Φ the standard normal CDF; approximate='tanh' uses the tanh formula."""
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
        return input * 0.5 * (ops.tanh(inner) + 1)
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return input * 0.5 * (ops.erf(input * (1 / math.sqrt(2))) + 1)


def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    """log(1 + e^(βx))/β, linear where βx > threshold."""
    return ops.softplus(input, beta, threshold)


SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def selu(input):
    """scale·(x if x > 0 else α(eˣ - 1)), with the constants that keep activations
    standardized through deep networks (Klambauer et al., 2017)."""
    return elu(input, SELU_ALPHA) * SELU_SCALE


def celu(input, alpha: float = 1.0):
    """x if x > 0 else α(e^(x/α) - 1)."""
    negative = (ops.exp(ops.clamp(input, max=0.0) / alpha) - 1) * alpha
    return ops.where(input > 0, input, negative)


def mish(input):
    """x·tanh(softplus(x))."""
    return input * ops.tanh(ops.softplus(input))


def hardsigmoid(input):
    """clamp(x/6 + 1/2, 0, 1)."""
    return ops.clamp(input / 6 + 0.5, 0.0, 1.0)


def hardswish(input):
    """x·hardsigmoid(x)."""
    return input * hardsigmoid(input)


def softsign(input):
    """x / (1 + |x|)."""
    return input / (ops.abs(input) + 1)


def tanhshrink(input):
    """x - tanh(x)."""
    return input - ops.tanh(input)


def threshold(input, threshold: float, value: float):
    """x where x > threshold, else value."""
    return ops.where(input > threshold, input, value)


def logsigmoid(input):
    """log σ(x) = -softplus(-x), finite for large |x|."""
    return -ops.softplus(-input)


def softmin(input, dim: int):
    """softmax(-x)."""
    return ops.softmax(-input, dim)


def prelu(input, weight):
    """x if x > 0 else a·x, with a learned a per channel (axis 1) or one shared."""
    if weight.numel() > 1 and input.ndim > 1:
        weight = weight.reshape((1, -1) + (1,) * (input.ndim - 2))
    return ops.where(input > 0, input, input * weight)


def rrelu(input, lower: float = 1 / 8, upper: float = 1 / 3, training: bool = False):
    """Leaky ReLU with slope (lower + upper)/2 in eval mode (random slopes in training)."""
    if training:
        raise NotImplementedError("rrelu: only eval mode (training=False) is supported")
    return leaky_relu(input, (lower + upper) / 2)
