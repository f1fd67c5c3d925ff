"""Adam and AdamW: momentum and per-coordinate step sizes from gradient moments."""

from __future__ import annotations

import math

import numpy as np

from .optimizer import Optimizer


def check_adam_options(lr: float, betas: tuple, eps: float, weight_decay: float) -> None:
    """The argument checks that Adam and its variants share, with PyTorch's messages."""
    if lr < 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")
    if eps < 0.0:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
        raise ValueError(f"Invalid beta parameters: {betas}; each must be in [0, 1)")
    if weight_decay < 0.0:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), optionally AMSGrad.

    Algorithm, at step t for each parameter p with gradient g::

        g ← g + weight_decay · p            (L2 penalty; see AdamW for decoupled decay)
        m ← β₁ m + (1 - β₁) g
        v ← β₂ v + (1 - β₂) g²
        v̂ ← max(v̂, v)  if amsgrad  else  v
        p ← p - lr/(1 - β₁ᵗ) · m / (√v̂ / √(1 - β₂ᵗ) + eps)

    Args:
        params: parameters or parameter groups.
        lr: learning rate (default 1e-3).
        betas: (β₁, β₂), decay rates of the moment estimates.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty.
        amsgrad: use the maximum of past second moments.
        fused: update each parameter in one compiled pass (kernels/optim.py); None uses
            it where numba is installed, False always runs the NumPy passes below.
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False,
                 *, maximize: bool = False, fused: bool | None = None) -> None:
        check_adam_options(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize, fused=fused))

    def _init_state(self, p, group) -> dict:
        state = {"step": 0, "exp_avg": np.zeros_like(p._data), "exp_avg_sq": np.zeros_like(p._data)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(p._data)
        return state

    def _update(self, param, grad, state, group) -> None:
        beta1, beta2 = group["betas"]
        lr, decay = group["lr"], group["weight_decay"]
        state["step"] += 1
        step = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        # m̂/(√v̂ + eps) = (√c₂/c₁) · m/(√v + eps·√c₂), with cᵢ = 1 - βᵢᵗ: the bias
        # corrections fold into two scalars instead of two passes over the arrays.
        root_c2 = math.sqrt(1 - beta2 ** step)
        step_size = lr * root_c2 / (1 - beta1 ** step)
        decoupled = decay and self.decoupled_weight_decay  # AdamW; Adam's L2 is the base's
        fused = self._fused("adam", group, param, grad, m, v)
        if fused:
            v_max = state.get("max_exp_avg_sq", v)
            fused(param.reshape(-1), grad.reshape(-1), m.reshape(-1), v.reshape(-1),
                  v_max.reshape(-1), group["amsgrad"], beta1, beta2, group["eps"] * root_c2,
                  step_size, 1 - lr * decay if decoupled else 1.0)
            return
        if decoupled:
            param *= 1 - lr * decay
        scratch = self._scratch(param)
        np.multiply(grad, 1 - beta1, out=scratch)
        m *= beta1
        m += scratch
        np.multiply(grad, grad, out=scratch)
        scratch *= 1 - beta2
        v *= beta2
        v += scratch
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        np.sqrt(v, out=scratch)
        scratch += group["eps"] * root_c2
        np.divide(m, scratch, out=scratch)
        scratch *= step_size
        param -= scratch


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): the parameter is
    shrunk by lr · weight_decay before the Adam step instead of adding an L2 gradient.

    Algorithm: p ← p (1 - lr · weight_decay), then Adam's update without the L2 term.
    """

    decoupled_weight_decay = True

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False,
                 *, maximize: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         fused=fused)
