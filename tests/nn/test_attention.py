"""Attention and Transformer layers against PyTorch: outputs, masks, and every gradient."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn
from chainrule.autograd import gradcheck
from tests.oracle import (
    assert_close,
    check_forward_backward,
    check_module_against_torch,
    random_array,
    to_cr,
)

PADDING = np.array([[False, False, True, True, False], [False, False, False, False, True]])
CAUSAL_BOOL = np.triu(np.ones((4, 5), dtype=bool), 2)  # True = masked out (MHA convention)
FLOAT_MASK = random_array((4, 5), seed=9)


def _both(value):
    """The same mask for chainrule and torch."""
    return (cr.tensor(value), torch.tensor(value))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("masks", [
    {}, {"key_padding_mask": PADDING}, {"attn_mask": CAUSAL_BOOL},
    {"attn_mask": FLOAT_MASK, "key_padding_mask": PADDING},
    {"need_weights": False}, {"average_attn_weights": False}],
    ids=["none", "padding", "bool", "float+padding", "no_weights", "per_head"])
def test_multihead_attention_matches_torch(batch_first, masks):
    ours = nn.MultiheadAttention(8, 2, batch_first=batch_first).double()
    theirs = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first)
    shape_q, shape_kv = ((2, 4, 8), (2, 5, 8)) if batch_first else ((4, 2, 8), (5, 2, 8))
    kwargs = {k: (_both(v) if isinstance(v, np.ndarray) else (v, v)) for k, v in masks.items()}
    check_module_against_torch(ours, theirs, [random_array(shape_q), random_array(shape_kv, seed=1),
                                              random_array(shape_kv, seed=2)], kwargs=kwargs)


def test_multihead_attention_with_other_key_and_value_sizes():
    ours = nn.MultiheadAttention(6, 3, kdim=4, vdim=5).double()
    theirs = torch.nn.MultiheadAttention(6, 3, kdim=4, vdim=5)
    check_module_against_torch(ours, theirs, [random_array((3, 2, 6)), random_array((4, 2, 4)),
                                              random_array((4, 2, 5))])


@pytest.mark.parametrize("options", [{}, {"attn_mask": np.tril(np.ones((4, 5), dtype=bool))},
                                     {"attn_mask": FLOAT_MASK}, {"is_causal": True},
                                     {"scale": 0.3}])
def test_scaled_dot_product_attention_matches_torch(options):
    def call(f, mask_from):
        kw = {k: (mask_from(v) if isinstance(v, np.ndarray) else v) for k, v in options.items()}
        return lambda q, k, v: f(q, k, v, **kw)

    arrays = [random_array((2, 4, 3)), random_array((2, 5, 3), seed=1),
              random_array((2, 5, 2), seed=2)]
    if options.get("is_causal"):
        arrays[1], arrays[2] = arrays[1][:, :4], arrays[2][:, :4]
    check_forward_backward(call(nn.functional.scaled_dot_product_attention, cr.tensor),
                           call(torch.nn.functional.scaled_dot_product_attention, torch.tensor),
                           arrays)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer_matches_torch(norm_first, activation):
    options = dict(dim_feedforward=16, dropout=0.0, activation=activation,
                   norm_first=norm_first, batch_first=True)
    ours = nn.TransformerEncoderLayer(8, 2, **options).double()
    theirs = torch.nn.TransformerEncoderLayer(8, 2, **options)
    check_module_against_torch(ours, theirs, [random_array((2, 5, 8))],
                               kwargs={"src_key_padding_mask": _both(PADDING)})


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_torch(norm_first):
    options = dict(dim_feedforward=16, dropout=0.0, norm_first=norm_first)
    ours = nn.TransformerDecoderLayer(8, 2, **options).double()
    theirs = torch.nn.TransformerDecoderLayer(8, 2, **options)
    mask = nn.Transformer.generate_square_subsequent_mask(4, dtype=np.float64)
    check_module_against_torch(ours, theirs, [random_array((4, 2, 8)), random_array((5, 2, 8))],
                               kwargs={"tgt_mask": (mask, torch.tensor(mask.numpy()))})


def test_whole_transformer_and_stacks_match_torch():
    options = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
                   dim_feedforward=12, dropout=0.0, batch_first=True)
    ours, theirs = nn.Transformer(**options).double(), torch.nn.Transformer(**options)
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=np.float64)
    np.testing.assert_array_equal(mask.numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(3))
    check_module_against_torch(ours, theirs, [random_array((2, 5, 8)), random_array((2, 3, 8))],
                               kwargs={"tgt_mask": (mask, torch.tensor(mask.numpy()))})


def test_attention_passes_gradcheck():
    mha = nn.MultiheadAttention(4, 2).double()
    x = to_cr(random_array((3, 2, 4)))
    assert gradcheck(lambda a: mha(a, a, a, attn_mask=CAUSAL_BOOL[:3, :3])[0], [x])


def test_attention_errors_name_the_problem():
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(10, 3)
    mha = nn.MultiheadAttention(4, 2)
    with pytest.raises(RuntimeError, match=r"key_padding_mask must have shape \(2, 3\)"):
        mha(cr.zeros(3, 2, 4), cr.zeros(3, 2, 4), cr.zeros(3, 2, 4),
            key_padding_mask=np.zeros((3, 2), dtype=bool))
    assert_close(mha(cr.zeros(3, 2, 4), cr.zeros(3, 2, 4), cr.zeros(3, 2, 4))[1].sum(-1),
                 np.ones((2, 3)))
