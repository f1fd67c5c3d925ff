"""erf (and so exact GELU) on both paths against math.erf, for every shape and type."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import kernels
from tests.kernels.paths import assert_paths_agree

VALUES = np.concatenate([np.linspace(-7, 7, 4001), [0.0, -0.0, 1e-300, -1e-12, 5.999, 6.0,
                                                    6.001, 30.0, np.inf, -np.inf, np.nan]])
MATH_ERF = np.array([math.erf(v) for v in VALUES])


@pytest.mark.parametrize("path", ["numpy", "numba"])
def test_erf_is_within_1e_12_of_math_erf_in_float64(path):
    with kernels.use(path):
        got = cr.erf(cr.tensor(VALUES)).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(MATH_ERF))
    finite = ~np.isnan(MATH_ERF)
    assert np.max(np.abs(got[finite] - MATH_ERF[finite])) < 1e-12
    # relative precision near zero, and the sign of zero, survive
    assert got[VALUES == 1e-300][0] == pytest.approx(2 / math.sqrt(math.pi) * 1e-300, rel=1e-12)
    assert np.signbit(got[(VALUES == 0) & np.signbit(VALUES)]).all()


@pytest.mark.parametrize("path", ["numpy", "numba"])
@pytest.mark.parametrize("shape", [(), (1,), (3, 4), (2, 3, 5)])
def test_erf_and_exact_gelu_keep_shape_and_float32(path, shape):
    rng = np.random.default_rng(0)
    x64 = np.asarray(rng.standard_normal(shape) * 3)
    with kernels.use(path):
        ours = cr.erf(cr.tensor(x64.astype(np.float32)))
        gelu = cr.nn.functional.gelu(cr.tensor(x64, dtype=cr.float64).mean())
    assert ours.shape == shape and ours.dtype == cr.float32
    np.testing.assert_allclose(ours.numpy(), torch.erf(torch.tensor(x64, dtype=torch.float32)),
                               rtol=1e-6, atol=1e-7)
    want = torch.nn.functional.gelu(torch.tensor(x64).mean())
    assert gelu.shape == () and float(gelu.detach()) == pytest.approx(float(want), abs=1e-14)


@pytest.mark.parametrize("path", ["numpy", "numba"])
def test_erf_of_a_strided_view(path):
    x = np.random.default_rng(1).standard_normal((6, 8))[:, ::3]
    with kernels.use(path):
        got = cr.erf(cr.tensor(x)).numpy()
    np.testing.assert_allclose(got, np.vectorize(math.erf)(x), rtol=0, atol=1e-14)


@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_gradient_kernel_matches_reference(dtype, channels_last):
    # large enough for the kernel (kernels.LARGE elements), in both layouts
    image = np.random.default_rng(2).standard_normal((4, 8, 48, 48)).astype(dtype)
    image[0, 0, :2] = 0.0  # the gradient at 0 is 0, as PyTorch's

    def compute():
        x = cr.tensor(image, requires_grad=True)
        x_in = x.permute(0, 2, 3, 1) if channels_last else x
        y = cr.relu(x_in)
        upstream = cr.tensor(np.cos(np.arange(y.numel())).reshape(image.shape).astype(dtype))
        if channels_last:  # laid out as y is, as a channels-last model's gradients are
            upstream = upstream.permute(0, 2, 3, 1)
        (gx,) = cr.autograd.grad(y, [x], grad_outputs=upstream)
        return [y.detach().numpy(), gx.numpy()]

    assert_paths_agree(compute, exact=(0, 1))


def test_relu_gradient_kernel_takes_views_that_are_not_one_block():
    from chainrule.kernels.elementwise import relu_backward

    rng = np.random.default_rng(3)
    grad, y = (rng.standard_normal((4, 6, 20, 10))[:, :, ::2] for _ in range(2))
    assert grad.strides == y.strides and not grad.flags.c_contiguous
    np.testing.assert_array_equal(relu_backward(grad, y), grad * (y > 0))
