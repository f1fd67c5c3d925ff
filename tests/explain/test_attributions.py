"""Saliency and integrated gradients: PyTorch's gradients, and completeness."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn
from chainrule.cli.main import main
from chainrule.explain import integrated_gradients, saliency


def _model():
    cr.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))


def test_saliency_is_the_class_score_gradient_as_pytorch_computes_it():
    model = _model()
    x = np.random.default_rng(0).normal(size=(5, 6)).astype(np.float32)
    target = np.array([0, 1, 2, 1, 0])
    ours = saliency(model, x, target, abs=False).numpy()
    reference = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(),
                                    torch.nn.Linear(16, 3))
    reference.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                               for k, v in model.state_dict().items()})
    xt = torch.from_numpy(x).requires_grad_()
    reference(xt)[torch.arange(5), torch.from_numpy(target)].sum().backward()
    np.testing.assert_allclose(ours, xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert (saliency(model, x, 1).numpy() >= 0).all()


def test_integrated_gradients_are_complete_within_one_percent():
    model = _model()
    x = np.random.default_rng(1).normal(size=(4, 6)).astype(np.float32)
    baseline = np.full(6, -0.5, dtype=np.float32)
    attributions = integrated_gradients(model, x, 2, baseline=baseline, steps=50).numpy()
    with cr.no_grad():
        gap = (model(cr.from_numpy(x))[:, 2] -
               model(cr.from_numpy(np.broadcast_to(baseline, x.shape).copy()))[:, 2]).numpy()
    np.testing.assert_allclose(attributions.sum(1), gap, rtol=0.01, atol=1e-4)
    with pytest.raises(ValueError, match="steps must be at least 1"):
        integrated_gradients(model, x, 2, steps=0)


def test_explain_image_writes_the_attribution_grid(tmp_path, capsys):
    path = tmp_path / "attributions.png"
    assert main(["explain", "--image", "--count", "2", "--out", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000
