"""Which input values a prediction depends on: saliency and integrated gradients.

Both are gradients of one class score with respect to the input, computed by the same
backward pass as training.
"""

from __future__ import annotations

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor


def _as_input(x) -> Tensor:
    array = getattr(x, "_data", x)
    return Tensor._wrap(np.array(array, dtype=np.result_type(array, np.float32)))


def _score_gradient(model, x: Tensor, target) -> tuple[np.ndarray, np.ndarray]:
    """d(score of class `target`)/dx for each sample, and the scores."""
    x = x.detach().requires_grad_()
    with enable_grad():
        scores = model(x)
        chosen = scores[np.arange(x.shape[0]), np.broadcast_to(np.asarray(target),
                                                               (x.shape[0],))]
        chosen.sum().backward()
    return x.grad.numpy(), chosen.detach().numpy()


def saliency(model, x, target, abs: bool = True) -> Tensor:
    """The gradient of the class score `model(x)[:, target]` with respect to `x`.

    Args:
        model: a classifier returning scores of shape (N, classes).
        x: inputs (N, ...); target: a class index, or one per sample.
        abs: return its absolute value (the usual saliency map).

    Shape: same as x.
    """
    was_training = model.training
    model.eval()
    try:
        grad, _ = _score_gradient(model, _as_input(x), target)
    finally:
        model.train(was_training)
    return Tensor._wrap(np.abs(grad) if abs else grad)


def integrated_gradients(model, x, target, baseline=None, steps: int = 50) -> Tensor:
    """Integrated gradients: (x - baseline) times the average gradient of the class score
    along the straight path from `baseline` to `x` (trapezoidal rule, `steps` intervals).

    The attributions of a sample sum to score(x) - score(baseline) up to the rule's error
    (completeness).

    Args:
        baseline: the reference input (zeros, a black image, by default).
        steps: intervals of the path; more is more exact.

    Shape: same as x.
    """
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    x = _as_input(x)
    base = np.zeros_like(x._data) if baseline is None else \
        np.broadcast_to(np.asarray(getattr(baseline, "_data", baseline), x.dtype), x.shape)
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] /= 2  # trapezoid
    total = np.zeros_like(x._data, dtype=np.float64)
    was_training = model.training
    model.eval()
    try:
        for alpha, weight in zip(np.linspace(0.0, 1.0, steps + 1), weights):
            point = Tensor._wrap((base + alpha * (x._data - base)).astype(x.dtype))
            grad, _ = _score_gradient(model, point, target)
            total += weight * grad
    finally:
        model.train(was_training)
    return Tensor._wrap((total * (x._data - base)).astype(x.dtype))
