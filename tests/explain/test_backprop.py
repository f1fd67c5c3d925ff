"""The backprop explainer on the classic worked example: numbers derived by hand."""

from __future__ import annotations

import math

import chainrule as cr
from chainrule import nn
from chainrule.cli.main import main
from chainrule.explain import backprop, classic_example

# Derived by hand: z = 0.5·2 + 0.5·3 + 0.5 = 3, a = σ(3), ŷ = 0.5·a + 0.5, L = ½(1 − ŷ)²
A = 1 / (1 + math.exp(-3))
Y_HAT = 0.5 * A + 0.5
D_YHAT = Y_HAT - 1  # dL/dŷ
D_Z = D_YHAT * 0.5 * A * (1 - A)  # through w₃ and σ'(3) = a(1 − a)


def test_the_classic_example_prints_the_hand_derived_numbers():
    text = classic_example()
    assert round(A, 4) == 0.9526 and "0.952574" in text  # σ(3), not a careless rounding
    assert f"loss = {0.5 * D_YHAT ** 2:.6g}" in text
    assert f"dL/d2.weight = {D_YHAT * A:.6g}" in text  # -0.0225883
    assert f"dL/d2.bias = {D_YHAT:.6g}" in text
    assert f"dL/d0.bias = {D_Z:.6g}" in text
    assert f"local derivative {A * (1 - A):.6g}" in text  # σ'(3) = 0.0451767
    # every update raises its weight: the prediction falls short of the target
    assert f"new value {0.5 - 0.1 * D_YHAT * A:.6g}" in text  # 0.502259
    assert f"new value {0.5 - 0.1 * D_Z:.6g}" in text
    assert "agree with central finite differences" in text


def test_markdown_and_the_command_line(capsys):
    assert classic_example("markdown").startswith("# Backpropagation, one step")
    assert main(["explain"]) == 0
    assert "dL/d2.weight = -0.0225883" in capsys.readouterr().out


def test_the_model_is_left_as_it_was_and_a_wrong_gradient_is_caught():
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1))
    before = [p.detach().clone() for p in model.parameters()]
    text = backprop(model, cr.randn(4, 3), cr.randn(4, 1), nn.functional.mse_loss)
    assert "agree" in text and all(p.grad is None for p in model.parameters())
    assert all(cr.equal(a, b) for a, b in zip(before, model.parameters()))

    class WrongTanh(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return cr.tanh(cr.tensor(x)).numpy()

        @staticmethod
        def backward(ctx, grad):
            return grad * 2.0  # wrong: tanh' is not 2

    class Wrong(nn.Module):
        def forward(self, x):
            return WrongTanh.apply(x)

    broken = nn.Sequential(nn.Linear(3, 2), Wrong(), nn.Linear(2, 1))
    assert "DISAGREE" in backprop(broken, cr.randn(4, 3), cr.randn(4, 1),
                                  nn.functional.mse_loss)
