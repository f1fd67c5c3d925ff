"""Conv blocks run as one op (kernels/conv_blocks.py, ops/conv_blocks.py) against the
modules run one by one on the NumPy path: values, gradients, second derivatives, the
batch norm's running statistics, and the cases that keep the modules."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import kernels, nn
from tests.kernels.paths import assert_paths_agree

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


NORM_BLOCKS = [  # (conv options, batch norm options, input H x W, ReLU)
    (dict(padding=1), {}, (8, 6), True),
    (dict(padding=1, bias=False), dict(momentum=None), (6, 6), True),
    (dict(padding=1, groups=2), dict(affine=False), (8, 8), False),
    (dict(dilation=2, padding=2), dict(track_running_stats=False), (6, 8), True),
]


def _norm_block(options, norm_options, relu, dtype):
    cr.manual_seed(0)
    layers = [nn.Conv2d(4, 6, 3, **options), nn.BatchNorm2d(6, **norm_options)]
    layers += [nn.ReLU()] * relu + [nn.MaxPool2d(2)]
    model = nn.Sequential(*layers).to(cr.float64 if dtype == np.float64 else cr.float32)
    if model[1].affine:  # not the initial ones and zeros, which hide a swapped weight and bias
        rng = np.random.default_rng(7)
        model[1].weight.data = cr.tensor(rng.uniform(-1.5, 1.5, 6).astype(dtype))
        model[1].bias.data = cr.tensor(rng.uniform(-1, 1, 6).astype(dtype))
    return model


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options,norm_options,hw,relu", NORM_BLOCKS,
                         ids=[str(b) for b in NORM_BLOCKS])
def test_conv_batch_norm_relu_pool_fused_matches_the_modules(options, norm_options, hw, relu,
                                                            dtype):
    image = np.random.default_rng(8).standard_normal((3, 4) + hw).astype(dtype) + 0.5

    def compute():
        model = _norm_block(options, norm_options, relu, dtype)
        results = []
        for step in range(2):  # the second step starts from the first's running statistics
            x = cr.tensor(image * (step + 1), requires_grad=True)
            y = model(x)
            if kernels.active() == "numba":
                assert type(y.grad_fn).__name__ == "ConvBatchNormMaxPool2d"
            weights = cr.tensor(np.cos(np.arange(y.numel())).reshape(y.shape).astype(dtype))
            model.zero_grad()
            (y * weights).sum().backward()
            results += [y.detach().numpy(), x.grad.numpy()]
            results += [p.grad.numpy() for p in model.parameters()]
            results += [b.numpy() for b in model.buffers()]
        return results

    assert_paths_agree(compute)


def test_the_fused_batch_norm_block_differentiates_twice_like_the_modules():
    image = np.random.default_rng(9).standard_normal((2, 4, 6, 6))

    def compute():
        model = _norm_block(dict(padding=1), {}, True, np.float64)
        x = cr.tensor(image, requires_grad=True)
        y = model(x)
        (gx,) = cr.autograd.grad((y * y).sum(), [x], create_graph=True)
        gw, gn = cr.autograd.grad((gx * gx).sum(), [model[0].weight, model[1].weight])
        return [gx.detach().numpy(), gw.numpy(), gn.numpy()]

    assert_paths_agree(compute)


def test_batch_norm_in_eval_mode_keeps_the_modules():
    model = _norm_block(dict(padding=1), {}, True, np.float32)
    model(cr.randn(2, 4, 6, 6))
    model.eval()
    y = model(cr.randn(2, 4, 6, 6, requires_grad=True))
    assert type(y.grad_fn).__name__ == "ReLU"  # the modules, pooling before the ReLU
    assert int(model[1].num_batches_tracked.item()) == 1
