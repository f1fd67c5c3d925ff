"""MultiheadAttention: several attention heads over projections of q, k and v."""

from __future__ import annotations

from .. import creation
from . import functional as F
from . import init
from .linear import Linear
from .module import InputShapeError, Module, positive_int
from .parameter import Parameter


class MultiheadAttention(Module):
    """Attention from a query sequence to a key/value sequence, in `num_heads` heads.

    Args:
        embed_dim: features of the query (and of the output).
        num_heads: heads; embed_dim must be divisible by it.
        dropout: dropout on the attention weights (training only).
        bias: learn the projections' biases.
        kdim, vdim: features of key and value (default embed_dim).
        batch_first: inputs and output are (N, L, E) instead of (L, N, E).

    Shape:
        query (L, N, E), key (S, N, kdim), value (S, N, vdim) (batch first if asked)
        -> output like query, and weights (N, L, S) averaged over heads if need_weights.
        Parameters as PyTorch's: in_proj_weight (3E, E) and in_proj_bias (3E,) when
        kdim = vdim = E, else q_proj_weight, k_proj_weight, v_proj_weight; out_proj.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim=None, vdim=None,
                 batch_first: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("add_bias_kv and add_zero_attn are not supported")
        self.embed_dim = positive_int("embed_dim", embed_dim)
        self.num_heads = positive_int("num_heads", num_heads)
        if embed_dim % num_heads:
            raise ValueError(
                f"embed_dim must be divisible by num_heads, got {embed_dim} and {num_heads}"
            )
        self.kdim, self.vdim = kdim or embed_dim, vdim or embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout, self.batch_first, self.head_dim = dropout, batch_first, embed_dim // num_heads
        options = {"device": device, "dtype": dtype}
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(creation.empty(3 * embed_dim, embed_dim, **options))
        else:
            self.q_proj_weight = Parameter(creation.empty(embed_dim, embed_dim, **options))
            self.k_proj_weight = Parameter(creation.empty(embed_dim, self.kdim, **options))
            self.v_proj_weight = Parameter(creation.empty(embed_dim, self.vdim, **options))
        if bias:
            self.in_proj_bias = Parameter(creation.empty(3 * embed_dim, device=device, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's: Xavier-uniform projections, zero biases."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True,
                attn_mask=None, average_attn_weights: bool = True, is_causal: bool = False):
        if query.ndim != 3 or query.shape[-1] != self.embed_dim:
            raise InputShapeError(self, query.shape,
                                  f"({'N, L' if self.batch_first else 'L, N'}, {self.embed_dim})")
        if self.batch_first:
            query, key, value = (x.transpose(0, 1) for x in (query, key, value))
        if is_causal and attn_mask is None:
            attn_mask = ~F.causal_mask(query.shape[0], key.shape[0])
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            weights = (w[:e], w[e : 2 * e], w[2 * e :])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        b = self.in_proj_bias
        biases = (None, None, None) if b is None else (b[:e], b[e : 2 * e], b[2 * e :])
        out, attention = F.multi_head_attention(
            query, key, value, self.num_heads, weights, biases, self.out_proj.weight,
            self.out_proj.bias, key_padding_mask, attn_mask, self.dropout, self.training,
            need_weights, average_attn_weights)
        if self.batch_first:
            out = out.transpose(0, 1)
        return out, attention

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
