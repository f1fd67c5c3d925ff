"""`TensorBase`: what backpropagation needs of a tensor, below the ops that use it.

NOTE [ Tensor's two layers ]
Imports point down: the engine and the ops must not import the Tensor methods that
call ops, or every layer imports every other. So a tensor is built in two layers,
as PyTorch builds `torch.Tensor` on `torch._C.TensorBase`:

* `TensorBase` (here): the array, `grad`, `grad_fn`, `requires_grad`, which output
  of its node it is, its version counter, and the constructors the engine and the
  ops call (`_wrap`, `_from_op`).
* `chainrule.tensor.Tensor(TensorBase)`: operators and methods (`+`, `.sum()`,
  `.backward()`), each a one-line call of an op. That module registers the class
  with `set_tensor_class`, so every tensor the engine and the ops create is a full
  `Tensor`, with its methods, although they never import it.

Version counters. An in-place op bumps `_version`, and a node that saved the tensor
refuses to run its backward on changed values. A view (`x[1:]`, `x.reshape(...)`,
`x.detach()`) shares its base's counter, as in PyTorch, so changing either one is
seen through both. The counter is a list [version, tick], created the first time it
is needed: most tensors are never viewed or modified, and pay nothing for it.

The tick is the reading of `in_place_clock`, which every in-place change in the
process advances, at the tensor's last change. A node notes the clock when it saves
tensors; at backward, if the clock has not moved since, nothing can have changed and
no tensor is looked at (the common case: a training step changes its parameters
after backward). Otherwise a saved tensor whose tick is later than the node's
reading was changed after it was saved.
"""

from __future__ import annotations

import numpy as np

_tensor_class: type | None = None  # chainrule.tensor.Tensor, once it is defined
in_place_clock = [0]  # in-place changes so far in this process (NOTE above)


def _tensor_wrap(array):
    return TensorBase._wrap(array)


def set_tensor_class(cls: type) -> None:
    """Make `cls` (a subclass of TensorBase) the class of every tensor the engine creates."""
    global _tensor_class
    _tensor_class = cls


class TensorBase:
    """The graph-facing half of a tensor; see NOTE [ Tensor's two layers ]."""

    __slots__ = ("_data", "__dict__", "__weakref__")  # _data: the ndarray
    # Most tensors are intermediate values that never set these; class-level defaults
    # keep creating one down to a single attribute store (measured in bench/bench_ops.py).
    _requires_grad = False
    grad = None
    grad_fn = None
    _output_nr = 0  # which output of grad_fn this tensor is
    _version_counter: list | None = None
    _hooks: dict | None = None
    _post_accumulate_hooks: dict | None = None  # hook(tensor) after .grad is updated
    # numpy must not treat a Tensor as an array operand: `ndarray * Tensor` then
    # falls back to Tensor.__rmul__, which records the op.
    __array_ufunc__ = None

    @staticmethod
    def _wrap(array):
        """A tensor around `array` (no copy), outside any graph."""
        t = object.__new__(_tensor_class)
        t._data = array if isinstance(array, np.ndarray) else np.asarray(array)
        return t

    @staticmethod
    def _from_op(array, node, output_nr: int = 0):
        """The tensor for output `output_nr` of graph node `node`."""
        t = object.__new__(_tensor_class)
        t._data = array if isinstance(array, np.ndarray) else np.asarray(array)
        t._requires_grad = True
        t.grad_fn = node
        if output_nr:
            t._output_nr = output_nr
        return t

    # -- attributes the engine and the ops read ---------------------------------------

    @property
    def data(self):
        """The same values as a tensor outside the graph, sharing memory (PyTorch's `.data`).

        Unlike `detach()`, changes made through it are not seen by autograd's version
        check: it is for optimizers and initialisers written the old way
        (`p.data.add_(...)`). `numpy()` is the way to an array.
        """
        return _tensor_wrap(self._data)

    @data.setter
    def data(self, value) -> None:
        """Replace the values (and shape) of this tensor with those of `value`."""
        self._data = value._data if isinstance(value, TensorBase) else np.asarray(value)

    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    def numel(self) -> int:
        return self._data.size

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True):
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"only tensors of floating point dtype can require gradients, got {self.dtype}; "
                f"convert first with .float() (or create it with dtype=chainrule.float32)"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad can only be switched off on leaf tensors; use .detach() to get "
                "a tensor outside the graph"
            )
        self._requires_grad = bool(requires_grad)
        return self

    # -- version counter (NOTE above) ---------------------------------------------------

    @property
    def _version(self) -> int:
        counter = self._version_counter
        return 0 if counter is None else counter[0]

    @_version.setter
    def _version(self, value: int) -> None:
        counter = self._shared_version_counter()
        counter[0] = value
        in_place_clock[0] += 1
        counter[1] = in_place_clock[0]

    def _bump_version(self) -> None:
        """Record an in-place change (one call: optimizers make one per parameter per step)."""
        tick = in_place_clock[0] = in_place_clock[0] + 1
        counter = self._version_counter
        if counter is None:
            self._version_counter = [1, tick]
        else:
            counter[0] += 1
            counter[1] = tick

    def _shared_version_counter(self) -> list:
        counter = self._version_counter
        if counter is None:
            counter = self._version_counter = [0, 0]
        return counter

    def _share_version_with(self, base: TensorBase) -> None:
        """Make this tensor, a view of `base`'s memory, count versions with it."""
        self._version_counter = base._shared_version_counter()

    __hash__ = object.__hash__
