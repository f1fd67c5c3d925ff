"""BatchNorm's compiled passes against the NumPy reference: outputs, running
statistics, and the gradients of input, weight and bias, for 1-D, 2-D and 3-D inputs."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from tests.kernels.paths import assert_paths_agree

LAYERS = [(nn.BatchNorm1d, (6, 3)), (nn.BatchNorm1d, (5, 3, 4)), (nn.BatchNorm2d, (4, 3, 5, 6))]


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layer_class,shape", LAYERS, ids=[str(s) for _, s in LAYERS])
def test_batch_norm_kernels_match_reference(layer_class, shape, dtype, affine):
    data = (np.random.default_rng(0).standard_normal(shape) * 3 + 1).astype(dtype)

    def compute():
        layer = layer_class(3, affine=affine).to(dtype)
        if affine:
            layer.weight.data = cr.tensor(np.array([0.5, 2.0, -1.0], dtype=dtype))
        x = cr.tensor(data, requires_grad=True)
        y = layer(x)
        weights = cr.tensor(np.sin(np.arange(y.numel())).reshape(y.shape).astype(dtype))
        grads = cr.autograd.grad((y * weights).sum(), [x, *layer.parameters()])
        return [y.detach().numpy(), layer.running_mean.numpy(), layer.running_var.numpy(),
                *[g.numpy() for g in grads]]

    assert_paths_agree(compute)


def test_batch_norm_second_order_still_runs_the_reference_formula():
    layer = nn.BatchNorm2d(2).double()
    x = cr.tensor(np.random.default_rng(1).standard_normal((3, 2, 2, 2)), requires_grad=True)
    assert cr.autograd.gradgradcheck(lambda t: layer(t), [x])
