"""Stochastic gradient descent, with momentum and Nesterov momentum."""

from __future__ import annotations

import numpy as np

from .. import kernels
from .optimizer import Optimizer, required


class SGD(Optimizer):
    """Stochastic gradient descent (PyTorch's formulation of momentum).

    Algorithm, for each parameter p with gradient g::

        g ← g + weight_decay · p
        if momentum ≠ 0:
            b ← g                                   (first step)
            b ← momentum · b + (1 - dampening) · g  (later steps)
            g ← g + momentum · b   if nesterov   else   b
        p ← p - lr · g

    Args:
        params: parameters or parameter groups.
        lr: learning rate.
        momentum, dampening, weight_decay, nesterov, maximize: as in PyTorch.
        fused: one compiled pass per parameter (kernels/optim.py); None uses it where
            numba is installed (without momentum, only for parameters of
            kernels.LARGE elements or more), False always runs the NumPy passes.
    """

    def __init__(self, params, lr: float = required, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 *, maximize: bool = False, fused: bool | None = None) -> None:
        if lr is not required and lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, fused=fused))

    def _update(self, param, grad, state, group) -> None:
        momentum = group["momentum"]
        # Without momentum the reference is one pass, quicker than the call into compiled
        # code below kernels.LARGE elements (3.0 against 4.7 us at 100 elements), unless
        # the kernel was asked for (fused=True).
        small = not momentum and param.size < kernels.LARGE and group.get("fused") is None
        fused = None if small else self._fused("sgd", group, param, grad)
        if fused:
            buf = state.get("momentum_buffer")
            first_step = buf is None
            if momentum and first_step:
                buf = state["momentum_buffer"] = np.empty_like(grad)
            fused(param.reshape(-1), grad.reshape(-1), (param if buf is None else buf).reshape(-1),
                  first_step, group["lr"], momentum, group["dampening"], group["nesterov"])
            return
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(grad, copy=True)
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        param -= group["lr"] * grad
