"""The backward engine: deep graphs, accumulation, graph release, hooks, in-place safety."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import Function


def test_a_chain_of_a_million_ops_differentiates_without_recursion():
    x = cr.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_gradients_accumulate_across_backward_calls():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (3 * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy() + 3)


def test_a_leaf_gradient_never_shares_memory_with_the_callers_or_a_hooks_array():
    # NOTE [ Leaf gradients without a copy ]: Add passes the seed straight through, and
    # a hook may keep what it is given; neither may become a .grad that later grows.
    a = cr.ones(3, requires_grad=True)
    seed = cr.tensor([1.0, 2.0, 3.0])
    (a + 0).backward(seed)
    (a + 0).backward(seed)
    assert seed.tolist() == [1.0, 2.0, 3.0] and a.grad.tolist() == [2.0, 4.0, 6.0]
    layer = cr.nn.Linear(2, 2)
    kept = []
    layer.weight.register_hook(lambda g: kept.append(g.numpy().view()))
    x = cr.ones(1, 2)
    layer(x).sum().backward()
    layer(x).sum().backward()
    np.testing.assert_array_equal(kept[0], np.ones((2, 2)))
    np.testing.assert_array_equal(layer.weight.grad.numpy(), 2 * np.ones((2, 2)))


def test_a_weight_gradient_is_used_without_a_copy_and_accumulates(monkeypatch):
    from chainrule.ops.linalg import Linear

    returned = []
    backward = Linear.backward
    monkeypatch.setattr(Linear, "backward",
                        staticmethod(lambda ctx, g: returned.append(backward(ctx, g)) or
                                     returned[-1]))
    layer = cr.nn.Linear(3, 2)
    x = cr.ones(4, 3)
    layer(x).sum().backward()
    first = layer.weight.grad
    assert first.numpy() is returned[0][1]  # Linear's new GEMM result, not a copy
    layer(x).sum().backward()
    assert layer.weight.grad is first  # added in place
    np.testing.assert_array_equal(first.numpy(), 8 * np.ones((2, 3)))
    np.testing.assert_array_equal(layer.bias.grad.numpy(), [8.0, 8.0])


def test_a_tensor_used_twice_gets_the_sum_of_both_paths():
    x = cr.tensor(3.0, requires_grad=True)
    y = x * x + x.exp()
    y.backward()
    assert x.grad.item() == pytest.approx(2 * 3.0 + np.exp(3.0), rel=1e-6)


def test_broadcasting_is_undone_in_backward():
    a = cr.ones(3, 1, requires_grad=True)
    b = cr.ones(4, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and np.all(a.grad.numpy() == 4)
    assert b.grad.shape == (4,) and np.all(b.grad.numpy() == 3)


def test_second_backward_through_a_released_graph_raises():
    x = cr.tensor(2.0, requires_grad=True)
    y = x.exp() * x
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = cr.tensor(2.0, requires_grad=True)
    y = x.exp() * x
    y.backward(retain_graph=True)
    first = x.grad.item()
    y.backward()
    assert x.grad.item() == pytest.approx(2 * first)


def test_the_graph_is_freed_after_backward():
    x = cr.randn(100, requires_grad=True)
    y = (x.tanh() * 2).sum()
    node = weakref.ref(y.grad_fn)
    y.backward()
    assert node().saved is None and node().inputs is None
    del y
    gc.collect()
    assert node() is None, "the graph outlived its output after backward"


def test_training_loop_memory_stays_flat():
    w = cr.randn(64, 64, requires_grad=True)
    x = cr.randn(32, 64)

    def step():
        loss = (x @ w).relu().sum()
        loss.backward()
        w.grad = None

    for _ in range(5):
        step()
    tracemalloc.start()
    for _ in range(20):
        step()
    first, _ = tracemalloc.get_traced_memory()
    for _ in range(200):
        step()
    last, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert last - first < 200_000, f"memory grew by {last - first} bytes over 200 steps"


def test_no_grad_records_nothing():
    x = cr.ones(3, requires_grad=True)
    with cr.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None

    @cr.no_grad()
    def double(t):
        return t * 2

    assert double(x).grad_fn is None
    with cr.no_grad():
        with cr.enable_grad():
            assert (x * 2).requires_grad
    with cr.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert cr.is_grad_enabled()


def test_autograd_grad_returns_without_accumulating():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = (x ** 3).sum()
    (g,) = cr.autograd.grad(y, x)
    np.testing.assert_allclose(g.numpy(), 3 * x.detach().numpy() ** 2)
    assert x.grad is None


def test_autograd_grad_of_an_intermediate_tensor():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()
    (gh,) = cr.autograd.grad(y, h)
    np.testing.assert_allclose(gh.numpy(), 2 * h.detach().numpy())


def test_unused_inputs_raise_unless_allowed():
    x = cr.tensor(1.0, requires_grad=True)
    z = cr.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        cr.autograd.grad(x * 2, [x, z])
    assert cr.autograd.grad(x * 2, [x, z], allow_unused=True)[1] is None


def test_second_and_third_derivatives_are_exact():
    x = cr.tensor(0.7, dtype=cr.float64, requires_grad=True)
    y = x.sin() * x
    (d1,) = cr.autograd.grad(y, x, create_graph=True)
    (d2,) = cr.autograd.grad(d1, x, create_graph=True)
    (d3,) = cr.autograd.grad(d2, x)
    v = 0.7
    assert d1.item() == pytest.approx(np.cos(v) * v + np.sin(v), rel=1e-12)
    assert d2.item() == pytest.approx(2 * np.cos(v) - v * np.sin(v), rel=1e-12)
    assert d3.item() == pytest.approx(-3 * np.sin(v) - v * np.cos(v), rel=1e-12)


def test_gradient_penalty_backpropagates_through_the_gradient():
    w = cr.tensor([[0.5, -1.0], [2.0, 0.3]], dtype=cr.float64, requires_grad=True)
    x = cr.tensor([[1.0, 2.0]], dtype=cr.float64, requires_grad=True)
    out = (x @ w).tanh().sum()
    (gx,) = cr.autograd.grad(out, x, create_graph=True)
    penalty = (gx * gx).sum()
    penalty.backward()
    assert w.grad is not None and np.all(np.isfinite(w.grad.numpy()))

    def penalty_of(weight):
        inputs = x.detach().requires_grad_()
        (g,) = cr.autograd.grad((inputs @ weight).tanh().sum(), inputs, create_graph=True)
        return (g * g).sum()

    assert cr.autograd.gradcheck(penalty_of, [w])


def test_hooks_see_and_can_replace_gradients():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    seen = []
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    handle = x.register_hook(lambda g: g * 10)
    h.sum().backward()
    np.testing.assert_allclose(seen[0], [1.0, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 20.0])
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_post_accumulate_grad_hooks_see_the_accumulated_gradient():
    import torch

    seen = {}
    for lib in (cr, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        calls = []
        handle = w.register_post_accumulate_grad_hook(
            lambda t, calls=calls: calls.append(t.grad.detach().numpy().copy()))
        (w * 3).sum().backward()
        (w * w).sum().backward()
        handle.remove()
        (w * 3).sum().backward()
        seen[lib.__name__] = calls
        with pytest.raises(RuntimeError):
            (w * 2).register_post_accumulate_grad_hook(lambda t: None)
    assert len(seen["chainrule"]) == 2
    np.testing.assert_allclose(seen["chainrule"], seen["torch"])


def test_retain_grad_keeps_the_gradient_of_a_non_leaf():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.detach().numpy())


def test_modifying_a_saved_tensor_in_place_is_an_error():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    a = cr.tensor([3.0, 4.0])
    y = (w * a).sum()
    a.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


@pytest.mark.parametrize("view", [lambda a: a[1:], lambda a: a.reshape(2, 2),
                                  lambda a: a.detach(), lambda a: a.t().reshape(4)[::2]],
                         ids=["slice", "reshape", "detach", "view of a view"])
def test_modifying_a_view_of_a_saved_tensor_in_place_is_an_error(view):
    w = cr.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    a = cr.tensor([3.0, 4.0, 5.0, 6.0])
    y = (w * a).sum()
    v = view(a)
    v.mul_(2.0)
    assert a._version == v._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_only_changes_after_the_save_to_a_saved_tensor_are_errors():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    a, unrelated = cr.tensor([3.0, 4.0]), cr.tensor([0.0])
    a.add_(1.0)  # before the op saves it: fine
    y = (w * a).sum()
    unrelated.add_(1.0)  # moves the in-place clock, but changes nothing y saved
    y.backward(retain_graph=True)
    np.testing.assert_allclose(w.grad.numpy(), [4.0, 5.0])
    a[0] = 9.0
    with pytest.raises(RuntimeError, match=r"used by Mul was changed after Mul saved it "
                                           r"\(it is now at version 2\)"):
        y.backward()


def test_a_copy_does_not_share_the_version_counter():
    a = cr.tensor([3.0, 4.0])
    c = a[[0, 1]]  # advanced indexing copies
    c.add_(1.0)
    b = a.clone()
    b.add_(1.0)
    assert a._version == 0 and a.tolist() == [3.0, 4.0]


def test_in_place_update_of_a_leaf_that_requires_grad_needs_no_grad():
    w = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w.add_(1.0)
    with cr.no_grad():
        w.add_(1.0)
    assert w.item() == 2.0 and w._version == 1


def test_custom_function():
    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x

    x = cr.tensor([1.5, -2.0], dtype=cr.float64, requires_grad=True)
    assert cr.autograd.gradcheck(Cube.apply, [x])
    assert cr.autograd.gradgradcheck(Cube.apply, [x])


def test_a_wrong_gradient_shape_from_a_custom_function_is_named():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.sum()

    x = cr.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Bad.backward returned a gradient of shape \(\)"):
        Bad.apply(x).sum().backward()


# -- error messages ---------------------------------------------------------------------


def test_backward_on_a_non_scalar_needs_a_gradient():
    x = cr.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.*shape \(3,\).*gradient="):
        (x * 2).backward()
    (x * 2).backward(cr.ones(3))
    np.testing.assert_allclose(x.grad.numpy(), 2.0)


def test_backward_on_a_tensor_without_grad_says_why():
    with pytest.raises(RuntimeError, match="does not require grad"):
        cr.ones(2).sum().backward()


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"matmul: shapes \(2, 3\) and \(4, 5\).*\(3\).*\(4\)"):
        cr.ones(2, 3) @ cr.ones(4, 5)


def test_broadcast_mismatch_names_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"mul: shapes \(2, 3\) and \(4,\) cannot be broadcast"):
        cr.ones(2, 3) * cr.ones(4)


def test_matmul_of_mixed_dtypes_says_how_to_convert():
    with pytest.raises(RuntimeError, match="same dtype, got float32 and float64.*convert"):
        cr.ones(2, 2) @ cr.ones(2, 2, dtype=cr.float64)


def test_requires_grad_on_integers_is_refused():
    with pytest.raises(RuntimeError, match=r"floating point.*\.float\(\)"):
        cr.tensor([1, 2], requires_grad=True)


def test_index_out_of_range_is_explained():
    with pytest.raises(IndexError, match=r"out of range for a tensor of shape \(3,\)"):
        cr.ones(3)[5]


def test_reshape_to_a_wrong_size_is_explained():
    with pytest.raises(RuntimeError, match=r"invalid for input of shape \(2, 3\) \(6 elements\)"):
        cr.ones(2, 3).reshape(4, 2)


def test_dim_out_of_range_is_explained():
    with pytest.raises(IndexError, match=r"sum: dimension 2 is out of range.*2 dimensions"):
        cr.ones(2, 3).sum(2)


def test_autograd_grad_runs_only_the_part_of_the_graph_it_needs():
    calls = []

    class Spy(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            calls.append(1)
            return grad

    w = cr.ones(3, requires_grad=True)
    x = cr.ones(3, requires_grad=True)
    y = (Spy.apply(w) * x).sum()
    (gx,) = cr.autograd.grad(y, x)
    np.testing.assert_allclose(gx.numpy(), 1.0)
    assert calls == [], "backward ran through a branch that leads to no requested input"
    (gw,) = cr.autograd.grad((Spy.apply(w) * x).sum(), w)
    assert calls == [1] and gw.shape == (3,)


def test_set_grad_enabled_as_decorator_and_as_a_plain_call():
    x = cr.ones(2, requires_grad=True)

    @cr.set_grad_enabled(False)
    def double(t):
        return t * 2

    assert cr.is_grad_enabled() and not double(x).requires_grad
    cr.set_grad_enabled(False)
    try:
        assert not cr.is_grad_enabled()
    finally:
        cr.set_grad_enabled(True)

    @cr.no_grad()
    def nested(n):
        return nested(n - 1) if n else cr.is_grad_enabled()

    assert nested(3) is False and cr.is_grad_enabled()
