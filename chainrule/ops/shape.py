"""Shape ops: reshape, permute, expand, repeat, cat, stack, split, pad, tril/triu.

They move or copy elements without arithmetic, so each backward moves the gradient
back the same way: a reshape is undone by a reshape, a permutation by its inverse,
an expand by a sum (`sum_to_shape`), a concatenation by slicing. Reshape and
permute return views of their input (they share its version counter).
"""

from __future__ import annotations

import builtins

import numpy as np

from ..autograd.function import Function
from .primitives import broadcast_to, normalize_dim, sum_


def _sizes(args) -> tuple:
    """Accept both f(2, 3) and f((2, 3)), as PyTorch does."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


class Reshape(Function):
    """y = x with a new shape, same elements in the same (row-major) order"""

    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise RuntimeError(
                f"reshape: shape {list(shape)} is invalid for input of shape {tuple(x.shape)} "
                f"({x.size} elements); the new sizes must multiply to {x.size}"
            ) from None

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


def reshape(x, *shape):
    return Reshape.apply(x, _sizes(shape))


def flatten(x, start_dim: int = 0, end_dim: int = -1):
    if x.ndim == 0:
        return reshape(x, (1,))
    start = normalize_dim(start_dim, x.ndim, "flatten")
    end = normalize_dim(end_dim, x.ndim, "flatten")
    # the explicit size (not -1) also works when a dimension is 0
    merged = int(np.prod(x.shape[start : end + 1]))
    return reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1 :])


def squeeze(x, dim=None):
    if dim is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    dims = {normalize_dim(d, x.ndim, "squeeze") for d in dims}
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1)))


def unsqueeze(x, dim: int):
    d = normalize_dim(dim, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


class Permute(Function):
    """y = x with its axes reordered by `dims`"""

    is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    # the gradient goes back through the inverse permutation
    @staticmethod
    def backward(ctx, grad):
        return permute(grad, tuple(np.argsort(ctx.dims)))


def permute(x, *dims):
    dims = tuple(normalize_dim(d, x.ndim, "permute") for d in _sizes(dims))
    if sorted(dims) != list(range(x.ndim)):
        raise RuntimeError(
            f"permute: dims {list(dims)} must be a permutation of 0..{x.ndim - 1} for a tensor "
            f"of shape {tuple(x.shape)}"
        )
    return Permute.apply(x, dims)


def transpose(x, dim0: int, dim1: int):
    dims = list(range(x.ndim))
    d0 = normalize_dim(dim0, x.ndim, "transpose")
    d1 = normalize_dim(dim1, x.ndim, "transpose")
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(x, tuple(dims))


def expand(x, *sizes):
    sizes = _sizes(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes ({len(sizes)}) must be at least the number of "
            f"dimensions ({x.ndim})"
        )
    shape = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
    return broadcast_to(x, shape)


class Repeat(Function):
    """y = x tiled `repeats` times along each axis (torch.Tensor.repeat)"""

    @staticmethod
    def forward(ctx, x, repeats):
        if len(repeats) < x.ndim:
            raise RuntimeError(
                f"repeat: got {len(repeats)} repeat counts for a tensor with {x.ndim} "
                f"dimensions; give at least one count per dimension"
            )
        ctx.shape = (1,) * (len(repeats) - x.ndim) + x.shape
        ctx.repeats = repeats
        ctx.in_shape = x.shape
        return np.tile(x, repeats)

    # sum the gradients of all tiles: view the gradient as (r0, s0, r1, s1, ...)
    @staticmethod
    def backward(ctx, grad):
        interleaved = tuple(n for r, s in zip(ctx.repeats, ctx.shape) for n in (r, s))
        tiles = tuple(range(0, 2 * len(ctx.shape), 2))
        return sum_(grad.reshape(interleaved), tiles).reshape(ctx.in_shape)


def repeat(x, *repeats):
    return Repeat.apply(x, _sizes(repeats))


class Cat(Function):
    """y = the inputs joined along `dim`"""

    @staticmethod
    def forward(ctx, *xs, dim):
        ctx.dim = dim
        ctx.bounds = np.cumsum([0] + [x.shape[dim] for x in xs])
        try:
            return np.concatenate(xs, axis=dim)
        except ValueError:
            shapes = ", ".join(str(tuple(x.shape)) for x in xs)
            raise RuntimeError(
                f"cat: all tensors must have the same shape except in dimension {dim}; got "
                f"{shapes}"
            ) from None

    # each input gets back its own slice of the gradient
    @staticmethod
    def backward(ctx, grad):
        lead = (slice(None),) * ctx.dim
        b = ctx.bounds
        return tuple(grad[lead + (slice(b[i], b[i + 1]),)] for i in range(len(b) - 1))


def cat(tensors, dim: int = 0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat expects a non-empty sequence of tensors")
    return Cat.apply(*tensors, dim=normalize_dim(dim, tensors[0].ndim, "cat"))


class Stack(Function):
    """y = the inputs stacked along a new axis `dim`"""

    @staticmethod
    def forward(ctx, *xs, dim):
        ctx.dim = dim
        try:
            return np.stack(xs, axis=dim)
        except ValueError:
            shapes = ", ".join(str(tuple(x.shape)) for x in xs)
            raise RuntimeError(f"stack expects tensors of equal shape, got {shapes}") from None

    @staticmethod
    def backward(ctx, grad):
        lead = (slice(None),) * ctx.dim
        return tuple(grad[lead + (i,)] for i in range(grad.shape[ctx.dim]))


def stack(tensors, dim: int = 0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack expects a non-empty sequence of tensors")
    return Stack.apply(*tensors, dim=normalize_dim(dim, tensors[0].ndim + 1, "stack"))


def split(x, split_size_or_sections, dim: int = 0):
    d = normalize_dim(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [split_size_or_sections] * (n // split_size_or_sections)
        if n % split_size_or_sections:
            sizes.append(n % split_size_or_sections)
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise RuntimeError(
                f"split: section sizes {sizes} sum to {builtins.sum(sizes)}, but dimension {d} "
                f"has size {n}"
            )
    lead = (slice(None),) * d
    starts = np.cumsum([0] + sizes)
    return tuple(x[lead + (slice(starts[i], starts[i + 1]),)] for i in range(len(sizes)))


def chunk(x, chunks: int, dim: int = 0):
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = x.shape[normalize_dim(dim, x.ndim, "chunk")]
    size = -(-n // chunks)
    return split(x, builtins.max(size, 1), dim)


class Pad(Function):
    """y = x with a constant border; `widths` as np.pad, one (before, after) per axis"""

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))
        return np.pad(x, widths, mode="constant", constant_values=value)

    # the border is constant: the gradient is the middle part
    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.crop]


def pad(x, pad, mode: str = "constant", value: float = 0.0):
    """Pad with a constant; `pad` lists (left, right) pairs from the last dimension back."""
    if mode != "constant":
        raise NotImplementedError(f"pad: only mode='constant' is supported, got mode={mode!r}")
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(
            f"pad: expected an even number of padding sizes, at most 2 per dimension "
            f"({2 * x.ndim}), got {len(pad)}"
        )
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if builtins.min(builtins.min(w) for w in widths) < 0:
        raise NotImplementedError("pad: negative padding (cropping) is not supported; slice")
    return Pad.apply(x, tuple(widths), value)


class Tril(Function):
    """y = the lower triangle of x (upper when `upper`), the rest zero"""

    @staticmethod
    def forward(ctx, x, diagonal, upper):
        ctx.diagonal, ctx.upper = diagonal, upper
        return (np.triu if upper else np.tril)(x, diagonal)

    @staticmethod
    def backward(ctx, grad):
        return Tril.apply(grad, ctx.diagonal, ctx.upper)


def tril(x, diagonal: int = 0):
    return Tril.apply(x, diagonal, False)


def triu(x, diagonal: int = 0):
    return Tril.apply(x, diagonal, True)
