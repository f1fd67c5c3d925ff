"""gradcheck_model: a model's gradients against finite differences, the worst first."""

from __future__ import annotations

import chainrule as cr
from chainrule import nn
from chainrule.diagnostics import gradcheck_model


def test_gradcheck_model_ranks_a_wrong_backward_first():
    class WrongSquare(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x  # should be 2x

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.good, self.bad = nn.Linear(3, 3), nn.Linear(3, 1)

        def forward(self, x):
            return self.bad(WrongSquare.apply(self.good(x)).tanh())

    cr.manual_seed(0)
    model, x, y = Net(), cr.randn(4, 3), cr.randn(4, 1)
    ranking = gradcheck_model(model, x, lambda out: ((out - y) ** 2).mean())
    assert ranking[0][0].startswith("good.") and ranking[0][1] > 0.1
    assert dict(ranking)["bad.weight"] < 1e-6 and model.good.weight.dtype == cr.float32
