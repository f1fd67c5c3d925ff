"""detect_anomaly: the first NaN or Inf, in forward or backward, named with its op, module
path, line of code and likely cause; and the graph kept across steps."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd import AnomalyError, GraphGrowthWarning, detect_anomaly


class Log(nn.Module):
    def forward(self, x):
        return x.log()  # the op under test


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), Log())

    def forward(self, x):
        return self.encoder(x).sum()


def test_log_of_zero_names_the_op_module_path_line_inputs_and_cause():
    cr.manual_seed(0)
    model = Net()
    with cr.no_grad():
        model.encoder[0].bias.fill_(-100.0)  # ReLU gives zeros: log(0) = -inf
    with pytest.raises(AnomalyError) as caught, detect_anomaly():
        model(cr.randn(2, 3))
    error = caught.value
    assert error.op == "Log" and error.origin.module_path == "encoder[2]"
    text = str(error)
    assert "the output of Log in module encoder[2]" in text
    assert f"{__file__}:" in text and "x.log()" not in text  # a file and line, not code
    assert error.origin.lineno == Log.forward.__code__.co_firstlineno + 1
    assert "input 0: shape (2, 3) float32, values in [0, 0]" in text
    assert "log of 0" in error.cause and "log_softmax" in error.cause


@pytest.mark.parametrize("make, op, cause", [
    (lambda: cr.zeros(3) / cr.zeros(3), "Div", "0/0"),
    (lambda: cr.ones(3) / cr.zeros(3), "Div", "division by zero"),
    (lambda: (cr.full((2,), 100.0)).exp(), "Exp", "exp overflow"),
    (lambda: cr.tensor([-1.0, 4.0]).sqrt(), "Sqrt", "sqrt of a negative"),
    (lambda: cr.tensor([-1.0, 2.0]).log(), "Log", "log of a negative"),
])
def test_forward_patterns(make, op, cause):
    with pytest.raises(AnomalyError, match=cause) as caught, detect_anomaly():
        make()
    assert caught.value.op == op


def test_a_nan_gradient_from_the_unused_branch_of_where_is_found_in_backward():
    x = cr.tensor([0.0, 1.0, 2.0], requires_grad=True)
    with detect_anomaly(check_inf=False):  # the forward value -inf is dropped by where
        y = cr.where(x > 0, x.log(), cr.zeros(3)).sum()
        assert np.isfinite(y.item())
        with pytest.raises(AnomalyError, match="unused branch of `where`") as caught:
            y.backward()
    assert caught.value.op == "Log" and "backward" in str(caught.value)
    # the advised fix differentiates cleanly
    x.grad = None
    with detect_anomaly():
        safe = cr.where(x > 0, x, cr.ones(3))
        cr.where(x > 0, safe.log(), cr.zeros(3)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 1.0, 0.5])


def test_sqrt_at_zero_has_an_infinite_gradient():
    x = cr.zeros(2, requires_grad=True)
    with pytest.raises(AnomalyError, match="infinite derivative") as caught, detect_anomaly():
        x.sqrt().sum().backward()
    assert caught.value.op == "Sqrt"


def test_data_that_is_already_nan_is_named_as_such():
    with pytest.raises(AnomalyError, match="input already held NaN"), detect_anomaly():
        cr.tensor([float("nan"), 1.0]) * 2.0


def test_healthy_training_runs_silently_and_the_graph_growth_trap_is_found():
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    opt = cr.optim.SGD(model.parameters(), lr=0.01)
    x, y = cr.randn(16, 4), cr.randn(16, 1)

    def train(keep):
        total = 0
        for _ in range(3):
            loss = nn.functional.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total = keep(total, loss)

    with warnings.catch_warnings(), detect_anomaly():
        warnings.simplefilter("error")
        train(lambda total, loss: total + loss.item())  # the right way: a number
    with pytest.warns(GraphGrowthWarning, match="total_loss") as caught, detect_anomaly():
        train(lambda total, loss: total + loss)  # the mistake: keeps every step's graph
    assert len(caught) == 1 and caught[0].filename == __file__
    mistake = open(__file__).read().splitlines().index(
        "        train(lambda total, loss: total + loss)  # the mistake: keeps every step's graph")
    assert caught[0].lineno == mistake + 1
