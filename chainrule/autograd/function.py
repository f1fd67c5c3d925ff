"""`Function`: one differentiable op, its forward and its backward side by side.

NOTE [ Backward formulas run on arrays and on Tensors ]
Every op's `forward` receives NumPy arrays and returns an array, or a tuple of
arrays for an op with several outputs. Its `backward` receives one gradient per
output and returns one gradient per positional input of `forward` (None where there
is none). Backward formulas are written with
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

NOTE [ Ops with several outputs ]
`forward` may return a tuple: `max(x, dim)` gives values and indices, a fused LSTM
cell gives (h, c). Each output becomes a Tensor that knows which output of the node
it is (`_output_nr`), the engine keeps one gradient slot per output, and `backward`
is called with one gradient per output:

* an output that no later op used gets zeros of its shape (it contributed nothing),
* an output marked with `ctx.mark_non_differentiable(array)` (indices, masks) gets
  None and is a Tensor with requires_grad=False, so it never takes a gradient.

    class MaxWithIndex(Function):
        @staticmethod
        def forward(ctx, x, dim):
            i = x.argmax(dim)
            ...
            ctx.mark_non_differentiable(i)
            return values, i

        @staticmethod
        def backward(ctx, grad_values, grad_indices):   # grad_indices is None
            ...
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .grad_mode import _mode
from .hooks import RemovableHandle
from .tensor_base import TensorBase, in_place_clock
from .watch import notify_forward

RELEASED_GRAPH_MESSAGE = (
    "Trying to backward through the graph a second time (or to read saved values after "
    "they were freed). Saved intermediate values are freed when you call .backward() or "
    "autograd.grad(). Pass retain_graph=True to the first call if you need to backward "
    "through the graph again."
)

_wrap, _from_op = TensorBase._wrap, TensorBase._from_op


class Function:
    """Base class of differentiable ops; an instance is the graph node (`grad_fn`)."""

    # Defaults that an instance overrides only when it needs to.
    saved: tuple | None = ()
    inputs: tuple | None = ()
    recording = False  # set by the engine while running backward with create_graph
    tensor_hooks: dict | None = None  # {key: (output index, hook)} of the output tensors
    n_outputs = 1
    output_meta: tuple = ()  # (shape, dtype, differentiable) per output, when several
    non_differentiable: tuple = ()  # ids of the output arrays marked so in forward
    origin = None  # where the node was created; recorded while autograd.watch is on
    clock = 0  # the in-place clock when the node saved its tensors (tensor_base.py)
    # True for ops whose output may share memory with their first input (reshape,
    # permute, basic indexing): the output then shares the input's version counter.
    is_view = False
    # True for ops whose backward returns only arrays it has just made and keeps no
    # reference to: the engine may make such an array a leaf's .grad without copying it
    # (NOTE [ Leaf gradients without a copy ] in engine.py).
    fresh_gradients = False

    @staticmethod
    def forward(ctx: Function, *args: Any, **kwargs: Any):
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: Function, *grad_outputs):
        raise NotImplementedError(
            "a Function subclass must define backward(ctx, grad) to be differentiated"
        )

    def save_for_backward(self, *arrays) -> None:
        """Keep arrays (inputs or outputs) for backward; see the NOTE above."""
        self.saved = arrays

    def mark_non_differentiable(self, *arrays) -> None:
        """Declare outputs (returned by forward) that never take a gradient."""
        self.non_differentiable = tuple(id(a) for a in arrays)

    @property
    def saved_tensors(self) -> tuple:
        saved = self.saved
        if saved is None:
            raise RuntimeError(RELEASED_GRAPH_MESSAGE)
        if self.clock != in_place_clock[0]:  # something changed in place since forward
            self._check_versions(saved)
        if not self.recording:
            return saved
        return tuple(self._saved_as_tensor(a) for a in saved)

    @property
    def needs_input_grad(self) -> tuple:
        """One bool per positional input: does it take a gradient? (skip work if not)"""
        if self.inputs is None:
            raise RuntimeError(RELEASED_GRAPH_MESSAGE)
        return tuple([isinstance(t, TensorBase) and t._requires_grad for t in self.inputs])

    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple:
        """Where this node sends gradients: one (node or leaf, output index) pair per input."""
        if self.inputs is None:
            raise RuntimeError(RELEASED_GRAPH_MESSAGE)
        return tuple(
            ((t.grad_fn or t), t._output_nr) if isinstance(t, TensorBase) and t._requires_grad
            else (None, 0)
            for t in self.inputs
        )

    def register_hook(self, hook, output_nr: int = 0) -> RemovableHandle:
        """Call `hook(grad)` on the gradient of output `output_nr` before this backward."""
        if self.tensor_hooks is None:
            self.tensor_hooks = {}
        return RemovableHandle.add(self.tensor_hooks, (output_nr, hook))

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
            if isinstance(a, TensorBase):
                has_tensor = True
                if a._requires_grad:
                    needs_grad = True
                arrays.append(a._data)
            else:
                arrays.append(a)
        out = cls.forward(ctx, *arrays, **kwargs)
        if not has_tensor:
            return out
        if type(out) is tuple:
            return ctx._several_outputs(out, args, needs_grad and _mode.enabled)
        if type(out) is not np.ndarray:
            # ufuncs turn 0-d arrays into NumPy scalars; keep arrays, and keep a saved
            # output identical to the tensor's data (see _remember_versions)
            scalar, out = out, np.asarray(out)
            if ctx.saved:
                ctx.saved = tuple(out if a is scalar else a for a in ctx.saved)
        if needs_grad and _mode.enabled:
            ctx.inputs = args
            if ctx.saved:
                ctx._remember_versions((out,))
            result = _from_op(out, ctx)
        else:
            result = _wrap(out)
        if cls.is_view or _mode.watchers:
            ctx._after_forward(args, (result,))
        return result

    def _several_outputs(self, outs: tuple, args: tuple, record: bool) -> tuple:
        """The Tensors of a multi-output forward (NOTE [ Ops with several outputs ])."""
        outs = tuple(o if type(o) is np.ndarray else np.asarray(o) for o in outs)
        marked = self.non_differentiable
        differentiable = tuple(id(o) not in marked for o in outs)
        if record:
            self.inputs = args
            self.n_outputs = len(outs)
            self.output_meta = tuple((o.shape, o.dtype, d) for o, d in zip(outs, differentiable))
            if self.saved:
                self._remember_versions(outs)
            results = tuple(_from_op(o, self, k) if d else _wrap(o)
                            for k, (o, d) in enumerate(zip(outs, differentiable)))
        else:
            results = tuple(_wrap(o) for o in outs)
        self._after_forward(args, results)
        return results

    def _after_forward(self, args: tuple, outputs: tuple) -> None:
        if self.is_view:
            base = args[0]
            out = outputs[0]
            if isinstance(base, TensorBase) and np.may_share_memory(out._data, base._data):
                out._share_version_with(base)
        if _mode.watchers:
            notify_forward(self, args, outputs)

    # -- saved values -------------------------------------------------------------

    def _remember_versions(self, outs: tuple) -> None:
        # One reading of the in-place clock stands for every input's version (NOTE
        # [ Tensor's two layers ]): this runs for every recorded op that saves tensors.
        self.clock = in_place_clock[0]
        # The outputs' ids are enough to recognise them among the saved arrays later: the
        # saved arrays were all alive together with them, so no id can have been reused.
        self.output_ids = tuple(map(id, outs))

    def _check_versions(self, saved) -> None:
        for t in self.inputs:
            counter = getattr(t, "_version_counter", None)
            if counter is not None and counter[1] > self.clock and \
                    any(a is t._data for a in saved):
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been "
                    f"modified by an inplace operation: a tensor of shape {t.shape} used "
                    f"by {self.name} was changed after {self.name} saved it (it is now at "
                    f"version {t._version}). Use the out-of-place op (e.g. `x = x + 1` "
                    f"instead of `x.add_(1)`) or clone() the tensor before modifying it."
                )

    def _saved_as_tensor(self, array):
        if not isinstance(array, np.ndarray):
            return array  # a Python number saved alongside the arrays
        for t in self.inputs:
            if isinstance(t, TensorBase) and t._data is array:
                return t
        output_ids = getattr(self, "output_ids", ())
        if id(array) in output_ids:
            # The output Tensor object may be gone; a new one on this node is the same
            # point of the graph.
            k = output_ids.index(id(array))
            if self.output_meta and not self.output_meta[k][2]:
                return _wrap(array)  # a non-differentiable output is a constant
            return _from_op(array, self, k)
        return _wrap(array)

    def release(self) -> None:
        """Free everything the op kept for backward (saved arrays, ctx attributes, inputs);
        a later backward through this node raises."""
        self.__dict__.clear()
        self.saved = None
        self.inputs = None
