"""Containers: Sequential, ModuleList, ModuleDict.

NOTE [ ReLU after max pooling ]
Max pooling keeps the largest value of each window, and ReLU (max(x, 0)) never changes
which value is largest, so maxpool(relu(x)) = relu(maxpool(x)): the same values, and
the same gradients (the window's winner gets the gradient if its value is positive,
nothing does otherwise; ties go to the first winner either way, and a NaN wins in
both). Pooling first leaves ReLU a quarter of the elements under 2×2 windows. So where
a Sequential holds ReLU followed by MaxPool2d (the usual conv block), it runs them in
the other order. Only when neither module has hooks and no `autograd.watch` is on:
those would see the modules' inputs and outputs, which differ.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator

from ..autograd.grad_mode import _mode
from .activation import ReLU
from .fusion import FUSIONS
from .module import Module
from .parameter import Parameter
from .pooling import MaxPool1d, MaxPool2d


class Sequential(Module):
    """Modules called one after another; the output of each is the input of the next.

    Example:
        >>> model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    """

    def __init__(self, *args) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), m)

    def forward(self, input):
        modules = list(self._modules.values())
        k = 0
        while k < len(modules):
            module = modules[k]
            # conv blocks and dense chains as one op (nn/fusion.py)
            fuse = FUSIONS.get(type(module))
            fused = fuse(modules[k:], input) if fuse is not None else None
            if fused is not None:
                input, used = fused
                k += used
                continue
            if type(module) is ReLU and k + 1 < len(modules) and \
                    _pools_first(module, modules[k + 1]):
                input = module(modules[k + 1](input))  # NOTE [ ReLU after max pooling ]
                k += 2
                continue
            input = module(input)
            k += 1
        return input

    def __getitem__(self, index):
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        return items[index][1]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain list hides them)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        for m in modules or []:
            self.append(m)

    def __getitem__(self, index):
        items = list(self._modules.values())
        return ModuleList(items[index]) if isinstance(index, slice) else items[index]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(list(self._modules)[index], module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for m in modules:
            self.append(m)
        return self


class ModuleDict(Module):
    """A dict of modules whose parameters are registered."""

    def __init__(self, modules=None) -> None:
        super().__init__()
        for name, m in dict(modules or {}).items():
            self.add_module(name, m)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()


class ParameterList(Module):
    """A list of parameters that the module registers (named "0", "1", ...)."""

    def __init__(self, values=None) -> None:
        super().__init__()
        for p in values or []:
            self.append(p)

    def _as_parameter(self, value):
        return value if isinstance(value, Parameter) else Parameter(value)

    def __getitem__(self, index: int):
        values = list(self._parameters.values())
        return ParameterList(values[index]) if isinstance(index, slice) else values[index]

    def __setitem__(self, index: int, value) -> None:
        self.register_parameter(list(self._parameters)[index], self._as_parameter(value))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def append(self, value) -> ParameterList:
        self.register_parameter(str(len(self)), self._as_parameter(value))
        return self

    def extend(self, values) -> ParameterList:
        for v in values:
            self.append(v)
        return self


class ParameterDict(Module):
    """A dict of parameters that the module registers under their keys."""

    def __init__(self, parameters=None) -> None:
        super().__init__()
        for name, p in dict(parameters or {}).items():
            self[name] = p

    def __getitem__(self, key: str):
        return self._parameters[key]

    def __setitem__(self, key: str, value) -> None:
        self.register_parameter(key, value if isinstance(value, Parameter) else Parameter(value))

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, key: str) -> bool:
        return key in self._parameters

    def keys(self):
        return self._parameters.keys()

    def values(self):
        return self._parameters.values()

    def items(self):
        return self._parameters.items()


def _pools_first(relu: Module, pool: Module) -> bool:
    """May `pool` run before `relu`? (NOTE [ ReLU after max pooling ])"""
    return (type(pool) in (MaxPool2d, MaxPool1d) and not pool.return_indices
            and not _mode.watchers
            and not (relu._forward_hooks or relu._forward_pre_hooks
                     or pool._forward_hooks or pool._forward_pre_hooks))
