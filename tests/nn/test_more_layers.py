"""Padding, reshaping, distance, bilinear and instance-norm layers, and parameter
containers, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn
from tests.oracle import check_forward_backward, check_module_against_torch, random_array

LAYERS = [
    (lambda lib: lib.ZeroPad2d((1, 0, 2, 1)), (2, 3, 4, 4)),
    (lambda lib: lib.ConstantPad1d(2, 0.5), (2, 3, 4)),
    (lambda lib: lib.ConstantPad2d((1, 1, 0, 2), -1.0), (1, 2, 3, 3)),
    (lambda lib: lib.ConstantPad3d(1, 0.0), (1, 1, 2, 2, 2)),
    (lambda lib: lib.ReflectionPad1d((2, 1)), (2, 3, 4)),
    (lambda lib: lib.ReflectionPad2d((1, 2, 2, 1)), (2, 2, 4, 5)),
    (lambda lib: lib.ReplicationPad1d(3), (1, 2, 3)),
    (lambda lib: lib.ReplicationPad2d((2, 0, 1, 3)), (2, 2, 3, 3)),
    (lambda lib: lib.Unflatten(1, (2, 3)), (4, 6)),
    (lambda lib: lib.PixelShuffle(2), (2, 8, 3, 3)),
    (lambda lib: lib.PixelUnshuffle(2), (2, 2, 4, 6)),
    (lambda lib: lib.InstanceNorm1d(3), (2, 3, 5)),
    (lambda lib: lib.InstanceNorm2d(3, affine=True), (2, 3, 4, 4)),
]


@pytest.mark.parametrize("make,shape", LAYERS, ids=[repr(m(nn)) for m, _ in LAYERS])
def test_layers_match_torch(make, shape):
    check_module_against_torch(make(nn).double(), make(torch.nn), [random_array(shape)])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_functional_pad_modes_match_torch(mode):
    check_forward_backward(lambda x: nn.functional.pad(x, (1, 2, 2, 1), mode),
                           lambda x: torch.nn.functional.pad(x, (1, 2, 2, 1), mode),
                           [random_array((1, 2, 4, 5))])


@pytest.mark.parametrize("make", [lambda lib: lib.CosineSimilarity(dim=1),
                                  lambda lib: lib.PairwiseDistance(p=3.0, keepdim=True),
                                  lambda lib: lib.Bilinear(3, 4, 2)])
def test_two_input_layers_match_torch(make):
    x1 = random_array((5, 3))
    x2 = random_array((5, 4 if isinstance(make(nn), nn.Bilinear) else 3), seed=1)
    check_module_against_torch(make(nn).double(), make(torch.nn), [x1, x2])


def test_normalize_matches_torch():
    check_forward_backward(lambda x: nn.functional.normalize(x, dim=-1),
                           lambda x: torch.nn.functional.normalize(x, dim=-1),
                           [random_array((3, 4))])


def test_parameter_list_and_dict_register_their_parameters():
    model = nn.Module()
    model.scales = nn.ParameterList([nn.Parameter(cr.ones(2)), cr.zeros(3)])
    model.extra = nn.ParameterDict({"a": nn.Parameter(cr.ones(1))})
    model.extra["b"] = cr.zeros(2)
    assert list(model.state_dict()) == ["scales.0", "scales.1", "extra.a", "extra.b"]
    assert len(list(model.parameters())) == 4 and len(model.scales) == 2
    assert "b" in model.extra and model.scales[1].shape == (3,)
    model.scales[0] = cr.full((2,), 3.0)
    assert list(model.state_dict())[0] == "scales.0" and model.scales[0].tolist() == [3.0, 3.0]
    assert np.all([p.requires_grad for p in model.parameters()])
