"""Convolution, pooling, normalization and resizing layers against PyTorch, over a grid
of shapes, strides, paddings, dilations and groups; gradcheck for each."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn
from tests.oracle import assert_close, check_module_against_torch, random_array, to_cr

F = nn.functional

CONV2D = [  # (in, out, kernel, options, input H x W)
    (3, 4, 3, {}, (7, 6)),
    (3, 4, 3, {"padding": 1}, (7, 6)),
    (3, 4, (3, 2), {"stride": (2, 1), "padding": (1, 0)}, (8, 7)),
    (2, 4, 3, {"dilation": 2, "padding": 2}, (9, 9)),
    (4, 6, 3, {"groups": 2, "stride": 2}, (7, 7)),
    (4, 4, 3, {"groups": 4, "padding": 1}, (5, 6)),  # depthwise
    (4, 8, 3, {"groups": 4, "bias": False}, (5, 5)),  # depthwise with a channel multiplier
    (3, 2, 4, {"padding": "same"}, (6, 5)),  # even kernel: uneven padding
    (3, 2, 3, {"padding": "same", "dilation": 2}, (7, 7)),
    (3, 2, 3, {"padding": "valid"}, (5, 5)),
    (1, 3, 1, {}, (4, 4)),
]


@pytest.mark.parametrize("cin,cout,k,options,hw", CONV2D, ids=[str(c) for c in CONV2D])
def test_conv2d_matches_torch(cin, cout, k, options, hw):
    layer = nn.Conv2d(cin, cout, k, **options).double()
    check_module_against_torch(layer, torch.nn.Conv2d(cin, cout, k, **options),
                               [random_array((2, cin) + hw)])


@pytest.mark.parametrize("options", [{}, {"stride": 2, "padding": 1}, {"dilation": 2},
                                     {"groups": 2, "padding": "same"}])
def test_conv1d_matches_torch(options):
    layer = nn.Conv1d(4, 6, 3, **options).double()
    check_module_against_torch(layer, torch.nn.Conv1d(4, 6, 3, **options),
                               [random_array((2, 4, 9))])


CONV_T = [
    (3, 4, 3, {}),
    (3, 4, 3, {"stride": 2, "padding": 1, "output_padding": 1}),
    (4, 2, (2, 3), {"stride": (2, 1), "padding": (0, 1)}),
    (4, 6, 3, {"groups": 2, "dilation": 2}),
    (2, 2, 3, {"stride": 3, "output_padding": 2, "bias": False}),
]


@pytest.mark.parametrize("cin,cout,k,options", CONV_T, ids=[str(c) for c in CONV_T])
def test_conv_transpose2d_matches_torch(cin, cout, k, options):
    layer = nn.ConvTranspose2d(cin, cout, k, **options).double()
    check_module_against_torch(layer, torch.nn.ConvTranspose2d(cin, cout, k, **options),
                               [random_array((2, cin, 5, 4))])


def test_convolutions_pass_gradcheck_and_gradgradcheck():
    x = to_cr(random_array((1, 2, 5, 4)))
    w = to_cr(random_array((4, 1, 3, 2), seed=1))
    b = to_cr(random_array((4,), seed=2))

    def conv(x_, w_, b_):
        return F.conv2d(x_, w_, b_, stride=(2, 1), padding=1, dilation=(1, 2), groups=2)

    def conv_t(x_, w_):
        return F.conv_transpose2d(x_, w_, stride=2, padding=1, output_padding=1)

    assert cr.autograd.gradcheck(conv, [x, w, b])
    assert cr.autograd.gradgradcheck(conv, [x, w, b])
    wt = to_cr(random_array((2, 3, 3, 3), seed=3))
    assert cr.autograd.gradcheck(conv_t, [x, wt])
    assert cr.autograd.gradgradcheck(conv_t, [x, wt])


POOLS = [
    (nn.MaxPool2d(2), torch.nn.MaxPool2d(2), "distinct"),
    (nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1), "distinct"),
    (nn.MaxPool2d(3, 2, ceil_mode=True), torch.nn.MaxPool2d(3, 2, ceil_mode=True), "distinct"),
    (nn.MaxPool2d((2, 3), 1, dilation=2), torch.nn.MaxPool2d((2, 3), 1, dilation=2), "distinct"),
    (nn.AvgPool2d(2), torch.nn.AvgPool2d(2), "real"),
    (nn.AvgPool2d(3, 2, 1), torch.nn.AvgPool2d(3, 2, 1), "real"),
    (nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
     torch.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False), "real"),
    (nn.AvgPool2d(2, divisor_override=3), torch.nn.AvgPool2d(2, divisor_override=3), "real"),
    (nn.AdaptiveAvgPool2d((3, 2)), torch.nn.AdaptiveAvgPool2d((3, 2)), "real"),
    (nn.AdaptiveAvgPool2d(1), torch.nn.AdaptiveAvgPool2d(1), "real"),
    (nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2), "real"),
    (nn.Upsample(size=(5, 11)), torch.nn.Upsample(size=(5, 11)), "real"),
]


@pytest.mark.parametrize("layer,torch_layer,domain", POOLS, ids=[repr(p[0]) for p in POOLS])
def test_pooling_and_resizing_match_torch(layer, torch_layer, domain):
    x = random_array((2, 3, 7, 8), domain)
    check_module_against_torch(layer, torch_layer, [x])
    assert cr.autograd.gradcheck(layer, [to_cr(x[:1, :2])], fast_mode=True)


@pytest.mark.parametrize("options", [{}, {"stride": 2, "padding": 1}])
def test_max_pool1d_and_indices_match_torch(options):
    x = random_array((2, 3, 9), "distinct")
    check_module_against_torch(nn.MaxPool1d(3, **options), torch.nn.MaxPool1d(3, **options), [x])
    image = random_array((2, 3, 6, 6), "distinct")
    ours, idx = F.max_pool2d(to_cr(image), 3, 2, 1, return_indices=True)
    theirs, tidx = torch.nn.functional.max_pool2d(torch.tensor(image), 3, 2, 1,
                                                  return_indices=True)
    assert_close(ours, theirs)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())


@pytest.mark.parametrize("kind,shape", [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (6, 3, 5)),
                                        ("BatchNorm2d", (4, 3, 5, 4))])
@pytest.mark.parametrize("options", [{}, {"momentum": None}, {"affine": False},
                                     {"track_running_stats": False}])
def test_batch_norm_training_steps_and_eval_match_torch(kind, shape, options):
    ours = getattr(nn, kind)(3, **options).double()
    theirs = getattr(torch.nn, kind)(3, **options).double()
    for step in range(4):  # several training steps: running statistics must follow
        check_module_against_torch(ours, theirs, [random_array(shape, seed=step) * 2 + step])
        for (name, b), (_, t) in zip(ours.named_buffers(), theirs.named_buffers()):
            assert_close(b, t, what=name)
    ours.eval()
    theirs.eval()
    check_module_against_torch(ours, theirs, [random_array(shape, seed=9)])


def test_batch_norm_passes_gradcheck_in_both_modes():
    x = to_cr(random_array((4, 2, 3)))
    w, b = to_cr(random_array((2,), seed=1)), to_cr(random_array((2,), seed=2))
    train = lambda x_, w_, b_: F.batch_norm(x_, None, None, w_, b_, training=True)  # noqa: E731
    assert cr.autograd.gradcheck(train, [x, w, b])
    assert cr.autograd.gradgradcheck(train, [x, w, b])
    rm, rv = cr.zeros(2, dtype=cr.float64), cr.ones(2, dtype=cr.float64) * 2
    evaluate = lambda x_, w_, b_: F.batch_norm(x_, rm, rv, w_, b_, training=False)  # noqa: E731
    assert cr.autograd.gradcheck(evaluate, [x, w, b])


@pytest.mark.parametrize("layer,torch_layer,shape", [
    (nn.LayerNorm(5), torch.nn.LayerNorm(5), (3, 4, 5)),
    (nn.LayerNorm((4, 5), elementwise_affine=False), torch.nn.LayerNorm((4, 5),
                                                                      elementwise_affine=False),
     (3, 4, 5)),
    (nn.GroupNorm(2, 4), torch.nn.GroupNorm(2, 4), (3, 4, 5, 2)),
    (nn.GroupNorm(4, 4, affine=False), torch.nn.GroupNorm(4, 4, affine=False), (2, 4, 6)),
])
def test_layer_and_group_norm_match_torch(layer, torch_layer, shape):
    layer.double()
    with torch.no_grad():  # random affine parameters, so they are really tested
        for p in torch_layer.parameters():
            p.copy_(torch.randn(p.shape))
    layer.load_state_dict(torch_layer.state_dict())
    check_module_against_torch(layer, torch_layer, [random_array(shape)])
    x = to_cr(random_array((2,) + shape[1:]))
    assert cr.autograd.gradcheck(layer, [x], fast_mode=True)


def test_default_initialization_follows_torch():
    for ours, theirs in [(nn.Conv2d(16, 32, 3), torch.nn.Conv2d(16, 32, 3)),
                         (nn.ConvTranspose2d(16, 8, 3), torch.nn.ConvTranspose2d(16, 8, 3))]:
        for (name, p), t in zip(ours.named_parameters(), theirs.parameters()):
            data, tdata = p.detach().numpy(), t.detach().numpy()
            assert p.shape == tuple(t.shape), name
            fan_in = t.shape[1] * int(np.prod(t.shape[2:])) if t.ndim > 1 else None
            if fan_in is None:  # the bias: U(-1/√fan_in, 1/√fan_in) with the weight's fan_in
                fan_in = theirs.weight.shape[1] * int(np.prod(theirs.weight.shape[2:]))
                assert np.abs(data).max() <= 1 / np.sqrt(fan_in), name
            else:  # enough samples to compare the spread
                assert np.abs(data).max() <= np.abs(tdata).max() * 1.05 + 1e-6, name
                assert data.std() == pytest.approx(tdata.std(), rel=0.1), name


def test_conv_errors_name_the_layer_and_both_shapes():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
    with pytest.raises(RuntimeError, match=r"Sequential\[0\] Conv2d\(3, 8, kernel_size=\(3, 3\)"
                                           r".*got input of shape \(2, 1, 8, 8\); expected "
                                           r"\(N, 3, H >= 3, W >= 3\)"):
        model(cr.zeros(2, 1, 8, 8))
    with pytest.raises(RuntimeError, match=r"got input of shape \(1, 3, 2, 5\).*smaller than the "
                                           r"kernel"):
        model(cr.zeros(1, 3, 2, 5))
    with pytest.raises(RuntimeError, match=r"has 2 channels instead of 3.*got input of shape "
                                           r"\(1, 2, 5, 5\)"):
        F.conv2d(cr.zeros(1, 2, 5, 5), cr.zeros(4, 3, 3, 3))
    with pytest.raises(RuntimeError, match=r"BatchNorm2d.*expected \(N, 8, H, W\)"):
        nn.BatchNorm2d(8)(cr.zeros(2, 4, 3, 3))
