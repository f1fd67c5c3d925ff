"""`Optimizer`: parameter groups, per-parameter state and its saving; subclasses write
only their update rule (`_init_state` and `_update`). The base applies what every
rule shares before calling it: `maximize` (g ← -g) and L2 weight decay
(g ← g + weight_decay · p), unless the optimizer decouples its decay (AdamW).

Updates run in place on the parameters' arrays, under no_grad, so an optimizer step
records no graph and allocates little.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .. import kernels
from ..autograd.grad_mode import enable_grad, no_grad
from ..tensor import Tensor


class _Required:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class. `params` is an iterable of tensors, or of dicts that define groups
    with their own options (e.g. a smaller lr for one layer)."""

    # True where the update rule applies weight decay itself, to the parameter (AdamW)
    decoupled_weight_decay = False

    def __init__(self, params: Iterable, defaults: dict[str, Any]) -> None:
        if defaults.get("fused") and kernels.active() != "numba":
            raise RuntimeError(
                f"{type(self).__name__}(fused=True) needs the compiled kernels: install "
                "numba (pip install 'chainrule[fast]') and leave CHAINRULE_KERNELS unset, "
                "or pass fused=None to use them when available")
        self.defaults = defaults
        self.state: dict[Tensor, dict] = {}
        self._scratch_buffers: dict[np.dtype, np.ndarray] = {}
        self.param_groups: list[dict] = []
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(params[0], dict):
            params = [{"params": params}]
        for group in params:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, got {type(p).__name__}")
            if not p.requires_grad:
                raise ValueError("optimizing a tensor that doesn't require gradients")
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {key}")
            group.setdefault(key, default)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad._data.fill(0)

    def step(self, closure: Callable | None = None):
        """One update of every parameter that has a gradient; returns closure()'s loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            states, update = self.state, self._update
            for group in self.param_groups:
                maximize = group.get("maximize")
                decay = 0.0 if self.decoupled_weight_decay else group.get("weight_decay", 0.0)
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    grad = -p.grad._data if maximize else p.grad._data
                    if decay:
                        grad = grad + decay * p._data
                    state = states.get(p)
                    if state is None:
                        state = states[p] = self._init_state(p, group)
                    update(p._data, grad, state, group)
                    p._bump_version()
        return loss

    def _init_state(self, p: Tensor, group: dict) -> dict:
        return {}

    def _scratch(self, like: np.ndarray) -> np.ndarray:
        """A temporary array shaped like `like`, shared by all parameters (not state).

        Update rules write intermediate results into it with `out=` instead of
        allocating a temporary per operation: one buffer the size of the largest
        parameter instead of several per parameter and step.
        """
        flat = self._scratch_buffers.get(like.dtype)
        if flat is None or flat.size < like.size:
            flat = self._scratch_buffers[like.dtype] = np.empty(like.size, like.dtype)
        return flat[: like.size].reshape(like.shape)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        raise NotImplementedError

    @staticmethod
    def _fused(name: str, group: dict, *arrays: np.ndarray):
        """The one-pass compiled update (kernels/optim.py), or None to run the reference:
        with fused=False, without numba, or for arrays it cannot walk flat."""
        if group.get("fused") is False or not all(a.flags.c_contiguous for a in arrays):
            return None
        return kernels.get(name, *arrays)

    # -- saving -------------------------------------------------------------------------

    def state_dict(self) -> dict:
        """PyTorch's layout: per-parameter state by index, and the groups' options."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {
                        k: Tensor._wrap(v.copy()) if isinstance(v, np.ndarray) else v
                        for k, v in self.state[p].items()
                    }
        return {"state": state, "param_groups": copy.deepcopy(groups)}

    def load_state_dict(self, state_dict: dict) -> None:
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(groups)} parameter groups, the optimizer has "
                f"{len(self.param_groups)}"
            )
        by_index = {}
        for saved, group in zip(groups, self.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size "
                    "of the optimizer's group"
                )
            by_index.update(zip(saved["params"], group["params"]))
            for key, value in saved.items():
                if key != "params":
                    group[key] = copy.deepcopy(value)
        self.state = {}
        for key, values in state_dict["state"].items():
            p = by_index[int(key)]
            self.state[p] = {k: _state_value(v, p) for k, v in values.items()}

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"


def _state_value(value, param: Tensor):
    if isinstance(value, Tensor):
        value = value._data
    elif hasattr(value, "detach"):  # a PyTorch tensor
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return value.item()  # a step counter
        return value.astype(param.dtype, copy=True)
    return copy.deepcopy(value)
