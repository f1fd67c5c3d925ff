"""Devices as PyTorch code names them. chainrule computes on the CPU only.

`device('cuda')` can be created, as in PyTorch, so that the usual line

    device = chainrule.device("cuda" if chainrule.cuda.is_available() else "cpu")

works and picks the CPU. Placing a tensor or a layer on any device but the CPU
raises an error that says so.
"""

from __future__ import annotations

DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "xla", "meta", "hpu", "mtia")


class device:
    """A device: its type ('cpu', 'cuda', ...) and an optional index.

    Args:
        type: 'cpu', 'cuda', 'cuda:1', ..., or another device.
        index: the device's number, if not given in `type`.
    """

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device() expects a string such as 'cpu', got {type!r}")
        name, _, number = type.partition(":")
        if name not in DEVICE_TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(DEVICE_TYPES)} device type at start of device "
                f"string: {type}"
            )
        if number:
            if index is not None or not number.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(number)
        self.type, self.index = name, index

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"


CPU = device("cpu")


def check_device(where) -> None:
    """Accept None or the CPU; refuse any other device with an error that says what to do."""
    if where is None:
        return
    if isinstance(where, int):  # PyTorch reads a bare int as a CUDA device index
        where = device("cuda", where)
    where = device(where)
    if where.type != "cpu":
        raise RuntimeError(
            f"chainrule runs on the CPU only, so it cannot use device {str(where)!r}. Use "
            f"device('cpu'), or choose with chainrule.device('cuda' if "
            f"chainrule.cuda.is_available() else 'cpu'), which picks the CPU here."
        )


def is_device_argument(value) -> bool:
    """Is `value` a device given positionally (as to `.to(...)`)?"""
    return isinstance(value, device) or (isinstance(value, str) and
                                         value.partition(":")[0] in DEVICE_TYPES)
