"""`save` and `load`: state dicts (and any nesting of dicts, lists, tuples, numbers,
strings and tensors) in a NumPy .npz archive, loaded with allow_pickle=False.

Loading a file never runs code from it: the arrays are plain .npy members and the
nesting is a JSON document stored as bytes beside them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..tensor import Tensor

_STRUCTURE = "__structure__"


def _pack(obj: Any, arrays: dict) -> Any:
    if isinstance(obj, (Tensor, np.ndarray)):
        key = f"a{len(arrays)}"
        arrays[key] = obj._data if isinstance(obj, Tensor) else obj
        return {"__tensor__" if isinstance(obj, Tensor) else "__ndarray__": key}
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {"__dict__": {k: _pack(v, arrays) for k, v in obj.items()}}
        return {"__items__": [[_pack(k, arrays), _pack(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [_pack(v, arrays) for v in obj]}
    if isinstance(obj, list):
        return [_pack(v, arrays) for v in obj]
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(
        f"save: cannot store a {type(obj).__name__}; chainrule files hold tensors, arrays, "
        f"numbers, strings and dicts/lists/tuples of them (so loading never runs code)"
    )


def _unpack(obj: Any, arrays) -> Any:
    if isinstance(obj, list):
        return [_unpack(v, arrays) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "__tensor__" in obj:
        return Tensor._wrap(arrays[obj["__tensor__"]])
    if "__ndarray__" in obj:
        return arrays[obj["__ndarray__"]]
    if "__dict__" in obj:
        return {k: _unpack(v, arrays) for k, v in obj["__dict__"].items()}
    if "__items__" in obj:
        return {_unpack(k, arrays): _unpack(v, arrays) for k, v in obj["__items__"]}
    if "__tuple__" in obj:
        return tuple(_unpack(v, arrays) for v in obj["__tuple__"])
    raise ValueError(f"load: unknown entry {sorted(obj)} in the file's structure")


def save(obj: Any, f: str | Path) -> None:
    """Write `obj` (e.g. `model.state_dict()`) to `f`: exactly that path (no extension is
    added, as in PyTorch), or an open binary file."""
    arrays: dict[str, np.ndarray] = {}
    structure = _pack(obj, arrays)
    arrays[_STRUCTURE] = np.frombuffer(json.dumps(structure).encode(), dtype=np.uint8)
    if isinstance(f, (str, Path)):
        with open(f, "wb") as file:
            np.savez(file, **arrays)
    else:
        np.savez(f, **arrays)


def load(f: str | Path) -> Any:
    """Read what `save` wrote. Never unpickles: a file cannot run code when loaded."""
    with np.load(f, allow_pickle=False) as archive:
        if _STRUCTURE not in archive.files:
            raise ValueError(f"{f} is not a chainrule file (it has no {_STRUCTURE} entry)")
        structure = json.loads(archive[_STRUCTURE].tobytes().decode())
        arrays = {name: archive[name] for name in archive.files if name != _STRUCTURE}
    return _unpack(structure, arrays)
