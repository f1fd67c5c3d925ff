"""The engine's watch point: every forward and every node's backward, with their origin."""

from __future__ import annotations

import threading

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.autograd import Watcher, watch
from chainrule.autograd.grad_mode import _mode


class Recorder(Watcher):
    def __init__(self, record_location: bool = False) -> None:
        self.record_location = record_location
        self.forwards, self.backwards = [], []

    def forward(self, node, inputs, outputs):
        self.forwards.append((node.name, node.origin, [o.shape for o in outputs]))

    def backward(self, node, grad_outputs, grad_inputs):
        self.backwards.append((node, node.name, grad_outputs, grad_inputs))


class Encoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))

    def forward(self, x):
        return self.layers(x)


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = Encoder()

    def forward(self, x):
        return self.encoder(x).tanh()


def test_every_node_backward_is_seen_in_order_with_its_gradients():
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))
    x, y = cr.randn(6, 4), cr.tensor([0, 1, 2, 0, 1, 2])
    recorder = Recorder()
    with watch(recorder):
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
    names = [name for _, name, _, _ in recorder.backwards]
    assert names == ["CrossEntropy", "Linear", "ReLU", "Linear"]
    # the chain rule, visibly: what a node sends to its input is what that input's node gets
    for (_, _, _, sent), (_, _, received, _) in zip(recorder.backwards, recorder.backwards[1:]):
        np.testing.assert_array_equal(sent[0], received[0])
    _, _, _, first_linear = recorder.backwards[-1]
    np.testing.assert_allclose(first_linear[1], model[0].weight.grad.numpy())
    assert first_linear[0] is None  # the input x takes no gradient


def test_forward_sees_every_op_and_its_module_path():
    model = Net()
    recorder = Recorder()
    with watch(recorder):
        model(cr.randn(2, 4))
        cr.randn(2).exp()
    origins = [(name, origin.module_path) for name, origin, _ in recorder.forwards]
    assert origins == [("Linear", "encoder.layers[0]"), ("ReLU", "encoder.layers[1]"),
                       ("Linear", "encoder.layers[2]"), ("Tanh", ""), ("Exp", None)]
    assert recorder.forwards[0][2] == [(2, 8)]


def test_locations_are_recorded_only_when_asked_for():
    line = None
    with watch(Recorder()) as plain, watch(Recorder(record_location=True)) as located:
        x = cr.randn(3, requires_grad=True)
        line = _line_of_next_statement()
        (x * 2).sum()
    quiet, loud = plain.watchers[0], located.watchers[0]
    origin = loud.forwards[0][1]
    assert origin.filename == __file__ and origin.lineno == line
    assert str(origin) == f"Mul ({__file__}:{line})"
    # both watchers see the same node; one asked for locations, so it has them
    assert quiet.forwards[0][1] is origin


def _line_of_next_statement() -> int:
    import sys

    return sys._getframe(1).f_lineno + 1


def test_multi_output_nodes_report_one_gradient_per_output():
    recorder = Recorder()
    x = cr.randn(3, 4, requires_grad=True)
    with watch(recorder):
        values, _ = x.max(1)
        values.sum().backward()
    node, name, grad_outputs, grad_inputs = recorder.backwards[-1]
    assert name == "MaxAlongDim" and len(grad_outputs) == 2 and grad_outputs[1] is None
    assert grad_inputs[0].shape == (3, 4)


def test_under_create_graph_the_watchers_see_tensors():
    recorder = Recorder()
    x = cr.tensor(0.5, requires_grad=True)
    with watch(recorder):
        (g,) = cr.autograd.grad(x.sin() * x, x, create_graph=True)
    assert all(isinstance(gi, cr.Tensor) for *_, gi in recorder.backwards for gi in gi
               if gi is not None)
    assert np.isclose(g.item(), np.cos(0.5) * 0.5 + np.sin(0.5))


def test_leaving_the_block_removes_the_watchers_and_other_threads_never_see_them():
    recorder = Recorder()
    seen_in_thread = []
    with watch(recorder):
        thread = threading.Thread(target=lambda: seen_in_thread.append(_mode.watchers))
        thread.start()
        thread.join()
        cr.randn(2).exp()
    assert seen_in_thread == [()]
    assert _mode.watchers == () and _mode.module_stack is None
    count = len(recorder.forwards)
    y = cr.randn(2, requires_grad=True).exp()
    assert len(recorder.forwards) == count and y.grad_fn.origin is None
