"""Initializers (statistics against the formulas PyTorch documents, and PyTorch itself)
and gradient clipping against torch.nn.utils."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn
from tests.oracle import assert_close, random_array

SHAPE = (256, 512)


def _std_of_uniform(bound):
    return bound / math.sqrt(3)


@pytest.mark.parametrize("name,kwargs", [
    ("xavier_uniform_", {}), ("xavier_normal_", {"gain": 2.0}),
    ("kaiming_uniform_", {"a": math.sqrt(5)}), ("kaiming_normal_", {"nonlinearity": "relu"}),
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("uniform_", {"a": -0.3, "b": 0.5}), ("normal_", {"mean": 1.0, "std": 0.2}),
])
def test_init_statistics_match_torch(name, kwargs):
    ours = getattr(nn.init, name)(cr.empty(*SHAPE), **kwargs).numpy()
    theirs = getattr(torch.nn.init, name)(torch.empty(SHAPE), **kwargs).numpy()
    assert abs(ours.mean() - theirs.mean()) < 0.02 * max(theirs.std(), 1e-3) + 5e-3
    assert ours.std() == pytest.approx(theirs.std(), rel=0.02)
    assert ours.min() >= theirs.min() - 4 * theirs.std() and ours.max() <= theirs.max() + 4 * \
        theirs.std()


def test_linear_default_init_bounds_follow_pytorch():
    layer = nn.Linear(300, 200)
    bound = 1 / math.sqrt(300)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert w.std() == pytest.approx(_std_of_uniform(bound), rel=0.03)


def test_calculate_gain_matches_torch():
    for name in ["linear", "sigmoid", "tanh", "relu", "conv2d", "selu"]:
        assert nn.init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", 0.2))


def test_orthogonal_gives_orthonormal_rows_scaled_by_gain():
    w = nn.init.orthogonal_(cr.empty(30, 50), gain=2.0).numpy().astype(np.float64)
    np.testing.assert_allclose(w @ w.T, 4 * np.eye(30), atol=1e-4)


def test_constant_zeros_ones():
    t = cr.empty(3, 2)
    assert np.all(nn.init.constant_(t, 0.5).numpy() == 0.5)
    assert np.all(nn.init.zeros_(t).numpy() == 0) and np.all(nn.init.ones_(t).numpy() == 1)


def _params_with_grads(lib_tensor, seed=0):
    grads = [random_array(s, seed=seed + i) * 3 for i, s in enumerate([(3, 4), (5,)])]
    params = []
    for g in grads:
        p = lib_tensor(np.zeros_like(g))
        p.grad = lib_tensor(g.copy())
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_clip_grad_norm_matches_torch(norm_type):
    ours = _params_with_grads(lambda a: cr.tensor(a, dtype=cr.float64))
    theirs = _params_with_grads(lambda a: torch.tensor(a))
    total = nn.utils.clip_grad_norm_(ours, 1.5, norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, 1.5, norm_type)
    assert total.item() == pytest.approx(total_t.item(), rel=1e-9)
    for p, t in zip(ours, theirs):
        assert_close(p.grad, t.grad)


def test_clip_grad_value_and_vector_round_trip():
    ours = _params_with_grads(lambda a: cr.tensor(a, dtype=cr.float64))
    nn.utils.clip_grad_value_(ours, 0.5)
    assert max(np.abs(p.grad.numpy()).max() for p in ours) <= 0.5
    model = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(model.parameters())
    assert vec.shape == (8,)
    nn.utils.vector_to_parameters(vec * 0 + 1, model.parameters())
    assert all(np.all(p.detach().numpy() == 1) for p in model.parameters())
    with pytest.raises(ValueError, match="too few"):
        nn.utils.vector_to_parameters(cr.zeros(3), model.parameters())
