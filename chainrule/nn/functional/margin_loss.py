"""Losses on distances, similarities and margins (metric learning, ranking), and the
Poisson and Gaussian negative log-likelihoods; composed from ops with PyTorch's formulas."""

from __future__ import annotations

import math

from ... import ops
from .activation import logsigmoid
from .distance import pairwise_distance
from .loss import _as_tensor_like, _reduce


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2.0,
                        eps: float = 1e-6, swap: bool = False, reduction: str = "mean"):
    """max(d(a, p) - d(a, n) + margin, 0): the anchor nearer its positive than its negative."""
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ops.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(ops.clamp(d_pos - d_neg + margin, min=0.0), reduction)


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0,
                          reduction: str = "mean"):
    """1 - cos(x1, x2) for target 1; max(0, cos(x1, x2) - margin) for target -1."""
    eps = 1e-12
    cos = (input1 * input2).sum(-1) / ops.sqrt(((input1 * input1).sum(-1) + eps) *
                                                ((input2 * input2).sum(-1) + eps))
    target = _as_tensor_like(target, cos)
    loss = ops.where(target == 1, 1 - cos, ops.clamp(cos - margin, min=0.0) * (target == -1))
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, reduction: str = "mean"):
    """max(0, -y·(x1 - x2) + margin): x1 should rank above x2 where y = 1, below where -1."""
    return _reduce(ops.clamp(-target * (input1 - input2) + margin, min=0.0), reduction)


def hinge_embedding_loss(input, target, margin: float = 1.0, reduction: str = "mean"):
    """x where y = 1, max(0, margin - x) where y = -1."""
    target = _as_tensor_like(target, input)
    beyond = ops.where(target != 1, ops.clamp(margin - input, min=0.0), 0.0)
    return _reduce(beyond + ops.where(target != -1, input, 0.0), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, reduction: str = "mean"):
    """Binary cross-entropy on logits, averaged over the C labels of each sample."""
    target = _as_tensor_like(target, input)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.mean(-1), reduction)


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False,
                     eps: float = 1e-8, reduction: str = "mean"):
    """exp(x) - y·x for log-rates x (or x - y·log(x + eps) for rates); `full` adds
    Stirling's approximation of log(y!) where y > 1."""
    target = _as_tensor_like(target, input)
    if log_input:
        loss = ops.exp(input) - target * input
    else:
        loss = input - target * ops.log(input + eps)
    if full:
        y = target.detach()
        safe = ops.where(y > 1, y, 1.0)
        stirling = safe * ops.log(safe) - safe + ops.log(safe * (2 * math.pi)) * 0.5
        loss = loss + ops.where(y > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean"):
    """½(log var + (x - y)²/var) (+ ½log 2π if full), with var clamped below at eps
    (the clamp does not block var's gradient, as in PyTorch)."""
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError(f"gaussian_nll_loss: var of shape {tuple(var.shape)} does not "
                             f"match input of shape {tuple(input.shape)}")
    held = var.detach()
    var = var + (ops.clamp(held, min=eps) - held)
    loss = (ops.log(var) + (input - target) ** 2 / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
