"""`backprop`: one training step of a small network, told step by step with real numbers.

Every number comes from the engine's own tensors, seen through the watch point (NOTE
[ The watch point ]): the forward value of every op in the order it ran, then for every
node in the order backpropagation visits it the gradient that arrives, the local
derivative, and the gradient handed to each input (their chain-rule product); last, each
parameter's gradient and its value after one plain gradient-descent step. The account
ends by checking the gradients against finite differences (`gradcheck_model`).
"""

from __future__ import annotations

import numpy as np

from ..autograd.watch import Watcher, watch
from ..diagnostics.gradcheck_model import gradcheck_model
from ..tensor import Tensor


class _Recorder(Watcher):
    def __init__(self) -> None:
        self.forward_steps: list = []  # (node, inputs, outputs)
        self.backward_steps: list = []  # (node, grad_outputs, grad_inputs)
        self.labels: dict[int, str] = {}

    def forward(self, node, inputs, outputs) -> None:
        self.labels[id(node)] = f"{node.name}" + (
            f" in {node.origin.module_path}" if node.origin and node.origin.module_path else "")
        self.forward_steps.append((node, tuple(inputs), tuple(outputs)))

    def backward(self, node, grad_outputs, grad_inputs) -> None:
        self.backward_steps.append((node, grad_outputs, grad_inputs))


def _fmt(value) -> str:
    array = np.asarray(getattr(value, "_data", value), dtype=np.float64)
    if array.size > 12:
        return f"shape {array.shape}, first {np.array2string(array.ravel()[:6], precision=4)}"
    if array.size == 1:
        return f"{array.item():.6g}"
    return np.array2string(array, precision=6, separator=", ").replace("\n", "")


def _local_derivative(node, k: int, inputs: tuple, grad_out, grad_in) -> str:
    """The local derivative d(output)/d(input k), where it can be written compactly."""
    if node.name == "Linear":
        x, weight = inputs[0], inputs[1]
        return {0: f"weight = {_fmt(weight)}", 1: f"input = {_fmt(x)}",
                2: "1 (each bias adds to its output)"}.get(k, "?")
    g, gi = np.asarray(grad_out, dtype=np.float64), np.asarray(grad_in, dtype=np.float64)
    if g.shape == gi.shape and np.all(g != 0):
        return _fmt(gi / g)
    if g.size == 1 and g.item() != 0:
        return _fmt(gi / g.item())
    return "(not elementwise; see the product)"


def backprop(model, x, y, loss, lr: float = 0.1, format: str = "text") -> str:
    """A step-by-step account of one training step (forward, loss, backward, update).

    Args:
        model: a small module (every value is printed).
        x, y: one input batch and its target.
        loss: a function `loss(prediction, target) -> scalar tensor`.
        lr: the learning rate of the plain gradient-descent update shown at the end.
        format: "text" or "markdown".

    Returns the account; the model's parameters are not changed.
    """
    if format not in ("text", "markdown"):
        raise ValueError(f"format must be 'text' or 'markdown', got {format!r}")
    x = x if isinstance(x, Tensor) else Tensor._wrap(np.asarray(x, dtype=np.float32))
    y = y if isinstance(y, Tensor) else Tensor._wrap(np.asarray(y, dtype=x.dtype))
    params = dict(model.named_parameters())
    saved = {n: (p.grad, p.detach().clone()) for n, p in params.items()}
    for p in params.values():
        p.grad = None
    recorder = _Recorder()
    with watch(recorder):
        prediction = model(x)
        value = loss(prediction, y)
        value.backward()
    names = {id(p): n for n, p in params.items()}

    names[id(x)], names[id(y)] = "x", "y (target)"

    def name_of(t) -> str:
        if id(t) in names:
            return names[id(t)]
        node = getattr(t, "grad_fn", None)
        return f"output of {recorder.labels.get(id(node), node.name)}" if node else "input"

    heading = (lambda s: f"\n## {s}\n") if format == "markdown" else (lambda s: f"\n{s}\n" +
                                                                       "-" * len(s))
    item = "- " if format == "markdown" else "  "
    lines = ["# Backpropagation, one step" if format == "markdown" else
             "Backpropagation, one step", heading("Forward pass, in the order the ops ran")]
    for step, (node, inputs, outputs) in enumerate(recorder.forward_steps, 1):
        args = ", ".join(f"{name_of(a)} = {_fmt(a)}" for a in inputs if isinstance(a, Tensor))
        lines.append(f"{item}{step}. {recorder.labels[id(node)]}({args}) = {_fmt(outputs[0])}")
    lines.append(f"{item}loss = {_fmt(value)}")
    lines.append(heading("Backward pass: gradient to an input = local derivative × "
                         "gradient arriving at the output"))
    for node, grad_outputs, grad_inputs in recorder.backward_steps:
        lines.append(f"{item}{recorder.labels.get(id(node), node.name)}: gradient arriving "
                     f"dL/d(output) = {_fmt(grad_outputs[0])}")
        forward_inputs = next((ins for n, ins, _ in recorder.forward_steps if n is node), ())
        for k, grad in enumerate(grad_inputs):
            if grad is None or k >= len(forward_inputs) or \
                    not isinstance(forward_inputs[k], Tensor) or \
                    not forward_inputs[k].requires_grad:
                continue
            local = _local_derivative(node, k, tuple(getattr(a, "_data", a)
                                                     for a in forward_inputs),
                                      grad_outputs[0], grad)
            lines.append(f"{item}    to {name_of(forward_inputs[k])}: local derivative "
                         f"{local}; product dL/d(input) = {_fmt(grad)}")
    lines.append(heading(f"Parameters: gradient and the update p - {lr:g} × gradient"))
    for name, p in params.items():
        if p.grad is None:
            continue
        lines.append(f"{item}{name} = {_fmt(p)}: dL/d{name} = {_fmt(p.grad)}, new value "
                     f"{_fmt(p.detach().numpy() - lr * p.grad.numpy())}")
    lines.append(heading("Check against finite differences"))
    ranking = gradcheck_model(model, x, lambda out: loss(out, y.double()), elements=10**6)
    worst = max((error for _, error in ranking), default=0.0)
    lines.append(f"{item}the gradients above {'agree' if worst < 1e-3 else 'DISAGREE'} with "
                 f"central finite differences of a float64 copy (largest relative "
                 f"difference {worst:.1e})")
    for name, p in params.items():  # leave the model as it was
        p.grad = saved[name][0]
    return "\n".join(lines) + "\n"
