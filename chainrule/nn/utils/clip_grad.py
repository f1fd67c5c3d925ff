"""Gradient clipping and flattening parameters to one vector."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ...tensor import Tensor


def _with_grads(parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients together so their joint norm is at most max_norm.

    Returns:
        The total norm of the gradients before clipping, as a tensor.
    """
    params = _with_grads(parameters)
    if not params:
        return Tensor._wrap(np.asarray(0.0, dtype=np.float32))
    grads = [p.grad._data for p in params]
    if norm_type == float("inf"):
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    else:
        total = float(sum(np.sum(np.abs(g.astype(np.float64)) ** norm_type) for g in grads))
        total = total ** (1.0 / norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"the total norm of order {norm_type} of the gradients is non-finite ({total}), "
            f"so it cannot be clipped; pass error_if_nonfinite=False to clip anyway"
        )
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for g in grads:
            g *= scale
    return Tensor._wrap(np.asarray(total, dtype=grads[0].dtype))


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float) -> None:
    """Clamp every gradient element to [-clip_value, clip_value]."""
    for p in _with_grads(parameters):
        np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one 1-D tensor (a copy)."""
    return Tensor._wrap(np.concatenate([p._data.ravel() for p in parameters]))


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of vec into the parameters, in place."""
    data = vec._data if isinstance(vec, Tensor) else np.asarray(vec)
    if data.ndim != 1:
        raise TypeError(f"expected a 1-D vector, got shape {data.shape}")
    offset = 0
    for p in parameters:
        n = p.numel()
        if offset + n > data.size:
            raise ValueError(f"the vector has {data.size} elements, too few for the parameters")
        p._data[...] = data[offset : offset + n].reshape(p.shape)
        p._bump_version()
        offset += n
    if offset != data.size:
        raise ValueError(f"the vector has {data.size} elements but the parameters take {offset}")
