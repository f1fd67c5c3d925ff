"""`Function`: one differentiable op, its forward and its backward side by side.

NOTE [ Backward formulas run on arrays and on Tensors ]
Every op's `forward` receives NumPy arrays and returns an array. Its `backward`
receives the gradient of the output and returns one gradient per positional input
of `forward` (None where there is none). Backward formulas are written with
operators and chainrule's own op functions (`ops.sum`, `ops.where`, ...) only, and
those accept plain arrays as well as Tensors:

* A plain `backward()` hands the formulas arrays: an op function called with no
  Tensor argument computes its forward and returns the bare array, so the
  backward pass is NumPy plus one Python call per op, with nothing recorded.
* `backward(create_graph=True)` hands them Tensors: the same lines now record a
  graph of their own, so gradients of gradients are exact, to any order.

`ctx.saved_tensors` follows the same rule: it returns the saved arrays, or, while
the backward is being recorded, the Tensors they belong to (an input, or this op's
output). A saved array that is neither is treated as a constant, so save inputs
and outputs for anything whose derivative matters (masks and indices are fine).

The same class is the public way to write a custom op:

    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        # d(x³)/dx = 3x²
        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x

    y = Cube.apply(t)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .grad_mode import _mode

RELEASED_GRAPH_MESSAGE = (
    "Trying to backward through the graph a second time (or to read saved values after "
    "they were freed). Saved intermediate values are freed when you call .backward() or "
    "autograd.grad(). Pass retain_graph=True to the first call if you need to backward "
    "through the graph again."
)


class Function:
    """Base class of differentiable ops; an instance is the graph node (`grad_fn`)."""

    # Defaults that an instance overrides only when it needs to.
    saved: tuple | None = ()
    inputs: tuple | None = ()
    recording = False  # set by the engine while running backward with create_graph
    tensor_hooks: list | None = None  # hooks registered on this node's output tensor

    @staticmethod
    def forward(ctx: Function, *args: Any, **kwargs: Any):
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: Function, grad):
        raise NotImplementedError(
            "a Function subclass must define backward(ctx, grad) to be differentiated"
        )

    def save_for_backward(self, *arrays) -> None:
        """Keep arrays (inputs or the output) for backward; see the NOTE above."""
        self.saved = arrays

    @property
    def saved_tensors(self) -> tuple:
        saved = self.saved
        if saved is None:
            raise RuntimeError(RELEASED_GRAPH_MESSAGE)
        self._check_versions(saved)
        if not self.recording:
            return saved
        return tuple(self._saved_as_tensor(a) for a in saved)

    @property
    def needs_input_grad(self) -> tuple:
        """One bool per positional input: does it take a gradient? (skip work if not)"""
        if self.inputs is None:
            raise RuntimeError(RELEASED_GRAPH_MESSAGE)
        return tuple(isinstance(t, Tensor) and t._requires_grad for t in self.inputs)

    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple:
        """Where this node sends gradients: one (node or leaf, input index) pair per input."""
        if self.inputs is None:
            raise RuntimeError(RELEASED_GRAPH_MESSAGE)
        return tuple(
            ((t.grad_fn or t) if isinstance(t, Tensor) and t._requires_grad else None, 0)
            for t in self.inputs
        )

    def register_hook(self, hook) -> None:
        """Call `hook(grad)` on the gradient of this node's output before its backward."""
        if self.tensor_hooks is None:
            self.tensor_hooks = []
        self.tensor_hooks.append(hook)

    def __repr__(self) -> str:
        return f"<{self.name}Backward>"

    # -- creating nodes -------------------------------------------------------------

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any):
        """Run forward on the arrays inside `args`; record a node if any input needs grad.

        Called with no Tensor among `args`, returns the bare array (the backward fast
        path of the NOTE above).
        """
        ctx = object.__new__(cls)
        arrays = []
        has_tensor = needs_grad = False
        for a in args:
            if isinstance(a, Tensor):
                has_tensor = True
                if a._requires_grad:
                    needs_grad = True
                arrays.append(a.data)
            else:
                arrays.append(a)
        out = cls.forward(ctx, *arrays, **kwargs)
        if not has_tensor:
            return out
        if type(out) is not np.ndarray:
            # ufuncs turn 0-d arrays into NumPy scalars; keep arrays, and keep a saved
            # output identical to the tensor's data (see _remember_versions)
            scalar, out = out, np.asarray(out)
            if ctx.saved:
                ctx.saved = tuple(out if a is scalar else a for a in ctx.saved)
        if not (needs_grad and _mode.enabled):
            return Tensor._wrap(out)
        ctx.inputs = args
        if ctx.saved:
            ctx._remember_versions(out)
        return Tensor._from_op(out, ctx)

    # -- saved values -------------------------------------------------------------

    def _remember_versions(self, out) -> None:
        self.versions = [a._version if isinstance(a, Tensor) else 0 for a in self.inputs]
        # The output's id is enough to recognise it among the saved arrays later: the
        # saved arrays were all alive together with it, so no id can have been reused.
        self.output_id = id(out)

    def _check_versions(self, saved) -> None:
        versions = getattr(self, "versions", None)
        if versions is None:
            return
        for t, version in zip(self.inputs, versions):
            if isinstance(t, Tensor) and t._version != version:
                if any(a is t.data for a in saved):
                    raise RuntimeError(
                        f"one of the variables needed for gradient computation has been "
                        f"modified by an inplace operation: a tensor of shape {t.shape} used "
                        f"by {self.name} is at version {t._version}; expected version "
                        f"{version}. Use the out-of-place op (e.g. `x = x + 1` instead of "
                        f"`x.add_(1)`) or clone() the tensor before modifying it."
                    )

    def _saved_as_tensor(self, array):
        if not isinstance(array, np.ndarray):
            return array  # a Python number saved alongside the arrays
        for t in self.inputs:
            if isinstance(t, Tensor) and t.data is array:
                return t
        if id(array) == getattr(self, "output_id", None):
            # The output Tensor object may be gone; a new one on this node is the same
            # point of the graph.
            return Tensor._from_op(array, self)
        return Tensor._wrap(array)

    def release(self) -> None:
        """Free everything the op kept for backward (saved arrays, ctx attributes, inputs);
        a later backward through this node raises."""
        self.__dict__.clear()
        self.saved = None
        self.inputs = None


from ..tensor import Tensor  # noqa: E402  (Tensor needs Function's module to exist first)
