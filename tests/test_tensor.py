"""Tensor creation, attributes, conversions, in-place updates and their errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn


def test_dtypes_follow_pytorch():
    assert cr.tensor([1.0, 2.0]).dtype == cr.float32
    assert cr.tensor([1, 2]).dtype == cr.int64
    assert cr.tensor([True]).dtype == cr.bool_
    assert cr.zeros(2).dtype == cr.float32 and cr.arange(3).dtype == cr.int64
    assert cr.arange(0, 1, 0.5).dtype == cr.float32
    cr.set_default_dtype(cr.float64)
    try:
        assert cr.tensor([1.0]).dtype == cr.float64 and cr.randn(2).dtype == cr.float64
    finally:
        cr.set_default_dtype(cr.float32)
    with pytest.raises(TypeError, match="float32 or chainrule.float64"):
        cr.set_default_dtype(cr.int64)


def test_from_numpy_shares_memory_and_tensor_copies():
    array = np.zeros(3, dtype=np.float32)
    shared, copied = cr.from_numpy(array), cr.tensor(array)
    array[0] = 5
    assert shared[0].item() == 5 and copied[0].item() == 0


def test_creation_functions_and_seeding():
    cr.manual_seed(3)
    a = cr.randn(2, 3)
    cr.manual_seed(3)
    np.testing.assert_array_equal(a.numpy(), cr.randn(2, 3).numpy())
    g = cr.Generator(7)
    state = g.get_state()
    first = cr.rand(4, generator=g).numpy()
    g.set_state(state)
    np.testing.assert_array_equal(first, cr.rand(4, generator=g).numpy())
    assert cr.full((2, 2), 7).dtype == cr.int64 and cr.eye(3).numpy().trace() == 3
    assert cr.linspace(0, 1, 5).shape == (5,) and cr.randint(0, 5, (10,)).numpy().max() < 5
    assert cr.zeros_like(a).shape == a.shape and cr.ones_like(a, dtype=cr.float64).dtype == \
        cr.float64
    with pytest.raises(ValueError, match="non-negative integers"):
        cr.zeros(-1, 2)


def test_attributes_and_conversions():
    t = cr.arange(6).reshape(2, 3).float().requires_grad_()
    assert t.shape == (2, 3) and t.ndim == 2 and t.size(1) == 3 and t.numel() == 6
    assert t.is_leaf and t.T.shape == (3, 2) and t.tolist()[1] == [3.0, 4.0, 5.0]
    assert t.to(cr.float64).dtype == cr.float64 and t.to("cpu") is t
    assert t.double().grad_fn is not None  # a differentiable cast
    with pytest.raises(RuntimeError, match="CPU only, so it cannot use device 'cuda'"):
        t.to("cuda")
    with pytest.raises(RuntimeError, match=r"detach\(\).numpy\(\)"):
        t.numpy()
    with pytest.raises(RuntimeError, match="cannot be converted to a Python number"):
        t.item()
    assert "requires_grad=True" in repr(t)
    assert nn.Linear(2, 2).to(cr.float64).weight.dtype == cr.float64


def test_in_place_updates_bump_the_version_and_explain_errors():
    t = cr.zeros(3)
    t.add_(1).mul_(3).sub_(1, alpha=2).clamp_(0, 0.5)
    assert t.tolist() == [0.5, 0.5, 0.5] and t._version == 4
    t[1] = 7.0
    assert t[1].item() == 7.0 and t._version == 5
    t.copy_(cr.ones(3)).zero_()
    assert t.tolist() == [0.0, 0.0, 0.0]
    ints = cr.zeros(2, dtype=cr.int64)
    with pytest.raises(RuntimeError, match="cannot be stored in a tensor of dtype int64"):
        ints.add_(0.5)
    with pytest.raises(RuntimeError, match=r"shape \(4,\) cannot be broadcast"):
        t.add_(cr.ones(4))
    h = cr.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="part of a graph"):
        h.mul_(2)


@pytest.mark.parametrize("make", [
    lambda lib: lib.ones(2) + lib.tensor([1, 2]),
    lambda lib: lib.tensor([1, 2]) * 0.5,
    lambda lib: lib.tensor([1, 2]) / 2,
    lambda lib: lib.ones(2) * lib.ones(2, dtype=lib.float64),
    lambda lib: lib.tensor([1, 2]) + lib.tensor([True, False]),
    lambda lib: lib.maximum(lib.ones(2), lib.tensor([0, 3])),
])
def test_type_promotion_follows_torch(make):
    import torch

    assert str(make(cr).dtype) == str(make(torch).dtype).replace("torch.", "")


def test_numpy_reads_a_tensor():
    t = cr.tensor([1.5, 2.5])
    assert np.asarray(t).dtype == np.float32 and np.asarray(t).tolist() == [1.5, 2.5]
    assert np.asarray(t, dtype=np.float64).dtype == np.float64


def test_data_is_a_tensor_sharing_memory_outside_the_graph():
    layer = cr.nn.Linear(3, 2)
    w = layer.weight
    version = w._version
    data = w.data
    assert isinstance(data, cr.Tensor) and not data.requires_grad and data.grad_fn is None
    data.add_(1.0)  # the old-style update, as PyTorch code writes it
    np.testing.assert_array_equal(w.detach().numpy(), data.numpy())
    assert w._version == version  # changes through .data are not tracked, as in PyTorch
    layer.bias.data.fill_(0)
    assert layer.bias.detach().tolist() == [0.0, 0.0]
    w.data = cr.zeros(4, 3)
    assert w.shape == (4, 3) and w.requires_grad


def test_random_fills_in_place():
    cr.manual_seed(0)
    t = cr.empty(2000).normal_(1.0, 0.5)
    assert abs(t.mean().item() - 1.0) < 0.05 and abs(t.std().item() - 0.5) < 0.05
    u = cr.empty(2000, dtype=cr.float64).uniform_(-2, 2)
    assert u.dtype == cr.float64 and -2 <= u.min().item() and u.max().item() < 2
    with pytest.raises(RuntimeError, match="no_grad"):
        cr.zeros(2, requires_grad=True).normal_()


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor",
                                  "BoolTensor", "ByteTensor"])
def test_legacy_constructors_read_data_and_sizes_as_pytorch(name):
    ours, theirs = getattr(cr, name), getattr(torch, name)
    for args in (([1, 0, 2],), (2, 3), (4,)):
        made, expected = ours(*args), theirs(*args)
        assert made.shape == tuple(expected.shape) and str(made.dtype) == str(expected.dtype)[6:]
        if isinstance(args[0], list):
            np.testing.assert_array_equal(made.numpy(), expected.numpy())
    assert isinstance(ours([1]), ours) and isinstance(ours([1]), cr.Tensor)


def test_tensor_constructor_reads_data_and_sizes_as_pytorch():
    assert cr.Tensor(2, 3).shape == (2, 3) and cr.Tensor().shape == (0,)
    t = cr.Tensor([1, 2])
    assert t.dtype == cr.float32 and t.tolist() == [1.0, 2.0]
    assert cr.Tensor([1, 2], dtype=cr.int64).dtype == cr.int64
    assert cr.empty(size=(2, 2)).shape == (2, 2)


def test_augmented_assignment_is_in_place_outside_a_graph_and_out_of_place_inside():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    alias = w
    with cr.no_grad():
        w -= 0.5 * cr.tensor([2.0, 2.0])  # the hand-written SGD step
    assert alias is w and w.tolist() == [0.0, 1.0] and w.requires_grad
    total = cr.zeros(2)
    total += cr.ones(2)
    total *= 3
    total /= 2
    assert total.tolist() == [1.5, 1.5]
    h = w * 2
    h += 1  # part of a graph: computed out of place, gradients still flow
    h.sum().backward()
    assert w.grad.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("method", ["abs_", "neg_", "exp_", "log_", "sqrt_"])
def test_unary_in_place_methods_match_pytorch(method):
    values = np.array([0.5, 2.0, 3.0], dtype=np.float32)
    ours, theirs = cr.tensor(values), torch.tensor(values)
    version = ours._version
    assert getattr(ours, method)() is ours and ours._version == version + 1
    getattr(theirs, method)()
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
