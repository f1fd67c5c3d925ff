"""Devices as PyTorch code passes them: the CPU works everywhere, other devices are refused
with an error that says what to write instead."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn

REFUSED = "chainrule runs on the CPU only, so it cannot use device 'cuda"


@pytest.mark.parametrize("spec", ["cpu", "cuda", "cuda:1", "mps"])
def test_device_objects_print_and_compare_as_torch(spec):
    ours, theirs = cr.device(spec), torch.device(spec)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    assert (ours.type, ours.index) == (theirs.type, theirs.index)
    assert ours == cr.device(spec) and ours == spec and hash(ours) == hash(cr.device(spec))
    assert cr.device("cuda", 0) == cr.device("cuda:0")


def test_bad_device_strings_are_explained():
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        cr.device("gpu")
    with pytest.raises(RuntimeError, match="Invalid device string"):
        cr.device("cuda:x")


def test_the_usual_device_line_picks_the_cpu_and_the_queries_answer_no():
    device = cr.device("cuda" if cr.cuda.is_available() else "cpu")
    assert device == cr.device("cpu")
    assert cr.cuda.device_count() == 0 and cr.backends.mps.is_available() is False
    assert cr.accelerator.is_available() is False and cr.accelerator.current_accelerator() is None
    cr.backends.cudnn.deterministic = True  # accepted, no effect
    cr.cuda.manual_seed_all(0)
    assert cr.multiprocessing.get_context is multiprocessing.get_context


@pytest.mark.parametrize("make", [
    lambda **kw: cr.zeros(2, 3, **kw), lambda **kw: cr.ones((2,), **kw),
    lambda **kw: cr.empty(size=(2, 2), **kw), lambda **kw: cr.full((2,), 1.5, **kw),
    lambda **kw: cr.arange(4, **kw), lambda **kw: cr.linspace(0, 1, 3, **kw),
    lambda **kw: cr.eye(2, **kw), lambda **kw: cr.rand(2, **kw), lambda **kw: cr.randn(2, **kw),
    lambda **kw: cr.randint(0, 5, (3,), **kw), lambda **kw: cr.randperm(4, **kw),
    lambda **kw: cr.tensor([1.0, 2.0], **kw), lambda **kw: cr.zeros_like(cr.ones(2), **kw),
    lambda **kw: cr.as_tensor(np.ones(2), **kw)])
def test_creation_functions_take_a_device(make):
    t = make(device=cr.device("cpu"))
    assert t.device == cr.device("cpu") and t.device == "cpu" and not t.is_cuda
    assert make(device="cpu").shape == t.shape
    with pytest.raises(RuntimeError, match=REFUSED):
        make(device="cuda")


def test_creation_takes_pin_memory_and_requires_grad():
    t = cr.zeros(2, 2, pin_memory=True, requires_grad=True, dtype=cr.float64)
    assert t.requires_grad and t.dtype == cr.float64


@pytest.mark.parametrize("layer", [
    lambda d: nn.Linear(4, 2, device=d), lambda d: nn.Conv2d(1, 2, 3, device=d),
    lambda d: nn.BatchNorm2d(3, device=d), lambda d: nn.LayerNorm(4, device=d),
    lambda d: nn.Embedding(5, 2, device=d), lambda d: nn.LSTM(3, 4, device=d),
    lambda d: nn.MultiheadAttention(4, 2, device=d),
    lambda d: nn.TransformerEncoderLayer(4, 2, 8, device=d)])
def test_layers_take_a_device(layer):
    module = layer(cr.device("cpu"))
    assert module.to(cr.device("cpu")) is module and module.cpu() is module
    with pytest.raises(RuntimeError, match=REFUSED):
        layer("cuda")
    with pytest.raises(RuntimeError, match=REFUSED):
        module.cuda()
    with pytest.raises(RuntimeError, match=REFUSED):
        module.to("cuda:0")


def test_tensors_move_to_the_cpu_only():
    t = cr.ones(2)
    assert t.to(cr.device("cpu")) is t and t.to("cpu", cr.float64).dtype == cr.float64
    assert t.to(cr.zeros(1, dtype=cr.float64)).dtype == cr.float64
    assert t.to(device="cpu", dtype=cr.float16).dtype == cr.float16
    with pytest.raises(RuntimeError, match=REFUSED):
        t.cuda()
    with pytest.raises(RuntimeError, match=REFUSED):
        t.to(cr.device("cuda"))
