"""Convolution's compiled data movement against the NumPy reference: outputs, input,
weight and bias gradients, and the second-order terms, over the op tests' grid."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from tests.kernels.paths import assert_paths_agree
from tests.nn.test_conv_layers import CONV2D


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cin,cout,k,options,hw", CONV2D, ids=[str(c) for c in CONV2D])
def test_conv2d_kernels_match_reference(cin, cout, k, options, hw, dtype):
    layer = nn.Conv2d(cin, cout, k, **options).to(dtype)
    rng = np.random.default_rng(0)
    image = rng.standard_normal((3, cin) + hw).astype(dtype)

    def compute():
        x = cr.tensor(image, requires_grad=True)
        y = layer(x)
        weights = cr.tensor(np.cos(np.arange(y.numel())).reshape(y.shape).astype(dtype))
        params = [x] + list(layer.parameters())
        grads = cr.autograd.grad((y * weights).sum(), params, create_graph=True)
        # a second-order term runs the adjoint ops (conv_transpose, weight grad) forward
        (second,) = cr.autograd.grad((grads[0] ** 2).sum(), [layer.weight])
        return [t.detach().numpy() for t in (y, *grads, second)]

    assert_paths_agree(compute)


def test_conv2d_kernels_take_non_contiguous_input():
    layer = nn.Conv2d(3, 4, 3, padding=1).double()
    image = np.random.default_rng(1).standard_normal((2, 6, 3, 5)).transpose(0, 2, 1, 3)

    def compute():
        x = cr.tensor(image, requires_grad=True)
        y = layer(x)
        (gx,) = cr.autograd.grad(y.sum(), [x])
        return [y.detach().numpy(), gx.numpy()]

    assert_paths_agree(compute)


@pytest.mark.parametrize("options", [{"padding": 4, "stride": 2},
                                     {"padding": (3, 5), "dilation": 2},
                                     {"padding": (0, 2), "stride": 3}])
def test_conv2d_kernels_with_windows_wholly_in_the_padding(options):
    # the compiled kernels never build the padded input: rows and columns of windows
    # that lie entirely in the padding, or partly, must read zeros and scatter nothing
    layer = nn.Conv2d(2, 3, 3, **options).double()
    image = np.random.default_rng(2).standard_normal((2, 2, 5, 4))

    def compute():
        x = cr.tensor(image, requires_grad=True)
        y = layer(x)
        weights = cr.tensor(np.sin(np.arange(y.numel())).reshape(y.shape))
        gx, gw = cr.autograd.grad((y * weights).sum(), [x, layer.weight])
        return [y.detach().numpy(), gx.numpy(), gw.numpy()]

    assert_paths_agree(compute)
