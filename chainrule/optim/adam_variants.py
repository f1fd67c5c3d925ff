"""Adam's variants: Adamax (infinity norm), NAdam (Nesterov momentum), RAdam (rectified)."""

from __future__ import annotations

import math

import numpy as np

from ..dtypes import get_default_dtype
from .adam import check_adam_options
from .optimizer import Optimizer


def _step_moments(optimizer, param, grad, state, group) -> tuple:
    """What NAdam and RAdam share each step: count it, decay the weights if decoupled,
    and update m ← β₁m + (1 - β₁)g and v ← β₂v + (1 - β₂)g² in place."""
    beta1, beta2 = group["betas"]
    lr, decay = group["lr"], group["weight_decay"]
    state["step"] += 1
    if decay and optimizer.decoupled_weight_decay:
        param *= 1 - lr * decay
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m += (grad - m) * (1 - beta1)
    v *= beta2
    v += (1 - beta2) * grad * grad
    return state["step"], lr, beta1, beta2, m, v


def _moments(p) -> dict:
    return {"step": 0, "exp_avg": np.zeros_like(p._data), "exp_avg_sq": np.zeros_like(p._data)}


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, 2015): Adam with the infinity norm of past gradients.

    Algorithm, at step t::

        m ← β₁ m + (1 - β₁) g
        u ← max(β₂ u, |g| + eps)
        p ← p - lr/(1 - β₁ᵗ) · m / u
    """

    def __init__(self, params, lr: float = 2e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, *,
                 maximize: bool = False) -> None:
        check_adam_options(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _init_state(self, p, group) -> dict:
        return {"step": 0, "exp_avg": np.zeros_like(p._data), "exp_inf": np.zeros_like(p._data)}

    def _update(self, param, grad, state, group) -> None:
        beta1, beta2 = group["betas"]
        state["step"] += 1
        m, u = state["exp_avg"], state["exp_inf"]
        m *= beta1
        m += (1 - beta1) * grad
        u *= beta2
        np.maximum(u, np.abs(grad) + group["eps"], out=u)
        param -= group["lr"] / (1 - beta1 ** state["step"]) * m / u


class NAdam(Optimizer):
    """NAdam (Dozat, 2016): Adam with Nesterov momentum, whose factor μₜ warms up.

    Algorithm, at step t::

        μₜ = β₁(1 - ½·0.96^(t·momentum_decay)),  Πₜ = μ₁···μₜ
        m ← β₁ m + (1 - β₁) g,   v ← β₂ v + (1 - β₂) g²,   d = √(v/(1 - β₂ᵗ)) + eps
        p ← p - lr(1 - μₜ)/(1 - Πₜ) · g/d - lr·μₜ₊₁/(1 - Πₜμₜ₊₁) · m/d
    """

    def __init__(self, params, lr: float = 2e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        check_adam_options(lr, betas, eps, weight_decay)
        if momentum_decay < 0.0:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        self.decoupled_weight_decay = decoupled_weight_decay
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _init_state(self, p, group) -> dict:
        # PyTorch keeps the product of the μₜ as a scalar of the default float dtype (float32
        # unless set), and its rounding shows in the trajectory; keep it the same way.
        return {**_moments(p), "mu_product": get_default_dtype().type(1.0)}

    def _update(self, param, grad, state, group) -> None:
        t, lr, beta1, beta2, m, v = _step_moments(self, param, grad, state, group)
        mu = beta1 * (1 - 0.5 * 0.96 ** (t * group["momentum_decay"]))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * group["momentum_decay"]))
        state["mu_product"] *= mu
        product = float(state["mu_product"])
        denom = np.sqrt(v / (1 - beta2 ** t)) + group["eps"]
        # scalar times (vector / denominator), the order PyTorch rounds in
        param -= lr * (1 - mu) / (1 - product) * (grad / denom)
        param -= lr * mu_next / (1 - product * mu_next) * (m / denom)


class RAdam(Optimizer):
    """RAdam (Liu et al., 2020): Adam whose adaptive step is switched on, and scaled, only
    once the variance of the second-moment estimate is tractable.

    Algorithm, at step t, with ρ∞ = 2/(1 - β₂) - 1 and ρₜ = ρ∞ - 2tβ₂ᵗ/(1 - β₂ᵗ)::

        m ← β₁ m + (1 - β₁) g,   v ← β₂ v + (1 - β₂) g²,   m̂ = m/(1 - β₁ᵗ)
        if ρₜ > 5:  p ← p - lr · r · m̂ · √(1 - β₂ᵗ)/(√v + eps),
                    r = √((ρₜ - 4)(ρₜ - 2)ρ∞ / ((ρ∞ - 4)(ρ∞ - 2)ρₜ))
        else:       p ← p - lr · m̂
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        check_adam_options(lr, betas, eps, weight_decay)
        self.decoupled_weight_decay = decoupled_weight_decay
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _init_state(self, p, group) -> dict:
        return _moments(p)

    def _update(self, param, grad, state, group) -> None:
        t, lr, beta1, beta2, m, v = _step_moments(self, param, grad, state, group)
        corrected = m / (1 - beta1 ** t)
        rho_inf = 2 / (1 - beta2) - 1
        rho = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
        if rho > 5.0:
            rect = math.sqrt((rho - 4) * (rho - 2) * rho_inf /
                             ((rho_inf - 4) * (rho_inf - 2) * rho))
            adaptive = math.sqrt(1 - beta2 ** t) / (np.sqrt(v) + group["eps"])
            param -= corrected * lr * adaptive * rect
        else:
            param -= corrected * lr
