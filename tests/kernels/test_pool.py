"""Max pooling's compiled loops against the NumPy reference: values, winners (exactly),
gradients and the gradient's own adjoint, ties and NaN included."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from tests.kernels.paths import assert_paths_agree

F = nn.functional

POOLS = [  # (kernel, stride, padding, dilation, ceil_mode, input H x W)
    (2, 2, 0, 1, False, (8, 6)),
    (2, 2, 0, 1, True, (7, 5)),  # odd sizes: ceil_mode's last window hangs over
    (3, 2, 1, 1, False, (7, 8)),
    (3, 2, 0, 1, True, (7, 8)),
    ((2, 3), 1, 0, 2, False, (7, 8)),
    (3, 1, 1, 1, False, (5, 5)),  # overlapping windows: gradients add up
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode,hw", POOLS,
                         ids=[str(p) for p in POOLS])
def test_max_pool_kernels_match_reference(kernel, stride, padding, dilation, ceil_mode, hw,
                                          dtype):
    rng = np.random.default_rng(0)
    image = rng.integers(-3, 3, (3, 4) + hw).astype(dtype)  # many ties
    image[0, 0, 0, 0] = np.nan

    def compute():
        x = cr.tensor(image, requires_grad=True)
        y, indices = F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode,
                                  return_indices=True)
        weights = cr.tensor(np.sin(np.arange(y.numel())).reshape(y.shape).astype(dtype),
                            requires_grad=True)
        (gx,) = cr.autograd.grad((y * weights).sum(), [x], create_graph=True)
        # gx is linear in the weights: its gradient gathers back from the winners
        (gg,) = cr.autograd.grad((gx * cr.tensor(image[::-1].copy())).sum(), [weights])
        return [y.detach().numpy(), indices.numpy(), gx.detach().numpy(), gg.numpy()]

    # values and winners exactly; overlapping windows add gradients in another order
    assert_paths_agree(compute, exact=(0, 1))


def test_max_pool_kernel_takes_a_non_contiguous_input():
    image = np.random.default_rng(2).standard_normal((2, 6, 3, 8)).transpose(0, 2, 1, 3)

    def compute():
        x = cr.tensor(image, requires_grad=True)
        y = F.max_pool2d(x, 2)
        (gx,) = cr.autograd.grad(y.sum(), [x])
        return [y.detach().numpy(), gx.numpy()]

    assert_paths_agree(compute, exact=(0, 1))


def test_nan_wins_its_window_and_passes_relu_gradient_as_in_pytorch():
    import torch

    from chainrule import kernels
    from tests.kernels.paths import on_both_paths

    image = np.random.default_rng(3).standard_normal((2, 3, 8, 8))
    image[0, 0, 0, 1] = image[0, 0, 1, 0] = np.nan  # two NaNs in one window: the last wins
    image[1, 2, 5, 5] = np.nan
    image[1, 1, :2, :2] = -1.0  # nothing positive: ReLU's gradient stops
    image = np.tile(image, (180, 1, 1, 1))  # 69,120 elements: the compiled ReLU gradient
    assert image.size >= kernels.LARGE
    upstream = np.cos(np.arange(image.size // 4)).reshape(image.shape[0], 3, 4, 4)

    def compute():
        x = cr.tensor(image, requires_grad=True)
        pooled, indices = F.max_pool2d(F.relu(x), 2, return_indices=True)
        (pooled * cr.tensor(upstream)).sum().backward()
        return [indices.numpy(), x.grad.numpy()]

    t = torch.tensor(image, requires_grad=True)
    pooled, indices = torch.nn.functional.max_pool2d(torch.relu(t), 2, return_indices=True)
    (pooled * torch.tensor(upstream)).sum().backward()
    for result in on_both_paths(compute):
        np.testing.assert_array_equal(result[0], indices.numpy())
        np.testing.assert_array_equal(result[1], t.grad.numpy())
