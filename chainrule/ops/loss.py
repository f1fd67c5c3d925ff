"""Fused losses and the special functions they need."""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
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


def erf(x):
    return Erf.apply(x)


def softplus(x, beta: float = 1.0, threshold: float = 20.0):
    return Softplus.apply(x, beta, threshold)
