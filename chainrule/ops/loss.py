"""Fused losses and the special functions they need."""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from .broadcast import shape_of, sum_to_shape
from .elementwise import exp, sigmoid, where
from .reduction import softmax

_erf = np.frompyfunc(math.erf, 1, 1)


class CrossEntropy(Function):
    """loss = mean_i( logsumexp(xᵢ) - xᵢ[yᵢ] ) for logits x (N, C) and classes y (N,).

    Fused because log_softmax followed by a gather and a mean is four nodes and three
    passes over (N, C); this is one pass forward and one backward (bench/bench_mlp.py).
    The general cases (weights, ignore_index, label smoothing, soft targets) are
    composed from ops in nn/functional/loss.py.
    """

    @staticmethod
    def forward(ctx, logits, target, reduction):
        shifted = logits - np.amax(logits, axis=1, keepdims=True)
        log_norm = np.log(np.sum(np.exp(shifted), axis=1))
        rows = np.arange(logits.shape[0])
        losses = log_norm - shifted[rows, target]
        ctx.save_for_backward(logits)
        ctx.target, ctx.reduction = target, reduction
        if reduction == "none":
            return losses
        total = losses.sum()
        return total / logits.shape[0] if reduction == "mean" else total

    # dloss/dx = softmax(x) - onehot(y), scaled by the upstream gradient (and 1/N for mean)
    @staticmethod
    def backward(ctx, grad):
        (logits,) = ctx.saved_tensors
        n = logits.shape[0]
        onehot = np.zeros(logits.shape, dtype=logits.dtype)
        onehot[np.arange(n), ctx.target] = 1
        scale = grad.reshape((-1, 1)) if ctx.reduction == "none" else grad
        if ctx.reduction == "mean":
            scale = scale / n
        return (softmax(logits, 1) - onehot) * scale, None


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
        diff = x - y
        scale = grad * (2.0 / diff.size) if ctx.reduction == "mean" else grad * 2.0
        grad_x = scale * diff
        return sum_to_shape(grad_x, shape_of(x)), sum_to_shape(-grad_x, shape_of(y)), None


class Erf(Function):
    """y = erf(x) = 2/√π ∫₀ˣ e^(-t²) dt"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _erf(x).astype(x.dtype)

    # dy/dx = 2/√π · e^(-x²)
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * exp(-(x * x))


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


def cross_entropy_indices(logits, target: np.ndarray, reduction: str):
    return CrossEntropy.apply(logits, target, reduction)


def mse(x, y, reduction: str):
    return MSE.apply(x, y, reduction)


def erf(x):
    return Erf.apply(x)


def softplus(x, beta: float = 1.0, threshold: float = 20.0):
    return Softplus.apply(x, beta, threshold)
