"""Comparisons, where, formatting and the new_* methods, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

A = np.array([[1.0, 2.0, np.nan], [4.0, 5.0, 6.0]])
B = np.array([[1.0, 3.0, np.nan], [4.0, 5.0 + 1e-9, 7.0]])


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge", "isclose"])
def test_comparisons_match_torch_as_methods_and_functions(name):
    ours = getattr(cr.tensor(A), name)(cr.tensor(B))
    theirs = getattr(torch.tensor(A), name)(torch.tensor(B))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    if name != "isclose":  # torch.isclose takes tensors only
        np.testing.assert_array_equal(getattr(cr, name)(cr.tensor(A), 2.0).numpy(),
                                      getattr(torch, name)(torch.tensor(A), 2.0).numpy())
    assert not ours.requires_grad


def test_equal_and_allclose_answer_with_a_bool():
    a = cr.tensor([1.0, 2.0])
    assert cr.equal(a, cr.tensor([1.0, 2.0])) is True and a.equal(cr.tensor([1.0])) is False
    assert cr.allclose(a, a + 1e-9) is True and a.allclose(a + 1e-3) is False
    assert cr.isclose(cr.tensor([np.nan]), cr.tensor([np.nan]), equal_nan=True).item()


@pytest.mark.parametrize("x,y", [(1.0, 0.0), (1, 0), (2.5, cr.tensor([1.0, 2.0]))])
def test_where_always_returns_a_tensor_with_torch_dtypes(x, y):
    condition = [True, False]
    ours = cr.where(cr.tensor(condition), x, y)
    theirs = torch.where(torch.tensor(condition), x,
                         torch.tensor(y.numpy()) if isinstance(y, cr.Tensor) else y)
    assert isinstance(ours, cr.Tensor) and str(ours.dtype) == str(theirs.dtype)[6:]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_where_with_only_a_condition_gives_indices():
    rows, cols = cr.where(cr.tensor([[True, False], [False, True]]))
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1]
    assert cr.tensor([1.0, 2.0]).where(cr.tensor([True, False]), 0.0).tolist() == [1.0, 0.0]


def test_format_and_item_on_every_dtype():
    loss = cr.tensor(0.123456)
    assert f"{loss:.4f}" == "0.1235" and f"{cr.tensor(3):d}" == "3"
    assert f"{loss}" == f"{torch.tensor(0.123456)}" and f"{cr.ones(2)}" == repr(cr.ones(2))
    for dtype in (cr.float16, cr.float32, cr.float64, cr.int8, cr.int32, cr.int64, cr.uint8,
                  cr.bool):
        t = cr.ones(2, dtype=dtype)
        assert t[0].item() == 1 and t.tolist() == [1, 1]
    with pytest.raises(TypeError):
        f"{cr.ones(2):.2f}"


def test_new_tensors_take_this_ones_dtype():
    t = cr.zeros(2, dtype=cr.float64)
    for made, shape in ((t.new_zeros(2, 3), (2, 3)), (t.new_ones((4,)), (4,)),
                        (t.new_empty(1), (1,)), (t.new_full((2,), 7.0), (2,)),
                        (t.new_tensor([1, 2]), (2,))):
        assert made.dtype == cr.float64 and made.shape == shape
    assert t.new_full((2,), 7.0).tolist() == [7.0, 7.0]
    assert t.new_zeros(2, dtype=cr.int64).dtype == cr.int64
