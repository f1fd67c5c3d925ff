"""Ops with several outputs: gradients per output, unused outputs, non-differentiable ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.autograd import Function, gradcheck, gradgradcheck
from tests.oracle import assert_close, random_array, to_cr, to_torch


class SinCos(Function):
    """(sin x, cos x): two differentiable outputs."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x), np.cos(x)

    # d sin = cos, d cos = -sin
    @staticmethod
    def backward(ctx, grad_sin, grad_cos):
        (x,) = ctx.saved_tensors
        return grad_sin * cr.ops.cos(x) - grad_cos * cr.ops.sin(x)


class SquareAndSign(Function):
    """(x², sign x): the second output is marked non-differentiable."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        signs = np.sign(x)
        ctx.mark_non_differentiable(signs)
        return x * x, signs

    @staticmethod
    def backward(ctx, grad_square, grad_sign):
        assert grad_sign is None
        (x,) = ctx.saved_tensors
        return grad_square * 2 * x


X = random_array((3, 2), seed=4)


@pytest.mark.parametrize("use", ["both", "first", "second"])
def test_gradient_reaches_the_input_from_whichever_outputs_are_used(use):
    x, t = to_cr(X), to_torch(X)
    s, c = SinCos.apply(x)
    ts, tc = torch.sin(t), torch.cos(t)
    pick = {"both": lambda a, b: (a * 2 + b * b).sum(), "first": lambda a, b: (a * 3).sum(),
            "second": lambda a, b: (b ** 3).sum()}[use]
    pick(s, c).backward()
    pick(ts, tc).backward()
    assert_close(x.grad, t.grad, what=f"gradient with {use} output(s) used")


def test_each_output_knows_its_node_and_index():
    x = to_cr(X)
    s, c = SinCos.apply(x)
    assert s.grad_fn is c.grad_fn and isinstance(s.grad_fn, SinCos)
    assert (s._output_nr, c._output_nr) == (0, 1)
    y = s + c
    assert [k for _, k in y.grad_fn.next_functions] == [0, 1]


def test_no_output_used_runs_no_backward_but_the_outputs_still_compute():
    x = to_cr(X)
    s, c = SinCos.apply(x)
    np.testing.assert_allclose(s.numpy() if not s.requires_grad else s.detach().numpy(),
                               np.sin(X))
    z = (x * 2).sum()
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(X.shape, 2.0))


def test_gradcheck_and_gradgradcheck_through_two_outputs():
    x = to_cr(X)
    assert gradcheck(lambda a: SinCos.apply(a), [x])
    assert gradgradcheck(lambda a: SinCos.apply(a), [x])
    assert gradgradcheck(lambda a: SinCos.apply(a)[1] * a, [x])


@pytest.mark.parametrize("k", [0, 1])
def test_autograd_grad_with_respect_to_either_output(k):
    x = to_cr(X)
    outs = SinCos.apply(x)
    y = (outs[0] * outs[1] * 5).sum()
    (g,) = cr.autograd.grad(y, outs[k], retain_graph=True)
    np.testing.assert_allclose(g.numpy(), 5 * outs[1 - k].detach().numpy())
    (gx,) = cr.autograd.grad(y, x)
    np.testing.assert_allclose(gx.numpy(), 5 * np.cos(2 * X))


def test_an_unused_output_is_reported_unused():
    x = to_cr(X)
    s, c = SinCos.apply(x)
    with pytest.raises(RuntimeError, match="was not used"):
        cr.autograd.grad(s.sum(), c, retain_graph=True)
    assert cr.autograd.grad(s.sum(), [c], allow_unused=True) == (None,)


def test_a_non_differentiable_output_never_takes_a_gradient():
    x = to_cr(X)
    square, signs = SquareAndSign.apply(x)
    assert square.requires_grad and not signs.requires_grad and signs.grad_fn is None
    (square * signs).sum().backward()  # the signs act as a constant
    np.testing.assert_allclose(x.grad.numpy(), 2 * X * np.sign(X))


def test_hooks_and_retain_grad_on_the_second_output():
    x = to_cr(X)
    s, c = SinCos.apply(x)
    c.retain_grad()
    seen = []
    c.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 0)
    (s + 2 * c).sum().backward()
    np.testing.assert_allclose(seen[0], np.full(X.shape, 2.0))
    np.testing.assert_allclose(c.grad.numpy(), np.full(X.shape, 2.0))
    np.testing.assert_allclose(x.grad.numpy(), np.cos(X))  # the hook zeroed cos's share


def test_max_along_a_dim_returns_values_and_non_differentiable_indices():
    a = random_array((3, 4), "distinct")
    x, t = to_cr(a), to_torch(a)
    values, indices = x.max(1)
    tv, ti = t.max(1)
    assert not indices.requires_grad and indices.dtype == cr.int64
    np.testing.assert_array_equal(indices.numpy(), ti.numpy())
    (values * cr.tensor([1.0, 2.0, 3.0], dtype=cr.float64)).sum().backward()
    (tv * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
    assert_close(x.grad, t.grad)


def test_max_pool_indices_and_batch_norm_statistics_are_outputs():
    x = to_cr(random_array((2, 3, 4, 4), "distinct"))
    y, indices = cr.nn.functional.max_pool2d(x, 2, return_indices=True)
    assert y.grad_fn is not None and not indices.requires_grad
    assert y.grad_fn.name == "MaxPool2d"
    bn = cr.nn.BatchNorm2d(3).double()
    out = bn(x)
    assert out.grad_fn.name == "BatchNorm"
    np.testing.assert_allclose(bn.running_mean.numpy(),
                               0.1 * x.detach().numpy().mean(axis=(0, 2, 3)))
