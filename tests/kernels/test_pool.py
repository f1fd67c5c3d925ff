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


# NOTE [ Convolution into pooling ]: Sequential's conv (ReLU) pool blocks, fused on the
# compiled path, against the two ops on the NumPy path.
BLOCKS = [  # (conv options, input H x W, ReLU between)
    (dict(padding=1), (8, 6), True),
    (dict(padding=1, groups=2), (8, 8), False),
    (dict(stride=2, padding=(1, 0)), (9, 10), True),  # conv output 5 x 4: odd, not fused
    (dict(dilation=2, padding=2, bias=False), (6, 6), True),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options,hw,relu", BLOCKS, ids=[str(b) for b in BLOCKS])
def test_conv_relu_pool_fused_matches_the_modules(options, hw, relu, dtype):
    rng = np.random.default_rng(5)
    image = rng.integers(-2, 3, (3, 4) + hw).astype(dtype)  # ties in the pooling windows
    image[0, 1, 2, 2] = np.nan

    def compute():
        cr.manual_seed(0)
        layers = [nn.Conv2d(4, 6, 3, **options)] + [nn.ReLU()] * relu + [nn.MaxPool2d(2)]
        model = nn.Sequential(*layers).to(cr.float64 if dtype == np.float64 else cr.float32)
        x = cr.tensor(image, requires_grad=True)
        y = model(x)
        weights = cr.tensor(np.cos(np.arange(y.numel())).reshape(y.shape).astype(dtype))
        (y * weights).sum().backward()
        return [y.detach().numpy(), x.grad.numpy()] + [p.grad.numpy() for p in model.parameters()]

    assert_paths_agree(compute, exact=(0,))


def test_the_fused_block_runs_and_differentiates_twice_like_the_modules():
    from chainrule import kernels

    image = np.random.default_rng(6).standard_normal((2, 3, 8, 8))

    def compute():
        cr.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        model = model.to(cr.float64)
        x = cr.tensor(image, requires_grad=True)
        y = model(x)
        if kernels.active() == "numba":
            assert type(y.grad_fn).__name__ == "ConvMaxPool2d"  # with the ReLU
        (gx,) = cr.autograd.grad((y * y).sum(), [x], create_graph=True)
        (gw,) = cr.autograd.grad((gx * gx).sum(), [model[0].weight])
        return [gx.detach().numpy(), gw.numpy()]

    assert_paths_agree(compute)


def test_hooks_and_odd_sizes_keep_the_modules():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2))
    odd = model(cr.randn(1, 1, 9, 9))  # conv output 7 x 7
    assert type(odd.grad_fn).__name__ == "MaxPool2d"
    model[1].register_forward_hook(lambda module, args, output: None)
    hooked = model(cr.randn(1, 1, 10, 10))
    assert type(hooked.grad_fn).__name__ == "MaxPool2d"
