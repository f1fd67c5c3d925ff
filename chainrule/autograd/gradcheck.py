"""Check analytic gradients against central finite differences.

Inputs are always copied to float64 first: in float32 the rounding error of a
finite difference (about 1e-7 / eps) swamps the comparison and raises false alarms.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .engine import grad as autograd_grad
from .tensor_base import TensorBase as Tensor


class GradcheckError(RuntimeError):
    """The analytic and numerical gradients disagree."""


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _float64_inputs(inputs) -> tuple:
    out = []
    for x in _as_tuple(inputs):
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            t = Tensor._wrap(x._data.astype(np.float64))
            t._requires_grad = x.requires_grad
            out.append(t)
        else:
            out.append(x)
    return tuple(out)


def _outputs(fn, inputs) -> list[Tensor]:
    return [o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor)]


def _differentiable_outputs(fn, inputs) -> list[Tensor]:
    """The outputs that take gradients (not indices, masks, or constants)."""
    return [o for o in _outputs(fn, inputs) if o.requires_grad]


def _flat_outputs(fn, inputs) -> np.ndarray:
    outs = _outputs(fn, inputs)  # with grad enabled: fn may differentiate inside
    if not outs:
        return np.zeros(0)
    return np.concatenate([o._data.astype(np.float64).ravel() for o in outs])


def _vjp(fn, inputs, wrt, cotangent: np.ndarray) -> list[np.ndarray]:
    """vᵀJ for each tensor in `wrt`, by the engine under test."""
    outs, seeds, offset = [], [], 0
    for o in _outputs(fn, inputs):
        n = o.numel()
        if o.requires_grad:
            outs.append(o)
            seeds.append(cotangent[offset : offset + n].reshape(o.shape).astype(o.dtype))
        offset += n
    if not outs:
        return [np.zeros(t.shape) for t in wrt]
    grads = autograd_grad(outs, wrt, seeds, allow_unused=True)
    return [np.zeros(t.shape) if g is None else g._data.astype(np.float64)
            for t, g in zip(wrt, grads)]


def _fail(message: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(message)
    return False


def _compare(name: str, analytic: np.ndarray, numeric: np.ndarray, atol, rtol, raise_exception):
    bad = np.abs(analytic - numeric) > atol + rtol * np.abs(numeric)
    if not bad.any():
        return True
    error = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    worst = np.unravel_index(np.argmax(np.where(bad, error, -np.inf)), analytic.shape)
    a, n = analytic[worst], numeric[worst]
    return _fail(
        f"Jacobian mismatch for {name} at index {tuple(int(i) for i in worst)}: analytic "
        f"{a:.10g}, numerical {n:.10g}, absolute error {abs(a - n):.3g}, relative error "
        f"{abs(a - n) / max(abs(n), 1e-300):.3g} (atol={atol}, rtol={rtol})",
        raise_exception,
    )


def gradcheck(
    fn: Callable,
    inputs: Sequence | Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool = False,
    nondet_tol: float = 0.0,
    seed: int = 0,
) -> bool:
    """Compare the engine's gradients of `fn` with central finite differences.

    Args:
        fn: a function of `inputs` returning a Tensor or a tuple of Tensors.
        inputs: the inputs; those with requires_grad=True are checked.
        eps: the finite-difference step.
        atol, rtol: tolerances, as in `numpy.isclose`.
        fast_mode: compare one random projection vᵀJu instead of the whole Jacobian.

    Returns:
        True, or raises `GradcheckError` naming the input, the worst element, both
        values and the errors (returns False instead if raise_exception=False).
    """
    inputs = _float64_inputs(inputs)
    wrt = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input has requires_grad=True; nothing to check")
    names = {id(t): f"input {i}" for i, t in enumerate(inputs) if isinstance(t, Tensor)}
    out_size = _flat_outputs(fn, inputs).size
    rng = np.random.default_rng(seed)

    if fast_mode:
        v = rng.standard_normal(out_size)
        vjps = _vjp(fn, inputs, wrt, v)
        for t, vjp in zip(wrt, vjps):
            u = rng.standard_normal(t.shape)
            numeric = _directional(fn, inputs, t, u, eps) @ v
            analytic = float(np.sum(vjp * u))
            if not _compare(names[id(t)] + " (vᵀJu)", np.array([analytic]),
                            np.array([numeric]), atol, rtol, raise_exception):
                return False
        return True

    for t in wrt:
        numeric = np.zeros((out_size, t.numel()))
        for j in range(t.numel()):
            direction = np.zeros(t.numel())
            direction[j] = 1
            numeric[:, j] = _directional(fn, inputs, t, direction.reshape(t.shape), eps)
        analytic = np.zeros_like(numeric)
        for i in range(out_size):
            cotangent = np.zeros(out_size)
            cotangent[i] = 1
            analytic[i] = _vjp(fn, inputs, [t], cotangent)[0].ravel()
        if not _compare(names[id(t)], analytic, numeric, atol, rtol, raise_exception):
            return False
    return True


def _directional(fn, inputs, t: Tensor, direction: np.ndarray, eps: float) -> np.ndarray:
    """(f(x + eps·u) - f(x - eps·u)) / 2eps, perturbing tensor `t` in place and restoring it."""
    original = t._data.copy()
    t._data = np.asarray(original + eps * direction)  # 0-d arithmetic gives NumPy scalars
    plus = _flat_outputs(fn, inputs)
    t._data = np.asarray(original - eps * direction)
    minus = _flat_outputs(fn, inputs)
    t._data = original
    return (plus - minus) / (2 * eps)


def gradgradcheck(
    fn: Callable,
    inputs: Sequence | Tensor,
    grad_outputs: Sequence | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool = False,
    seed: int = 0,
) -> bool:
    """gradcheck of the gradient: checks second derivatives (create_graph=True)."""
    inputs = _float64_inputs(inputs)
    rng = np.random.default_rng(seed + 1)
    wrt_index = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    outs = _differentiable_outputs(fn, inputs)
    if grad_outputs is None:
        grad_outputs = [Tensor._wrap(rng.standard_normal(o.shape)) for o in outs]
    cotangents = [
        Tensor._wrap(np.asarray(g._data if isinstance(g, Tensor) else g, dtype=np.float64))
        for g in _as_tuple(grad_outputs)
    ]
    for c in cotangents:
        c._requires_grad = True

    def first_derivative(*args):
        xs, vs = args[: len(inputs)], args[len(inputs) :]
        outs = _differentiable_outputs(fn, xs)
        wrt = [xs[i] for i in wrt_index]
        grads = autograd_grad(outs, wrt, list(vs), create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivative, tuple(inputs) + tuple(cotangents), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception, fast_mode=fast_mode, seed=seed)
