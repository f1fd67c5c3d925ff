"""The classic worked example of backpropagation, with correct numbers.

Inputs x = (2, 3), target y = 1; one hidden unit a = σ(w₁x₁ + w₂x₂ + b₁) and a linear
output ŷ = a·w₃ + b₃; every weight and bias 0.5; loss ½(y − ŷ)²; learning rate 0.1.
The hidden unit's input is 3, so a = σ(3) = 0.9526; ŷ = 0.9763 falls short of the
target, so every gradient is negative and every update raises its weight.
"""

from __future__ import annotations

from .. import nn
from ..autograd.grad_mode import no_grad
from ..creation import tensor
from .backprop import backprop


def classic_network() -> nn.Module:
    """2 -> 1 sigmoid unit -> 1 linear unit, every weight and bias 0.5."""
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid(), nn.Linear(1, 1))
    with no_grad():
        for p in model.parameters():
            p.fill_(0.5)
    return model


def half_squared_error(prediction, target):
    """½(y − ŷ)², summed over the (single) output."""
    return 0.5 * ((target - prediction) ** 2).sum()


def classic_example(format: str = "text") -> str:
    """The account of one step of the classic example (see the module docstring)."""
    model = classic_network()
    return backprop(model, tensor([[2.0, 3.0]]), tensor([[1.0]]), half_squared_error,
                    lr=0.1, format=format)
