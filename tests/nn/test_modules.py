"""Modules against PyTorch: outputs and gradients with the same weights; registration,
state_dict exchange, hooks, modes and error messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn
from tests.oracle import check_module_against_torch, random_array

ACTIVATIONS = [
    (nn.ReLU(), torch.nn.ReLU(), "nonzero"),
    (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2), "nonzero"),
    (nn.ELU(0.7), torch.nn.ELU(0.7), "nonzero"),
    (nn.GELU(), torch.nn.GELU(), "real"),
    (nn.GELU("tanh"), torch.nn.GELU("tanh"), "real"),
    (nn.Sigmoid(), torch.nn.Sigmoid(), "real"),
    (nn.Tanh(), torch.nn.Tanh(), "real"),
    (nn.Softplus(2.0, 5.0), torch.nn.Softplus(2.0, 5.0), "real"),
    (nn.Softmax(1), torch.nn.Softmax(1), "real"),
    (nn.LogSoftmax(-1), torch.nn.LogSoftmax(-1), "real"),
    (nn.Flatten(), torch.nn.Flatten(), "real"),
    (nn.Identity(), torch.nn.Identity(), "real"),
    (nn.SELU(), torch.nn.SELU(), "nonzero"),
    (nn.CELU(0.5), torch.nn.CELU(0.5), "nonzero"),
    (nn.Mish(), torch.nn.Mish(), "real"),
    (nn.Hardsigmoid(), torch.nn.Hardsigmoid(), "nonzero"),
    (nn.Hardswish(), torch.nn.Hardswish(), "nonzero"),
    (nn.Softsign(), torch.nn.Softsign(), "nonzero"),
    (nn.Tanhshrink(), torch.nn.Tanhshrink(), "real"),
    (nn.Threshold(0.1, -2.0), torch.nn.Threshold(0.1, -2.0), "nonzero"),
    (nn.LogSigmoid(), torch.nn.LogSigmoid(), "real"),
    (nn.Softmin(1), torch.nn.Softmin(1), "real"),
    (nn.PReLU(), torch.nn.PReLU(), "nonzero"),
    (nn.PReLU(3, 0.1), torch.nn.PReLU(3, 0.1), "nonzero"),
    (nn.RReLU().eval(), torch.nn.RReLU().eval(), "nonzero"),
]


@pytest.mark.parametrize("module,torch_module,domain", ACTIVATIONS,
                         ids=[repr(a[0]) for a in ACTIVATIONS])
def test_activation_modules_match_torch(module, torch_module, domain):
    x = random_array((4, 3, 2), domain) * 3
    check_module_against_torch(module, torch_module, [x])


def test_large_inputs_stay_finite_in_elu_and_softplus():
    x = cr.tensor([-1e4, -50.0, 0.5, 50.0, 1e4], requires_grad=True)
    (nn.ELU()(x) + nn.Softplus()(x)).sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))


def test_functional_activations_pass_gradcheck():
    x = cr.tensor(random_array((3, 4), "nonzero"), dtype=cr.float64, requires_grad=True)
    F = nn.functional
    for fn in (F.elu, F.gelu, F.softplus, F.leaky_relu, lambda t: F.gelu(t, "tanh"), F.selu,
               F.celu, F.mish, F.softsign, F.tanhshrink, F.logsigmoid):
        assert cr.autograd.gradcheck(fn, [x])
        assert cr.autograd.gradgradcheck(fn, [x])


def _mlp(lib):
    return lib.Sequential(lib.Linear(5, 7), lib.ReLU(), lib.Linear(7, 3, bias=False),
                          lib.Tanh(), lib.Linear(3, 2))


def test_mlp_matches_torch_with_the_same_state_dict():
    model = _mlp(nn).double()
    check_module_against_torch(model, _mlp(torch.nn), [random_array((6, 5))])


def test_state_dict_keys_and_shapes_match_torch_and_load_both_ways():
    ours, theirs = _mlp(nn), _mlp(torch.nn)
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    assert [v.shape for v in ours_sd.values()] == [tuple(v.shape) for v in theirs_sd.values()]
    ours.load_state_dict(theirs_sd)  # torch tensors in, converted to the model's float32
    for k, v in ours.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), theirs_sd[k].numpy().astype(np.float32))
    ours2 = _mlp(nn)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in
                            ours2.state_dict().items()})
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), ours2.state_dict()[k].numpy())


def test_load_state_dict_reports_missing_unexpected_and_mismatched_keys():
    model = _mlp(nn)
    sd = model.state_dict()
    sd.pop("0.bias")
    sd["extra"] = cr.zeros(1)
    with pytest.raises(RuntimeError, match=r"missing keys \['0.bias'\].*unexpected keys"):
        model.load_state_dict(sd)
    result = model.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["0.bias"] and result.unexpected_keys == ["extra"]
    bad = model.state_dict()
    bad["0.weight"] = cr.zeros(3, 3)
    with pytest.raises(RuntimeError, match=r"0.weight: checkpoint \(3, 3\), model \(7, 5\)"):
        model.load_state_dict(bad)


def test_registration_order_buffers_and_traversal():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
            self.register_buffer("scale", cr.ones(3))
            self.register_buffer("scratch", cr.zeros(1), persistent=False)
            self.head = nn.Linear(3, 1)

        def forward(self, x):
            return self.head(self.body(x) * self.scale)

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["body.0.weight", "body.0.bias",
                                                      "head.weight", "head.bias"]
    # as in PyTorch, a module's own entries come before its children's
    assert list(net.state_dict()) == ["scale", "body.0.weight", "body.0.bias", "head.weight",
                                      "head.bias"]
    assert [n for n, _ in net.named_modules()] == ["", "body", "body.0", "body.1", "head"]
    assert len(list(net.children())) == 2
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    assert "(body): Sequential(" in repr(net)
    assert "Linear(in_features=2, out_features=3" in repr(net)


def test_reassigning_an_attribute_replaces_the_registration():
    m = nn.Linear(2, 2)
    m.weight = nn.Parameter(cr.zeros(2, 2))
    assert m.state_dict()["weight"].numpy().sum() == 0
    with pytest.raises(TypeError, match="cannot assign"):
        m.weight = cr.zeros(2, 2)


def test_module_list_and_dict_register_their_modules():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    table = nn.ModuleDict({"a": nn.Linear(2, 1)})
    assert len(list(layers.parameters())) == 6 and len(list(table.parameters())) == 2
    assert list(table.state_dict()) == ["a.weight", "a.bias"]


def test_forward_hooks_see_inputs_and_outputs_and_can_be_removed():
    m = nn.Linear(2, 2)
    seen = []
    handle = m.register_forward_hook(lambda mod, inp, out: seen.append(out.shape))
    pre = m.register_forward_pre_hook(lambda mod, inp: (inp[0] * 0,))
    out = m(cr.ones(4, 2))
    np.testing.assert_allclose(out.detach().numpy(), np.broadcast_to(m.bias.detach().numpy(),
                                                                     (4, 2)))
    handle.remove()
    pre.remove()
    m(cr.ones(1, 2))
    assert seen == [(4, 2)]


def test_wrong_input_shape_names_the_layer_and_its_place():
    model = nn.Sequential(nn.Linear(1024, 768), nn.ReLU(), nn.Linear(768, 10))
    with pytest.raises(RuntimeError,
                       match=r"Sequential\[0\] Linear\(in_features=1024\) got input of shape "
                             r"\(32, 768\)"):
        model(cr.zeros(32, 768))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(8, 2))

        def forward(self, x):
            return self.body(x)

    with pytest.raises(RuntimeError, match=r"Net.body\[2\] Linear\(in_features=8\)"):
        Net()(cr.zeros(2, 4))


def test_constructor_arguments_are_validated():
    with pytest.raises(ValueError, match="expected a positive integer. Received: in_features=0"):
        nn.Linear(0, 3)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_dropout_is_seeded_scaled_and_off_in_eval():
    x = cr.ones(1000)
    a = nn.Dropout(0.3, generator=cr.Generator(5))(x)
    b = nn.Dropout(0.3, generator=cr.Generator(5))(x)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    kept = a.numpy() != 0
    assert 0.6 < kept.mean() < 0.8
    np.testing.assert_allclose(a.numpy()[kept], 1 / 0.7, rtol=1e-6)
    layer = nn.Dropout(0.3).eval()
    assert layer(x) is x
    y = nn.Dropout2d(0.5, generator=cr.Generator(1))(cr.ones(2, 8, 3, 3))
    per_channel = y.numpy().reshape(2, 8, 9)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))


def test_zero_grad_clears_parameter_gradients():
    m = nn.Linear(2, 2)
    m(cr.ones(1, 2)).sum().backward()
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_replacing_a_submodule_or_parameter_keeps_its_place():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    setattr(model, "0", nn.Linear(2, 3, bias=False))
    assert list(model.state_dict()) == ["0.weight", "2.weight", "2.bias"]
    assert isinstance(list(model.children())[-1], nn.Linear) and model[0].bias is None

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 2, 3)
            self.fc = nn.Linear(2, 2)
            self.scale = nn.Parameter(cr.ones(1))

    net = Net()
    net.conv1 = nn.Conv2d(1, 2, 5)
    net.scale = nn.Parameter(cr.zeros(1))
    assert [name for name, _ in net.named_children()] == ["conv1", "fc"]
    assert list(net.state_dict()) == ["scale", "conv1.weight", "conv1.bias", "fc.weight",
                                      "fc.bias"]
    assert net.conv1.kernel_size == (5, 5)


def test_module_utilities_pytorch_code_calls():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    names = [name for name, _ in model.named_modules()]
    assert names == ["", "0", "1"]  # a module reached twice is listed once, as in PyTorch
    assert len(list(model.parameters())) == 2
    assert model.share_memory() is model
    seen = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Sequential"]
    model.register_buffer("step", cr.zeros(1), persistent=False)
    assert "step" not in model.state_dict() and "step" in dict(model.named_buffers())


def test_sequential_pools_before_relu_with_the_same_values_and_gradients():
    rng = np.random.default_rng(0)
    data = rng.standard_normal((2, 3, 6, 6))
    data[0, 0, :2, :2] = -1.0  # a window with nothing positive
    data[0, 1, :2, :2] = 0.0  # ties at zero
    data[1, 2, :2, :2] = 2.0  # ties at a positive maximum
    data[1, 0, 2, 2] = np.nan
    upstream = cr.tensor(rng.standard_normal((2, 3, 4, 4)))
    blocks = [nn.Sequential(nn.ReLU(), nn.MaxPool2d(2)),
              nn.Sequential(nn.ReLU(), nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True))]
    for block in blocks:
        relu, pool = block[0], block[1]
        fused_x, written_x = (cr.tensor(data, requires_grad=True) for _ in range(2))
        fused, written = block(fused_x), pool(relu(written_x))
        assert fused.grad_fn.name == "ReLU" and written.grad_fn.name != "ReLU"
        np.testing.assert_array_equal(fused.detach().numpy(), written.detach().numpy())
        (fused * upstream[..., : fused.shape[-1], : fused.shape[-1]]).sum().backward()
        (written * upstream[..., : written.shape[-1], : written.shape[-1]]).sum().backward()
        np.testing.assert_array_equal(fused_x.grad.numpy(), written_x.grad.numpy())


def test_sequential_keeps_the_written_order_for_hooks_and_watches():
    block = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2))
    seen = []
    handle = block[0].register_forward_hook(lambda m, args, out: seen.append(tuple(out.shape)))
    x = cr.randn(1, 2, 4, 4, requires_grad=True)
    assert block(x).grad_fn.name != "ReLU" and seen == [(1, 2, 4, 4)]
    handle.remove()
    with cr.autograd.watch(cr.autograd.Watcher()):
        assert block(x).grad_fn.name != "ReLU"
    assert block(x).grad_fn.name == "ReLU"
