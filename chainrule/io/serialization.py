"""`save` and `load` with PyTorch's file semantics, in the safetensors format.

What PyTorch code saves in practice (a tensor, a `state_dict`, an optimizer's
`state_dict`, or nested dicts, lists and tuples of those with numbers, strings and None)
goes into one safetensors file: the tensors as its tensors, the nesting as JSON in its
metadata beside the chainrule version. A flat `state_dict` keeps its keys as the tensor
names, so `safetensors.torch.load_file` reads it straight into PyTorch, and a safetensors
file written by PyTorch loads here as a dict of tensors. Nothing is pickled, so loading
a file never runs code from it. Files written by earlier chainrule versions (a NumPy
.npz archive) still load.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ..tensor import Tensor
from ..version import __version__
from .safetensors import FileFormatError, decode, encode

_STRUCTURE = "chainrule.structure"
_LEGACY_STRUCTURE = "__structure__"


def _pack(obj: Any, arrays: dict, path: str) -> Any:
    if isinstance(obj, (Tensor, np.ndarray)):
        name = path or "tensor"
        while name in arrays:
            name += "'"
        arrays[name] = obj._data if isinstance(obj, Tensor) else obj
        return {"__tensor__" if isinstance(obj, Tensor) else "__ndarray__": name}
    join = (lambda k: f"{path}/{k}") if path else str
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {"__dict__": {k: _pack(v, arrays, join(k)) for k, v in obj.items()}}
        return {"__items__": [[_pack(k, arrays, join(f"key{i}")), _pack(v, arrays, join(i))]
                              for i, (k, v) in enumerate(obj.items())]}
    if isinstance(obj, tuple):
        return {"__tuple__": [_pack(v, arrays, join(i)) for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_pack(v, arrays, join(i)) for i, v in enumerate(obj)]
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if hasattr(obj, "state_dict"):
        raise TypeError(
            f"save: cannot store a whole {type(obj).__name__}; save its state_dict() "
            f"instead, e.g. chainrule.save(model.state_dict(), 'model.pt'), and load it into "
            f"a new {type(obj).__name__} with load_state_dict (storing objects would mean "
            f"pickling, and loading a pickle runs code)")
    raise TypeError(
        f"save: cannot store a {type(obj).__name__}; chainrule files hold tensors, arrays, "
        f"numbers, strings, None and dicts/lists/tuples of them (so loading never runs code)")


def _unpack(obj: Any, arrays: dict) -> Any:
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
    raise FileFormatError(f"unknown entry {sorted(obj)[:5]} in the file's structure")


def to_bytes(obj: Any) -> bytes:
    """The bytes `save` writes for `obj`."""
    arrays: dict[str, np.ndarray] = {}
    structure = _pack(obj, arrays, "")
    return encode(arrays, {"format": "pt", "chainrule": __version__,
                           _STRUCTURE: json.dumps(structure)})


def write_atomically(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash at any moment leaves either the old file or
    the new one: a temporary file beside it, flushed to disk, then renamed over it."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent or ".", os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)


def save(obj: Any, f) -> None:
    """Write `obj` (e.g. `model.state_dict()`) to `f`: exactly that path (no extension is
    added, as in PyTorch), written atomically, or an open binary file."""
    data = to_bytes(obj)
    if isinstance(f, (str, os.PathLike)):
        write_atomically(f, data)
    else:
        f.write(data)


def load(f, map_location=None, weights_only: bool | None = None, **kwargs) -> Any:
    """Read what `save` wrote (or a safetensors file from elsewhere, or a chainrule .npz).

    Never unpickles: a file cannot run code when loaded. `map_location` and
    `weights_only` are accepted for PyTorch code's sake: everything loads to the CPU, and
    only data is ever loaded. A malformed file raises `FileFormatError`.
    """
    if isinstance(f, (str, os.PathLike)):
        source = str(f)
        try:
            with open(f, "rb") as file:
                buffer = file.read()
        except FileNotFoundError:
            raise FileNotFoundError(f"load: no file {source}") from None
    else:
        source, buffer = getattr(f, "name", "the file"), f.read()
    return from_bytes(buffer, source)


def from_bytes(buffer: bytes, source: str = "the file") -> Any:
    if buffer[:4] == b"PK\x03\x04":
        return _load_npz(buffer, source)
    tensors, metadata = decode(buffer, source)
    if _STRUCTURE not in metadata:  # a safetensors file from elsewhere: a state_dict
        return {name: Tensor._wrap(array) for name, array in tensors.items()}
    try:
        structure = json.loads(metadata[_STRUCTURE])
        return _unpack(structure, tensors)
    except (ValueError, KeyError, TypeError) as error:
        raise FileFormatError(f"{source}: the structure in its metadata is damaged "
                              f"({type(error).__name__}: {error})") from None


def _load_npz(buffer: bytes, source: str) -> Any:
    """Files of chainrule 0.1: arrays in a .npz archive, the nesting as a JSON member."""
    try:
        with np.load(io.BytesIO(buffer), allow_pickle=False) as archive:
            if _LEGACY_STRUCTURE not in archive.files:
                raise FileFormatError(f"{source} is a .npz archive but not a chainrule file "
                                      f"(it has no {_LEGACY_STRUCTURE} entry)")
            structure = json.loads(archive[_LEGACY_STRUCTURE].tobytes().decode())
            arrays = {n: archive[n] for n in archive.files if n != _LEGACY_STRUCTURE}
        return _unpack(structure, arrays)
    except FileFormatError:
        raise
    except (ValueError, KeyError, TypeError, OSError, EOFError, zipfile.BadZipFile,
            zlib.error, UnicodeDecodeError) as error:
        raise FileFormatError(f"{source}: a damaged chainrule .npz file "
                              f"({type(error).__name__}: {error})") from None
