"""nn.Sequential's linear layers and activations as one op (ops/dense_chain.py) against
the same modules called one by one: the same values and gradients to the last bit,
gradients of gradients, the in-place check, and the cases that keep the modules."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn

CHAINS = [  # (layers, input shape, does the input take a gradient)
    (lambda: [nn.Linear(1, 10), nn.Sigmoid(), nn.Linear(10, 1)], (100, 1), False),
    (lambda: [nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 5, bias=False), nn.Tanh(),
              nn.Linear(5, 3)], (7, 6), True),
    (lambda: [nn.Linear(4, 4), nn.Tanh(), nn.Sigmoid()], (2, 3, 4), True),  # (*, in)
    (lambda: [nn.Linear(300, 300), nn.ReLU(), nn.Linear(300, 2)], (250, 300), False),
]


def _run(layers, image, needs_grad, fused):
    cr.manual_seed(0)
    model = nn.Sequential(*layers())
    x = cr.tensor(image, requires_grad=needs_grad)
    if fused:
        y = model(x)
        assert type(y.grad_fn).__name__ == "DenseChain"
    else:
        y = x
        for module in model:  # the modules one by one, each its own node
            y = module(y)
    weights = cr.tensor(np.cos(np.arange(y.numel())).reshape(y.shape).astype(np.float32))
    (y * weights).sum().backward()
    grads = [p.grad.numpy() for p in model.parameters()]
    return [y.detach().numpy()] + grads + ([x.grad.numpy()] if needs_grad else [])


@pytest.mark.parametrize("layers,shape,needs_grad", CHAINS, ids=range(len(CHAINS)))
def test_the_chain_equals_its_modules_to_the_last_bit(layers, shape, needs_grad):
    image = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for got, want in zip(_run(layers, image, needs_grad, True),
                         _run(layers, image, needs_grad, False)):
        np.testing.assert_array_equal(got, want)


def test_a_frozen_layer_gets_no_gradient_and_the_rest_do():
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    model[0].weight.requires_grad_(False)
    model(cr.randn(5, 3)).sum().backward()
    assert model[0].weight.grad is None
    assert all(p.grad is not None for p in (model[0].bias, model[2].weight, model[2].bias))


def test_gradients_of_gradients_through_the_chain():
    image = np.random.default_rng(1).standard_normal((4, 3))

    def compute(fused):
        cr.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)).double()
        x = cr.tensor(image, requires_grad=True)
        y = model(x) if fused else model[2](model[1](model[0](x)))
        (gx,) = cr.autograd.grad((y * y).sum(), [x], create_graph=True)
        (gw,) = cr.autograd.grad((gx * gx).sum(), [model[0].weight])
        return gx.detach().numpy(), gw.numpy()

    for got, want in zip(compute(True), compute(False)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_a_weight_changed_in_place_before_backward_is_caught():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    loss = model(cr.randn(5, 3)).sum()
    with cr.no_grad():
        model[2].weight.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_hooks_watches_and_misfits_keep_the_modules():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    model[1].register_forward_hook(lambda module, args, output: None)
    assert type(model(cr.randn(5, 3)).grad_fn).__name__ == "Linear"
    with cr.autograd.watch(cr.autograd.Watcher()):
        plain = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
        assert type(plain(cr.randn(5, 3)).grad_fn).__name__ == "ReLU"
    misfit = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(5, 2))
    with pytest.raises(RuntimeError, match=r"Linear\(in_features=5\) got input of shape"):
        misfit(cr.randn(5, 3))
