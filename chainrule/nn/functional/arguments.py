"""Size arguments as PyTorch takes them: an int, or one int per spatial dimension."""

from __future__ import annotations


def ntuple(value, n: int, name: str) -> tuple:
    """`value` as n ints: 3 -> (3, 3) for n = 2; a sequence must have n ints already.

    Example: ntuple(3, 2, "kernel_size") == (3, 3); ntuple((1, 2), 2, "stride") == (1, 2).
    """
    result = (value,) * n if isinstance(value, int) else tuple(value)
    if len(result) != n or not all(isinstance(v, int) for v in result):
        kind = "an int" if n == 1 else f"an int or {n} ints"
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    return result


def pair(value, name: str) -> tuple[int, int]:
    return ntuple(value, 2, name)


def single(value, name: str) -> int:
    return ntuple(value, 1, name)[0]
