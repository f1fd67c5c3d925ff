"""RMSprop, Adagrad and Adadelta: step sizes scaled by running gradient magnitudes."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer


def _check(name: str, value: float) -> None:
    if value < 0.0:
        raise ValueError(f"Invalid {name} value: {value}")


class RMSprop(Optimizer):
    """RMSprop (Hinton), optionally centered and with momentum.

    Algorithm::

        g ← g + weight_decay · p
        v ← α v + (1 - α) g²
        s ← √(v - ḡ²) + eps   with ḡ ← α ḡ + (1 - α) g,  if centered
        s ← √v + eps           otherwise
        b ← momentum · b + g/s;  p ← p - lr · b     if momentum > 0
        p ← p - lr · g/s                            otherwise

    With `fused` unset or True the update runs as one compiled pass per parameter
    (kernels/optim.py) where numba is installed; fused=False keeps the NumPy passes.
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
                 *, maximize: bool = False, fused: bool | None = None) -> None:
        for name, value in (("learning rate", lr), ("epsilon", eps), ("alpha", alpha),
                            ("momentum", momentum), ("weight_decay", weight_decay)):
            _check(name, value)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize,
                                      fused=fused))

    def _init_state(self, p, group) -> dict:
        state = {"step": 0, "square_avg": np.zeros_like(p._data)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(p._data)
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(p._data)
        return state

    def _update(self, param, grad, state, group) -> None:
        state["step"] += 1
        alpha = group["alpha"]
        v = state["square_avg"]
        fused = self._fused("rmsprop", group, param, grad)
        if fused:
            flat = [state.get(name, v).reshape(-1) for name in ("grad_avg", "momentum_buffer")]
            fused(param.reshape(-1), grad.reshape(-1), v.reshape(-1), *flat, alpha,
                  group["eps"], group["lr"], group["momentum"], group["centered"])
            return
        v *= alpha
        v += (1 - alpha) * grad * grad
        if group["centered"]:
            g_avg = state["grad_avg"]
            g_avg *= alpha
            g_avg += (1 - alpha) * grad
            avg = np.sqrt(v - g_avg * g_avg) + group["eps"]
        else:
            avg = np.sqrt(v) + group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += grad / avg
            param -= group["lr"] * buf
        else:
            param -= group["lr"] * grad / avg


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): steps shrink with the sum of squared gradients.

    Algorithm, at step t::

        g ← g + weight_decay · p
        lr_t = lr / (1 + (t - 1) · lr_decay)
        S ← S + g²
        p ← p - lr_t · g / (√S + eps)
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, *, maximize: bool = False) -> None:
        for name, value in (("learning rate", lr), ("lr_decay", lr_decay), ("epsilon", eps),
                            ("weight_decay", weight_decay),
                            ("initial_accumulator_value", initial_accumulator_value)):
            _check(name, value)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))

    def _init_state(self, p, group) -> dict:
        return {"step": 0, "sum": np.full_like(p._data, group["initial_accumulator_value"])}

    def _update(self, param, grad, state, group) -> None:
        state["step"] += 1
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        total = state["sum"]
        total += grad * grad
        param -= lr * grad / (np.sqrt(total) + group["eps"])


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): step sizes from running averages of g² and of past steps.

    Algorithm::

        g ← g + weight_decay · p
        v ← ρ v + (1 - ρ) g²
        Δ ← √(u + eps) / √(v + eps) · g
        u ← ρ u + (1 - ρ) Δ²
        p ← p - lr · Δ
    """

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        for name, value in (("learning rate", lr), ("epsilon", eps),
                            ("weight_decay", weight_decay)):
            _check(name, value)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _init_state(self, p, group) -> dict:
        return {"step": 0, "square_avg": np.zeros_like(p._data),
                "acc_delta": np.zeros_like(p._data)}

    def _update(self, param, grad, state, group) -> None:
        state["step"] += 1
        rho, eps = group["rho"], group["eps"]
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * grad * grad
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * grad
        u *= rho
        u += (1 - rho) * delta * delta
        param -= group["lr"] * delta
