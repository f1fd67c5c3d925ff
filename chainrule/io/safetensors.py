"""The safetensors file format, read and written with NumPy alone.

A safetensors file is an 8-byte little-endian header length, a JSON header naming each
tensor's dtype, shape and byte range, and the raw little-endian bytes of the tensors,
back to back. It holds no code, so reading one cannot run any. The format is Hugging
Face's (https://github.com/huggingface/safetensors); files written here load with the
`safetensors` package (and so into PyTorch) and the other way round, which the tests
check with that package. Every way a file can be malformed ends in a `FileFormatError`
that says what is wrong.
"""

from __future__ import annotations

import json

import numpy as np

# safetensors' dtype names and NumPy's little-endian dtypes
DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4",
          "I16": "<i2", "I8": "i1", "U8": "u1", "U16": "<u2", "U32": "<u4", "U64": "<u8",
          "BOOL": "?"}
NAMES = {np.dtype(v): k for k, v in DTYPES.items()}
MAX_HEADER = 100_000_000  # the package's own limit


class FileFormatError(ValueError):
    """A file that is not a valid chainrule or safetensors file."""


def encode(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    """The bytes of a safetensors file holding `tensors` (in order) and `metadata`."""
    header: dict = {"__metadata__": metadata}
    offset, chunks = 0, []
    for name, array in tensors.items():
        dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
        if dtype not in NAMES:
            raise TypeError(f"cannot store tensor {name!r} of dtype {array.dtype} in a "
                            f"safetensors file; supported: {', '.join(sorted(DTYPES))}")
        data = np.ascontiguousarray(array, dtype=dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": NAMES[dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the package pads the header to 8-byte alignment
    return len(text).to_bytes(8, "little") + text + b"".join(chunks)


def decode(buffer: bytes, source: str = "file") -> tuple[dict[str, np.ndarray], dict]:
    """The tensors (in file order) and the metadata of a safetensors file's bytes."""
    if len(buffer) < 8:
        raise FileFormatError(f"{source} is {len(buffer)} bytes long, too short for a "
                              f"safetensors file (it may be truncated)")
    size = int.from_bytes(buffer[:8], "little")
    if size > MAX_HEADER or 8 + size > len(buffer):
        raise FileFormatError(f"{source}: the header claims {size} bytes but the file has "
                              f"{len(buffer) - 8} after the length field (truncated, or not "
                              f"a safetensors file)")
    try:
        header = json.loads(buffer[8:8 + size].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise FileFormatError(f"{source}: the header is not valid JSON ({error})") from None
    if not isinstance(header, dict):
        raise FileFormatError(f"{source}: the header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str)
                                                 for v in metadata.values()):
        raise FileFormatError(f"{source}: __metadata__ must map names to strings")
    body = memoryview(buffer)[8 + size:]
    spans, tensors = [], {}
    for name, entry in header.items():
        tensors[name], span = _read_tensor(name, entry, body, source)
        spans.append(span)
    end = 0
    for begin, stop in sorted(spans):
        if begin != end:
            raise FileFormatError(f"{source}: tensor bytes overlap or leave a gap at byte "
                                  f"{min(begin, end)} of the data")
        end = stop
    if end != len(body):
        raise FileFormatError(f"{source}: the data is {len(body)} bytes but the tensors "
                              f"account for {end}")
    return tensors, metadata


def _read_tensor(name: str, entry, body: memoryview, source: str):
    try:
        dtype = np.dtype(DTYPES[entry["dtype"]])
        shape = tuple(int(n) for n in entry["shape"])
        begin, stop = (int(n) for n in entry["data_offsets"])
    except (KeyError, TypeError, ValueError):
        raise FileFormatError(f"{source}: the header entry of tensor {name!r} is malformed "
                              f"(needs a known dtype, a shape and two data offsets): "
                              f"{str(entry)[:200]}") from None
    count = 1
    for n in shape:
        if n < 0:
            raise FileFormatError(f"{source}: tensor {name!r} has a negative dimension")
        count *= n
    if not 0 <= begin <= stop <= len(body) or stop - begin != count * dtype.itemsize:
        raise FileFormatError(f"{source}: tensor {name!r} of shape {shape} and dtype "
                              f"{entry['dtype']} needs {count * dtype.itemsize} bytes, its "
                              f"offsets [{begin}, {stop}] do not fit the {len(body)} data "
                              f"bytes")
    array = np.frombuffer(body[begin:stop], dtype=dtype).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=True), (begin, stop)
