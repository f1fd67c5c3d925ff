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
