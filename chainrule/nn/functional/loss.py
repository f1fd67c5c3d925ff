"""Loss functions with PyTorch's semantics and `reduction` ('none', 'mean', 'sum').

Numerically stable: logits of ±1e4 give finite losses and gradients, because every
log-probability comes from log_softmax or the log1p(exp(-|x|)) form, never log(0).
"""

from __future__ import annotations

import warnings

import numpy as np

from ... import ops
from ...ops.loss import mse
from ...ops.softmax import cross_entropy_indices
from ...tensor import Tensor

REDUCTIONS = ("none", "mean", "sum")


def _reduce(loss, reduction: str):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _warn_if_broadcasting(input, target, name: str) -> None:
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(
            f"{name}: using a target size {tuple(target.shape)} that is different to the "
            f"input size {tuple(input.shape)}. This will likely lead to incorrect results "
            f"due to broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


def _as_tensor_like(target, input):
    if isinstance(target, Tensor):
        return target
    return Tensor._wrap(np.asarray(target, dtype=input.dtype))


# -- regression -------------------------------------------------------------------------


def mse_loss(input, target, reduction: str = "mean"):
    """(x - y)², averaged or summed."""
    _warn_if_broadcasting(input, target, "mse_loss")
    _check_reduction(reduction)
    return mse(input, target, reduction)


def l1_loss(input, target, reduction: str = "mean"):
    """|x - y|."""
    _warn_if_broadcasting(input, target, "l1_loss")
    return _reduce(ops.abs(input - target), reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0):
    """½d² where |d| < delta, else delta·(|d| - ½delta), with d = x - y."""
    _warn_if_broadcasting(input, target, "huber_loss")
    diff = input - target
    size = ops.abs(diff)
    loss = ops.where(size < delta, diff * diff * 0.5, (size - 0.5 * delta) * delta)
    return _reduce(loss, reduction)


def smooth_l1_loss(input, target, reduction: str = "mean", beta: float = 1.0):
    """½d²/beta where |d| < beta, else |d| - ½beta; the L1 loss when beta is 0."""
    _warn_if_broadcasting(input, target, "smooth_l1_loss")
    diff = input - target
    size = ops.abs(diff)
    if beta == 0:
        return _reduce(size, reduction)
    loss = ops.where(size < beta, diff * diff * (0.5 / beta), size - 0.5 * beta)
    return _reduce(loss, reduction)


# -- classification ---------------------------------------------------------------------


def _class_targets(input, target, ignore_index: int) -> np.ndarray:
    """Class indices (N, *) for input (N, C, *), checked: integers, the right shape, and
    every index but `ignore_index` in [0, C). Every classification loss checks here."""
    target = target._data if isinstance(target, Tensor) else np.asarray(target)
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"class-index targets must be integers, got {target.dtype}; use .long(), or pass "
            f"class probabilities with the same shape as the input"
        )
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise ValueError(
            f"target of shape {tuple(target.shape)} does not match input of shape "
            f"{tuple(input.shape)}; class indices need shape {expected}"
        )
    n_classes = input.shape[1]
    wrong = ((target < 0) | (target >= n_classes)) & (target != ignore_index)
    if wrong.any():
        raise IndexError(
            f"target {int(target[wrong].flat[0])} is out of bounds for {n_classes} classes; "
            f"class indices must lie in [0, {n_classes - 1}] (or equal ignore_index="
            f"{ignore_index})"
        )
    return target


def _nll_terms(input, target, weight, ignore_index: int):
    """-w[y]·logp[y] per item, and w[y] per item (0 where the target is ignored)."""
    target = _class_targets(input, target, ignore_index)
    n_classes = input.shape[1]
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    picked = -ops.gather(input, 1, np.expand_dims(safe, 1)).squeeze(1)
    w = np.ones(n_classes, dtype=input.dtype) if weight is None else _weights(weight)
    item_weights = np.where(valid, w[safe], 0).astype(input.dtype)
    return picked * item_weights, item_weights


def _reduce_weighted(loss, item_weights: np.ndarray, reduction: str):
    """PyTorch's rule for class targets: 'mean' divides by the summed weights of the items."""
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / item_weights.sum()


