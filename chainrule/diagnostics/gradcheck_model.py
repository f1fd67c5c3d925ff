"""`gradcheck_model`: a whole model's gradients against finite differences, ranked.

The check runs on a float64 copy of the model (the model itself is untouched), so the
finite differences are accurate; a parameter whose analytic and numeric gradients
disagree points at a wrong backward somewhere in the ops it feeds.
"""

from __future__ import annotations

import copy

import numpy as np

from ..tensor import Tensor


def gradcheck_model(model, inputs, loss_fn, elements: int = 8, eps: float = 1e-6,
                    seed: int = 0) -> list[tuple[str, float]]:
    """Compare each parameter's gradient with central differences of the loss.

    Args:
        model: the module; a float64 copy in eval mode is checked (no dropout noise).
        inputs: the model's input (or a tuple of inputs).
        loss_fn: `loss_fn(output) -> scalar tensor` (close over the targets).
        elements: how many elements of each parameter to perturb (chosen at random).

    Returns (name, worst relative error) per parameter, the worst first.
    """
    twin = copy.deepcopy(model).double().eval()
    args = inputs if isinstance(inputs, tuple) else (inputs,)
    args = tuple(Tensor._wrap(np.asarray(getattr(a, "_data", a), dtype=np.float64))
                 if np.asarray(getattr(a, "_data", a)).dtype.kind == "f" else a for a in args)
    for p in twin.parameters():
        p.grad = None
    loss_fn(twin(*args)).backward()
    rng = np.random.default_rng(seed)
    ranking = []
    for name, p in twin.named_parameters():
        if p.grad is None:
            continue
        flat, analytic = p._data.reshape(-1), p.grad._data.reshape(-1)
        worst = 0.0
        for i in rng.choice(flat.size, size=min(elements, flat.size), replace=False):
            keep = flat[i]
            flat[i] = keep + eps
            up = float(loss_fn(twin(*args)))
            flat[i] = keep - eps
            down = float(loss_fn(twin(*args)))
            flat[i] = keep
            numeric = (up - down) / (2 * eps)
            scale = max(abs(numeric), abs(analytic[i]), 1e-6)
            worst = max(worst, abs(numeric - analytic[i]) / scale)
        ranking.append((name, worst))
    return sorted(ranking, key=lambda item: -item[1])
