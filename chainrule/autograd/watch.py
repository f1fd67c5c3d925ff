"""The engine's watch point: see every op's forward and every node's backward as it runs.

NOTE [ The watch point ]
The gradient monitor, the anomaly tracer and the backprop explainer all need to see
backpropagation as it happens, and none of them may patch the engine. So the engine
has one place where it reports, and `watch` installs the code that listens:

    class Printer(autograd.Watcher):
        def forward(self, node, inputs, outputs):
            print("forward ", node.name, node.origin)
        def backward(self, node, grad_outputs, grad_inputs):
            print("backward", node.name, [g.shape for g in grad_inputs if g is not None])

    with autograd.watch(Printer()):
        loss = model(x).sum()
        loss.backward()

* `forward(node, inputs, outputs)` runs after every op called with a Tensor, in
  `Function.apply`: `node` is the op's `Function` instance (the graph node, if the
  op was recorded), `inputs` the arguments as given, `outputs` a tuple of Tensors.
* `backward(node, grad_outputs, grad_inputs)` runs after each node's backward, in
  the engine: one gradient per output of the node (None where an output is not
  differentiable) and one per input (None where an input takes no gradient). They
  are arrays, or Tensors under `create_graph=True`.

While anything is watched, every node records where it came from in `node.origin`:
the op's name, the module path (`encoder.layers[2].linear1`) when it ran inside a
module's forward, and, if any watcher sets `record_location`, the file and line of
the user's code that called it. Watchers run in the order installed; they belong to
the thread that installed them, like grad mode. With none installed, the engine pays
one truth test per op and per node (bench/bench_ops.py).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

from .grad_mode import _mode

_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)
_ENGINE_DIRS = tuple(str(Path(_PACKAGE_DIR, part)) for part in
                     ("autograd", "ops", "tensor.py", "nn/functional"))


class Origin(NamedTuple):
    """Where a graph node was created."""

    op: str
    module_path: str | None  # None: outside any module; "": the outermost module itself
    filename: str | None
    lineno: int | None

    def __str__(self) -> str:
        text = self.op
        if self.module_path:
            text += f" in {self.module_path}"
        if self.filename is not None:
            text += f" ({self.filename}:{self.lineno})"
        return text


class Watcher:
    """Base class of what `watch` installs; override the callbacks you need."""

    record_location = False  # True: record the user's file and line for every op

    def forward(self, node, inputs: tuple, outputs: tuple) -> None:
        """Called after an op's forward, with its node, arguments and output Tensors."""

    def backward(self, node, grad_outputs: tuple, grad_inputs: tuple) -> None:
        """Called after a node's backward, with the gradients it received and returned."""


class watch:
    """Context manager: install watchers on the engine for the duration of a block.

    Args:
        *watchers: `Watcher` instances (or objects with the same two methods).
    """

    def __init__(self, *watchers: Watcher) -> None:
        self.watchers = watchers

    def __enter__(self) -> watch:
        self.previous = (_mode.watchers, _mode.module_stack, _mode.record_location)
        _mode.watchers = _mode.watchers + self.watchers
        _mode.record_location = any(getattr(w, "record_location", False)
                                    for w in _mode.watchers)
        if _mode.module_stack is None:
            _mode.module_stack = []
        return self

    def __exit__(self, *exc) -> None:
        _mode.watchers, _mode.module_stack, _mode.record_location = self.previous


def is_watching() -> bool:
    return bool(_mode.watchers)


# -- what the engine and Module call while watched ---------------------------------------


def origin_of(op_name: str) -> Origin:
    """The origin of an op being created now: module path, and file and line if asked."""
    stack = _mode.module_stack
    module_path = stack[-1][1] if stack else None
    filename = lineno = None
    if _mode.record_location:
        frame, caller = sys._getframe(1), None
        while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
            if caller is None and not frame.f_code.co_filename.startswith(_ENGINE_DIRS):
                caller = frame  # the innermost chainrule code above the engine and ops
            frame = frame.f_back
        if frame is not None and frame.f_code.co_filename.startswith("<frozen"):
            frame = caller  # run as `chainrule train`: the model's own code is the user's
        if frame is not None:
            filename, lineno = frame.f_code.co_filename, frame.f_lineno
    return Origin(op_name, module_path, filename, lineno)


def notify_forward(node, inputs: tuple, outputs: tuple) -> None:
    node.origin = origin_of(node.name)
    for watcher in _mode.watchers:
        watcher.forward(node, inputs, outputs)


def module_path(module) -> str:
    """The path of `module` below the module whose forward is running (Module.__call__
    pushes it on the thread's module stack while its forward runs)."""
    stack = _mode.module_stack
    if not stack:
        return ""
    parent, parent_path = stack[-1]
    # a module called from a forward without being registered there: its class name
    name = next((n for n, m in parent._modules.items() if m is module),
                type(module).__name__)
    return join_path(parent_path, name)


def join_path(parent_path: str, name: str) -> str:
    """`encoder.layers` + `2` -> `encoder.layers[2]`; `` + `linear1` -> `linear1`."""
    if name.isdigit():
        return f"{parent_path}[{name}]"
    return f"{parent_path}.{name}" if parent_path else name
