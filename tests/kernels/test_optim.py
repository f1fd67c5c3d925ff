"""The one-pass optimizer updates against the NumPy passes they replace: 25 steps of
the same model and data with fused=True and fused=False, every option."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import kernels, nn, optim

CASES = [
    (optim.Adam, {}),
    (optim.Adam, {"amsgrad": True, "weight_decay": 0.1}),
    (optim.Adam, {"maximize": True, "betas": (0.8, 0.9)}),
    (optim.AdamW, {}),
    (optim.AdamW, {"amsgrad": True, "weight_decay": 0.3}),
    (optim.SGD, {"lr": 0.05}),
    (optim.SGD, {"lr": 0.05, "momentum": 0.9, "dampening": 0.2, "weight_decay": 0.01}),
    (optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    (optim.RMSprop, {}),
    (optim.RMSprop, {"centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    (optim.RMSprop, {"momentum": 0.9, "alpha": 0.9}),
]


def _train(optimizer_class, options, fused, dtype):
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 3)).to(dtype)
    opt = optimizer_class(model.parameters(), fused=fused, **options)
    rng = np.random.default_rng(1)
    x = cr.tensor(rng.standard_normal((12, 5)).astype(dtype))
    y = cr.tensor(rng.standard_normal((12, 3)).astype(dtype))
    for _ in range(25):
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()
    return [p.detach().numpy() for p in model.parameters()], opt.state_dict()


@pytest.mark.parametrize("dtype,tolerance", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("optimizer_class,options", CASES,
                         ids=[f"{c.__name__}{o}" for c, o in CASES])
def test_fused_update_matches_the_numpy_passes(optimizer_class, options, dtype, tolerance):
    fused, fused_state = _train(optimizer_class, options, True, dtype)
    reference, reference_state = _train(optimizer_class, options, False, dtype)
    for ours, want in zip(fused, reference):
        np.testing.assert_allclose(ours, want, rtol=tolerance, atol=tolerance)
    for index, state in reference_state["state"].items():
        for name, value in state.items():
            np.testing.assert_allclose(np.asarray(fused_state["state"][index][name]),
                                       np.asarray(value), rtol=tolerance, atol=tolerance)


def test_fused_true_without_the_kernels_says_what_to_install():
    with kernels.use("numpy"), pytest.raises(RuntimeError, match="chainrule\\[fast\\]"):
        optim.Adam(nn.Linear(2, 2).parameters(), fused=True)
