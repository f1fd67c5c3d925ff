"""Distances and similarities between vectors, and rescaling to unit norm."""

from __future__ import annotations

from ... import ops


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12):
    """x / max(‖x‖ₚ, eps) along `dim`."""
    norm = ops.vector_norm(input, p, dim, keepdim=True)
    return input / ops.clamp(norm, min=eps)


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """x1·x2 / (max(‖x1‖, eps)·max(‖x2‖, eps)) along `dim` (PyTorch's formula)."""
    n1 = ops.clamp(ops.vector_norm(x1, 2, dim), min=eps)
    n2 = ops.clamp(ops.vector_norm(x2, 2, dim), min=eps)
    return (x1 * x2).sum(dim) / (n1 * n2)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """‖x1 - x2 + eps‖ₚ along the last dimension."""
    return ops.vector_norm(x1 - x2 + eps, p, -1, keepdim)


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1ᵀ W_k x2 + b_k: (N, in1), (N, in2), W (out, in1, in2) -> (N, out)."""
    out = ops.einsum("ni,kij,nj->nk", input1, weight, input2)
    return out if bias is None else out + bias


def pixel_shuffle(input, upscale_factor: int):
    """(N, C·r², H, W) -> (N, C, H·r, W·r): channels rearranged into space."""
    n, c, h, w = input.shape
    r = upscale_factor
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle: channels ({c}) must be divisible by "
                           f"upscale_factor² ({r * r})")
    x = input.reshape(n, c // (r * r), r, r, h, w).permute(0, 1, 4, 2, 5, 3)
    return x.reshape(n, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor: int):
    """(N, C, H·r, W·r) -> (N, C·r², H, W): the inverse of pixel_shuffle."""
    n, c, h, w = input.shape
    r = downscale_factor
    if h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle: height and width ({h}, {w}) must be divisible "
                           f"by downscale_factor ({r})")
    x = input.reshape(n, c, h // r, r, w // r, r).permute(0, 1, 3, 5, 2, 4)
    return x.reshape(n, c * r * r, h // r, w // r)
