"""The softmax family: logsumexp, softmax, log_softmax, and the fused cross-entropy.

All four shift by the maximum before exponentiating, so logits of ±1e4 stay finite.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .primitives import keep_shape, ndim_of, normalize_dim, normalize_dims, sum_
from .unary import exp


class LogSumExp(Function):
    """y = log Σ exp x over `axes`, computed as m + log Σ exp(x - m) with m = max x"""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.keep_shape = keep_shape(x.shape, axes)
        m = np.amax(x, axis=axes, keepdims=True) if x.size else np.zeros(ctx.keep_shape, x.dtype)
        m = np.where(np.isfinite(m), m, 0)
        y = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
        out = y if keepdim else y.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))
        ctx.save_for_backward(x, out)
        return out

    # dy/dx = exp(x - y), the softmax
    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return grad.reshape(ctx.keep_shape) * exp(x - y.reshape(ctx.keep_shape))


def logsumexp(x, dim, keepdim: bool = False):
    return LogSumExp.apply(x, normalize_dims(dim, ndim_of(x), "logsumexp"), keepdim)


class Softmax(Function):
    """yᵢ = exp xᵢ / Σⱼ exp xⱼ along `dim`"""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        e = np.exp(x - np.amax(x, axis=dim, keepdims=True))
        y = e / np.sum(e, axis=dim, keepdims=True)
        ctx.save_for_backward(y)
        return y

    # dx = y ⊙ (g - Σ g⊙y): the Jacobian diag(y) - y yᵀ applied without forming it
    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return y * (grad - sum_(grad * y, ctx.dim, True))


def softmax(x, dim: int):
    return Softmax.apply(x, normalize_dim(dim, ndim_of(x), "softmax"))


class LogSoftmax(Function):
    """y = x - logsumexp(x) along `dim`"""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        shifted = x - np.amax(x, axis=dim, keepdims=True)
        y = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        return y

    # dx = g - softmax(x) Σ g, with softmax(x) = exp(y)
    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad - exp(y) * sum_(grad, ctx.dim, True)


def log_softmax(x, dim: int):
    return LogSoftmax.apply(x, normalize_dim(dim, ndim_of(x), "log_softmax"))


class CrossEntropy(Function):
    """Softmax cross-entropy of logits x (N, C) against class indices y (N,), fused.

    With class weights w (ones if None), label smoothing ε and lseᵢ = logsumexp(xᵢ),
    each item that is not ignored has

        ℓᵢ = (1 - ε)·w[yᵢ]·(lseᵢ - xᵢ[yᵢ]) + (ε/C)·Σ_c w_c·(lseᵢ - xᵢc)

    and 'mean' divides Σℓ by Σ w[yᵢ] over those items (PyTorch's rule). Fused because
    log_softmax, a gather, the smoothing sum and the mean are a dozen nodes and as
    many passes over (N, C); this is one pass forward and one backward
    (bench/bench_mlp.py). Targets must already be checked (nn.functional.cross_entropy).
    """

    @staticmethod
    def forward(ctx, logits, target, weight, ignore_index, reduction, smoothing):
        n, c = logits.shape
        shifted = logits - np.amax(logits, axis=1, keepdims=True)
        log_norm = np.log(np.sum(np.exp(shifted), axis=1))
        valid = target != ignore_index
        everything = bool(valid.all())
        safe = target if everything else np.where(valid, target, 0)
        losses = log_norm - shifted[np.arange(n), safe]
        if weight is None:
            item_weight = None if everything else valid.astype(logits.dtype)
        else:
            item_weight = np.where(valid, weight[safe], 0).astype(logits.dtype)
        if item_weight is not None:
            losses *= item_weight
        if smoothing:
            losses *= 1 - smoothing
            if weight is None:
                smooth = c * log_norm - shifted.sum(axis=1)
            else:
                smooth = weight.sum() * log_norm - shifted @ weight.astype(logits.dtype)
            losses += (smoothing / c) * (smooth if everything else smooth * valid)
        ctx.save_for_backward(logits)
        ctx.shifted, ctx.log_norm = shifted, log_norm
        ctx.target, ctx.weight, ctx.valid, ctx.item_weight = safe, weight, valid, item_weight
        ctx.reduction, ctx.smoothing, ctx.everything = reduction, smoothing, everything
        ctx.denominator = n if item_weight is None else item_weight.sum()
        if reduction == "none":
            return losses
        total = losses.sum()
        return total / logits.dtype.type(ctx.denominator) if reduction == "mean" else total

    # dℓᵢ/dxᵢ = aᵢ·softmax(xᵢ) - bᵢ, with aᵢ = (1 - ε)·w[yᵢ] + (ε/C)·Σw and
    # bᵢ = (1 - ε)·w[yᵢ]·onehot(yᵢ) + (ε/C)·w (0 for ignored items); without weights
    # and smoothing, the familiar softmax(x) - onehot(y)
    @staticmethod
    def backward(ctx, grad):
        (logits,) = ctx.saved_tensors
        n, c = logits.shape
        dtype, eps = logits.dtype, ctx.smoothing
        item = np.ones(n, dtype) if ctx.item_weight is None else ctx.item_weight
        b = np.zeros((n, c), dtype=dtype)
        b[np.arange(n), ctx.target] = item * (1 - eps)
        a = None
        if eps:
            w = np.ones(c, dtype) if ctx.weight is None else ctx.weight.astype(dtype)
            valid = ctx.valid.astype(dtype)[:, None]
            b += (eps / c) * w * valid
            a = (item * (1 - eps))[:, None] + (eps / c) * w.sum() * valid
        elif not (ctx.weight is None and ctx.everything):
            a = item[:, None]
        if ctx.recording:
            p = softmax(logits, 1)  # an op, so that second derivatives are exact
        else:  # reuse the forward's work: softmax = exp(shifted - log Σ exp shifted)
            p = np.exp(ctx.shifted - ctx.log_norm[:, None])
        local = p - b if a is None else p * a - b
        if ctx.reduction == "none":
            return local * grad.reshape((-1, 1)), None, None, None, None, None
        scale = grad / dtype.type(ctx.denominator) if ctx.reduction == "mean" else grad
        return local * scale, None, None, None, None, None


def cross_entropy_indices(logits, target: np.ndarray, weight=None, ignore_index: int = -100,
                          reduction: str = "mean", label_smoothing: float = 0.0):
    return CrossEntropy.apply(logits, target, weight, ignore_index, reduction, label_smoothing)