def nll_loss(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean"):
    """-w[y]·logp[y] for log-probabilities (N, C, *) and class indices (N, *)."""
    _check_reduction(reduction)
    loss, item_weights = _nll_terms(input, target, weight, ignore_index)
    return _reduce_weighted(loss, item_weights, reduction)


def _weights(weight) -> np.ndarray:
    return weight._data if isinstance(weight, Tensor) else np.asarray(weight)


def cross_entropy(input, target, weight=None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0):
    """Softmax cross-entropy of logits (N, C, *) against class indices (N, *) or class
    probabilities (N, C, *)."""
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    if input.ndim == 1:  # one sample's class scores: treat it as a batch of one
        target = target.unsqueeze(0) if isinstance(target, Tensor) else np.asarray(target)[None]
        out = cross_entropy(input.unsqueeze(0), target, weight, ignore_index, reduction,
                            label_smoothing)
        return out.squeeze(0) if reduction == "none" else out
    target_data = target._data if isinstance(target, Tensor) else np.asarray(target)
    if target_data.dtype.kind != "f":
        target_data = _class_targets(input, target_data, ignore_index)
        weight = None if weight is None else _weights(weight)
        if input.ndim == 2:
            return cross_entropy_indices(input, target_data, weight, ignore_index, reduction,
                                         label_smoothing)
        # (N, C, d1, ...): classes last, then one row per position
        n_classes = input.shape[1]
        rows = ops.permute(input, (0, *range(2, input.ndim), 1)).reshape(-1, n_classes)
        loss = cross_entropy_indices(rows, target_data.reshape(-1), weight, ignore_index,
                                     reduction, label_smoothing)
        return loss.reshape(target_data.shape) if reduction == "none" else loss

    # class probabilities (N, C, *)
    if tuple(target_data.shape) != tuple(input.shape):
        raise ValueError(
            f"class-probability targets must have the input's shape {tuple(input.shape)}, "
            f"got {tuple(target_data.shape)}"
        )
    log_probs = ops.log_softmax(input, 1)
    n_classes = input.shape[1]
    probs = target_data * (1 - label_smoothing) + label_smoothing / n_classes
    terms = log_probs * probs.astype(input.dtype)
    if weight is not None:
        terms = terms * _weights(weight).reshape((1, -1) + (1,) * (input.ndim - 2))
    return _reduce(-terms.sum(1), reduction)


def binary_cross_entropy(input, target, weight=None, reduction: str = "mean"):
    """-w·(y log p + (1 - y) log(1 - p)) for probabilities p; logs are clamped at -100."""
    _warn_if_broadcasting(input, target, "binary_cross_entropy")
    data = input._data
    if np.any((data < 0) | (data > 1)):
        raise ValueError(
            "binary_cross_entropy: all input values must be between 0 and 1; apply a sigmoid "
            "first, or use binary_cross_entropy_with_logits on the raw scores"
        )
    target = _as_tensor_like(target, input)
    log_p = ops.clamp(ops.log(input), min=-100.0)
    log_q = ops.clamp(ops.log(1 - input), min=-100.0)
    loss = -(target * log_p + (1 - target) * log_q)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction: str = "mean",
                                     pos_weight=None):
    """BCE on logits x, computed as (1 - y)x + (1 + (pw - 1)y)(log1p(e^-|x|) + max(-x, 0)).

    That form never evaluates exp of a large positive number, so logits of ±1e4
    give finite values and gradients.
    """
    _warn_if_broadcasting(input, target, "binary_cross_entropy_with_logits")
    target = _as_tensor_like(target, input)
    log_sigmoid_neg = ops.log1p(ops.exp(-ops.abs(input))) + ops.relu(-input)  # -log σ(x)
    if pos_weight is not None:
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + log_weight * log_sigmoid_neg
    else:
        loss = (1 - target) * input + log_sigmoid_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, reduction: str = "mean", log_target: bool = False):
    """Σ y·(log y - x) for log-probabilities x; reduction 'batchmean' divides by N."""
    if reduction == "batchmean":
        return kl_div(input, target, "sum", log_target) / input.shape[0]
    target = _as_tensor_like(target, input)
    if log_target:
        loss = ops.exp(target) * (target - input)
    else:
        t = target._data
        positive = t > 0
        entropy_term = np.where(positive, t * np.log(np.where(positive, t, 1)), 0)
        loss = entropy_term.astype(input.dtype) - target * input
    return _reduce(loss, reduction)
