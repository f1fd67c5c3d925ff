"""`Module`: a layer or a model. It registers parameters, buffers and submodules in the
order they are assigned, so `state_dict()` keys are predictable and PyTorch's.

NOTE [ Registered attributes are plain attributes too ]
PyTorch keeps parameters only in `_parameters` and finds `self.weight` through
`__getattr__`, which runs after a failed normal lookup on every access. chainrule
stores each registered parameter, buffer and submodule both in its registry dict and
in the instance `__dict__`, so `self.weight` in a forward pass is an ordinary
attribute read. `__setattr__` and `__delattr__` keep the two in step.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..autograd.grad_mode import _mode, no_grad
from ..autograd.hooks import RemovableHandle
from ..autograd.watch import module_path
from ..device import check_device
from ..dtypes import dtype_from_to_args
from ..tensor import Tensor
from .parameter import Parameter

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def positive_int(name: str, value) -> int:
    """Check a layer's size argument: "expected a positive integer. Received: units=0"."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"expected a positive integer. Received: {name}={value!r}")
    return value


class InputShapeError(RuntimeError):
    """A layer got an input of the wrong shape; the message names the layer's place."""

    def __init__(self, module: Module, shape: tuple, expected: str) -> None:
        self.module, self.shape, self.expected = module, tuple(shape), expected
        self.where = ""
        super().__init__(self._text())

    def _text(self) -> str:
        place = f"{self.where} " if self.where else ""
        return (f"{place}{self.module._short_repr()} got input of shape {self.shape}; "
                f"expected {self.expected}")

    def locate(self, root: Module) -> None:
        """Name the failing layer by its path from `root`, e.g. Sequential[2]."""
        for name, m in root.named_modules():
            if m is self.module and name:
                parts = name.split(".")
                path = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in parts)
                self.where = type(root).__name__ + path
                self.args = (self._text(),)
                return


