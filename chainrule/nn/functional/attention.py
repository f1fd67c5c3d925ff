"""Attention: scaled dot-product attention and multi-head attention (PyTorch's semantics).

Composed from ops (matmul, softmax, masked_fill), so every order of gradient is
exact. Masks come in PyTorch's two conventions, which are opposite for booleans:

* `scaled_dot_product_attention(attn_mask=bool)`: True means *may attend*;
* `multi_head_attention(attn_mask=bool, key_padding_mask=bool)` (nn.MultiheadAttention):
  True means *masked out*.

A float mask is added to the scores in both (use -inf to forbid a position).
"""

from __future__ import annotations

import math

import numpy as np

from ... import ops
from ...ops import linear
from ...tensor import Tensor
from .dropout import dropout


def _mask_array(mask):
    return mask._data if isinstance(mask, Tensor) else np.asarray(mask)


def causal_mask(queries: int, keys: int) -> np.ndarray:
    """(L, S) bool, True where a query may attend: keys at or before its own position."""
    return np.tril(np.ones((queries, keys), dtype=bool))


def _apply_mask(scores, mask, allowed_when_true: bool):
    """Forbidden positions get -inf (bool masks) or the mask is added (float masks)."""
    if mask is None:
        return scores
    array = _mask_array(mask)
    if array.dtype == np.bool_:
        forbidden = ~array if allowed_when_true else array
        return ops.masked_fill(scores, np.broadcast_to(forbidden, scores.shape), -np.inf)
    return scores + (mask if isinstance(mask, Tensor) else array.astype(scores.dtype))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 training: bool = True):
    """softmax(q kᵀ · scale + mask) v, with scale = 1/√E by default.

    Shape: query (*, L, E), key (*, S, E), value (*, S, Ev) -> (*, L, Ev).
    attn_mask: bool (True = may attend) or float (added), broadcastable to (*, L, S).
    """
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: pass either attn_mask or is_causal")
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = ops.matmul(query, key.transpose(-2, -1)) * scale
    if is_causal:
        attn_mask = causal_mask(query.shape[-2], key.shape[-2])
    weights = ops.softmax(_apply_mask(scores, attn_mask, allowed_when_true=True), -1)
    if dropout_p:
        weights = dropout(weights, dropout_p, training)
    return ops.matmul(weights, value)


def multi_head_attention(query, key, value, num_heads: int, in_weights: tuple, in_biases: tuple,
                         out_weight, out_bias, key_padding_mask=None, attn_mask=None,
                         dropout_p: float = 0.0, training: bool = True,
                         need_weights: bool = True, average_attn_weights: bool = True):
    """Multi-head attention on (L, N, E) query and (S, N, E) key/value (sequence first).

    Projects q, k, v with `in_weights`/`in_biases`, splits E into `num_heads` heads,
    attends in each, joins the heads and projects with `out_weight`/`out_bias`.
    key_padding_mask (N, S) and bool attn_mask (L, S) or (N·heads, L, S): True = masked out.

    Returns:
        output (L, N, E), and the attention weights (N, L, S) averaged over heads (or
        (N, heads, L, S)) if need_weights, else None.
    """
    length, batch, embed = query.shape
    source = key.shape[0]
    head_dim = embed // num_heads
    q = linear(query, in_weights[0], in_biases[0])
    k = linear(key, in_weights[1], in_biases[1])
    v = linear(value, in_weights[2], in_biases[2])

    def heads(x, steps):  # (steps, N, E) -> (N·heads, steps, head_dim)
        return x.reshape(steps, batch * num_heads, head_dim).transpose(0, 1)

    q, k, v = heads(q, length), heads(k, source), heads(v, source)
    scores = ops.matmul(q, k.transpose(1, 2)) * (1.0 / math.sqrt(head_dim))
    mask = _merged_mask(attn_mask, key_padding_mask, batch, num_heads, length, source)
    weights = ops.softmax(_apply_mask(scores, mask, allowed_when_true=False), -1)
    if dropout_p:
        weights = dropout(weights, dropout_p, training)
    out = ops.matmul(weights, v)  # (N·heads, L, head_dim)
    out = out.transpose(0, 1).reshape(length, batch, embed)
    out = linear(out, out_weight, out_bias)
    if not need_weights:
        return out, None
    weights = weights.reshape(batch, num_heads, length, source)
    return out, (weights.mean(1) if average_attn_weights else weights)


def _merged_mask(attn_mask, key_padding_mask, batch, num_heads, length, source):
    """One mask broadcastable to (N·heads, L, S): bool True = masked, or float to add."""
    if key_padding_mask is None:
        if attn_mask is None:
            return None
        return attn_mask if _mask_array(attn_mask).ndim == 3 else _mask_array(attn_mask)[None]
    padding = _mask_array(key_padding_mask)
    if padding.shape != (batch, source):
        raise RuntimeError(
            f"key_padding_mask must have shape {(batch, source)} (N, S), got {padding.shape}"
        )
    if padding.dtype != np.bool_:  # a float padding mask is added, like a float attn_mask
        padding = padding.astype(np.float32)
    per_head = np.repeat(padding, num_heads, axis=0)[:, None, :]  # (N·heads, 1, S)
    if attn_mask is None:
        return per_head
    attn = _mask_array(attn_mask)
    attn = attn if attn.ndim == 3 else attn[None]
    if attn.dtype == np.bool_ and per_head.dtype == np.bool_:
        return attn | per_head
    as_float = [np.where(m, -np.inf, 0.0) if m.dtype == np.bool_ else m for m in (attn, per_head)]
    return as_float[0] + as_float[1]