class Module:
    """Base class of layers and models.

    Subclasses assign parameters and submodules in `__init__` and define `forward`.
    Call the module, not `forward`, so hooks run.
    """

    training: bool

    def __init__(self) -> None:
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()

    def forward(self, *args: Any, **kwargs: Any):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any):
        if _mode.watchers:  # autograd.watch is on: let ops know their module path
            stack = _mode.module_stack
            stack.append((self, module_path(self)))
            try:
                return self._call(*args, **kwargs)
            finally:
                stack.pop()
        return self._call(*args, **kwargs)

    def _call(self, *args: Any, **kwargs: Any):
        if self._forward_pre_hooks:
            for hook in list(self._forward_pre_hooks.values()):
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        try:
            output = self.forward(*args, **kwargs)
        except InputShapeError as error:
            error.locate(self)
            raise
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                result = hook(self, args, output)
                if result is not None:
                    output = result
        return output

    # -- registration ---------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() call; call "
                f"super().__init__() first in {type(self).__name__}.__init__"
            )
        params, buffers, modules = self._parameters, self._buffers, self._modules
        # Replacing a parameter or submodule keeps its place in the order (a dict keeps a
        # key's position on reassignment), so state_dict keys and children() stay put.
        if isinstance(value, Parameter):
            self._forget(name, keep=params)
            params[name] = value
        elif isinstance(value, Module):
            self._forget(name, keep=modules)
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} "
                    f"(chainrule.nn.Parameter or None expected)"
                )
            params[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer {name!r}")
            buffers[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module {name!r}")
            modules[name] = None
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._forget(name)
        object.__delattr__(self, name)

    def _forget(self, name: str, keep: dict | None = None) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter({name!r}) expects a Parameter or None")
        self._forget(name, keep=self._parameters)
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """State that is saved in the state_dict but is not trained (running statistics)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer({name!r}) expects a Tensor or None")
        self._forget(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers.add(name)
        object.__setattr__(self, name, tensor)

    def add_module(self, name: str, module: Module | None) -> None:
        self._forget(name, keep=self._modules)
        self._modules[name] = module
        object.__setattr__(self, name, module)

    register_module = add_module

    # -- traversal ------------------------------------------------------------------

    def named_modules(self, prefix: str = "", memo: set | None = None):
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(f"{prefix}.{name}" if prefix else name, memo)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct submodules; one registered under two names is listed once (PyTorch's rule)."""
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_parameters(self, prefix: str = "", recurse: bool = True):
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, m in modules:
            for name, p in m._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{module_name}.{name}" if module_name else name), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True):
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, m in modules:
            for name, b in m._buffers.items():
                if b is not None:
                    yield (f"{module_name}.{name}" if module_name else name), b

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        m = self
        for part in target.split(".") if target else []:
            if part not in m._modules:
                raise AttributeError(f"{type(m).__name__} has no submodule {part!r}")
            m = m._modules[part]
        return m

    # -- modes and utilities ------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        for m in self.modules():
            m.__dict__["training"] = bool(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad._data.fill(0)

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call fn on every submodule (children first), then on self; e.g. custom init."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(self, *args, **kwargs) -> Module:
        """Convert floating-point parameters and buffers to a dtype (in place)."""
        dtype = dtype_from_to_args(args, kwargs)
        if dtype is None:
            return self
        for t in list(self.parameters()) + list(self.buffers()):
            if t.dtype.kind == "f":
                t._data = t._data.astype(dtype)
                if t.grad is not None:
                    t.grad = Tensor._wrap(t.grad._data.astype(dtype))
        return self

    def float(self) -> Module:
        return self.to(np.float32)

    def double(self) -> Module:
        return self.to(np.float64)

    def cpu(self) -> Module:
        return self

    def cuda(self, device=None) -> Module:
        """Refused: chainrule has no GPU (the error says how to write device-neutral code)."""
        check_device(device if device is not None else "cuda")
        return self

    def share_memory(self) -> Module:
        """Nothing to do: CPU tensors are shared with worker processes as they are."""
        return self

    # -- hooks ----------------------------------------------------------------------

    def register_forward_hook(self, hook: Callable):
        """Call hook(module, inputs, output) after forward; a non-None result replaces output."""
        return RemovableHandle.add(self._forward_hooks, hook)

    def register_forward_pre_hook(self, hook: Callable):
        """Call hook(module, inputs) before forward; a non-None result replaces the inputs."""
        return RemovableHandle.add(self._forward_pre_hooks, hook)

    # -- state ----------------------------------------------------------------------

    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False):
        """Parameters and persistent buffers by dotted name (PyTorch's keys), sharing memory."""
        out = OrderedDict() if destination is None else destination
        for module_name, m in self.named_modules(prefix.rstrip(".")):
            base = f"{module_name}." if module_name else ""
            for name, p in m._parameters.items():
                if p is not None:
                    out[base + name] = p if keep_vars else p.detach()
            for name, b in m._buffers.items():
                if b is not None and name not in m._non_persistent_buffers:
                    out[base + name] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy values into this module's parameters and buffers, in place.

        Values may be chainrule tensors, NumPy arrays or PyTorch tensors.
        """
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}: missing keys "
                f"{missing}, unexpected keys {unexpected}. Pass strict=False to load the "
                f"keys that match."
            )
        mismatched = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = _to_numpy(state_dict[key])
            if value.shape != target.shape:
                mismatched.append(f"{key}: checkpoint {value.shape}, model {target.shape}")
        if mismatched:
            raise RuntimeError(
                "size mismatch while loading state_dict: " + "; ".join(mismatched)
            )
        with no_grad():
            for key, target in own.items():
                if key in state_dict:
                    value = _to_numpy(state_dict[key])
                    np.copyto(target._data, value, casting="unsafe")
                    target._bump_version()
        return IncompatibleKeys(missing, unexpected)

    # -- printing -------------------------------------------------------------------

    def extra_repr(self) -> str:
        return ""

    def _short_repr(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def __repr__(self) -> str:
        lines = []
        for name, m in self._modules.items():
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        if not lines:
            return f"{type(self).__name__}({self.extra_repr()})"
        head = f"{type(self).__name__}({self.extra_repr()}"
        return head + "\n" + "\n".join(lines) + "\n)"


def _to_numpy(value) -> np.ndarray:
    if isinstance(value, Tensor):
        return value._data
    if hasattr(value, "detach"):  # a PyTorch tensor
        return value.detach().cpu().numpy()
    return np.asarray(value)
