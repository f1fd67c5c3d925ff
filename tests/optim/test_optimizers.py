"""Optimizers and schedulers step side by side with PyTorch: same initial weights, same
data, 30 steps, parameters equal to 1e-8 in float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn, optim
from chainrule.optim import lr_scheduler

STEPS = 30
X = np.random.default_rng(0).standard_normal((16, 5))
Y = np.random.default_rng(1).standard_normal((16, 2))


def _models():
    ours = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 2)).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(),
                                 torch.nn.Linear(8, 2)).double()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    return ours, theirs


def _train(lib_nn, model, opt, x, y, sched=None, per_step=None):
    loss_fn = lib_nn.MSELoss()
    for step in range(STEPS):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        if per_step is not None:
            per_step(step)


def _assert_same_params(ours, theirs):
    for (name, p), t in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), t.detach().numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=name)


CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.005, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("Adadelta", dict(lr=1.0)),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.01)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.05, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.9), weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
]


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{c[0]}-{c[1]}" for c in CONFIGS])
def test_optimizer_matches_torch_over_30_steps(name, kwargs):
    ours, theirs = _models()
    _train(nn, ours, getattr(optim, name)(ours.parameters(), **kwargs),
           cr.tensor(X, dtype=cr.float64), cr.tensor(Y, dtype=cr.float64))
    _train(torch.nn, theirs, getattr(torch.optim, name)(theirs.parameters(), **kwargs),
           torch.tensor(X), torch.tensor(Y))
    _assert_same_params(ours, theirs)


def test_param_groups_with_their_own_options_match_torch():
    ours, theirs = _models()
    groups = lambda m: [{"params": list(m[0].parameters()), "lr": 0.05},  # noqa: E731
                        {"params": list(m[2].parameters())}]
    _train(nn, ours, optim.SGD(groups(ours), lr=0.2, momentum=0.9),
           cr.tensor(X, dtype=cr.float64), cr.tensor(Y, dtype=cr.float64))
    _train(torch.nn, theirs, torch.optim.SGD(groups(theirs), lr=0.2, momentum=0.9),
           torch.tensor(X), torch.tensor(Y))
    _assert_same_params(ours, theirs)


SCHEDULERS = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[5, 12, 20], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=30, eta_min=0.001)),
    ("LinearLR", dict(start_factor=0.2, total_iters=10)),
    ("LambdaLR", dict(lr_lambda=lambda epoch: 1 / (1 + epoch))),
    ("OneCycleLR", dict(max_lr=0.3, total_steps=30)),
    ("OneCycleLR", dict(max_lr=0.3, total_steps=31, anneal_strategy="linear", three_phase=True)),
]


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=[f"{s[0]}-{i}" for i, s in
                                                         enumerate(SCHEDULERS)])
def test_scheduler_matches_torch_over_30_steps(name, kwargs, optimizer):
    options = dict(lr=0.1, momentum=0.9) if optimizer == "SGD" else dict(lr=0.01)
    ours, theirs = _models()
    opt = getattr(optim, optimizer)(ours.parameters(), **options)
    topt = getattr(torch.optim, optimizer)(theirs.parameters(), **options)
    sched = getattr(lr_scheduler, name)(opt, **kwargs)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    lrs, tlrs = [], []
    _train(nn, ours, opt, cr.tensor(X, dtype=cr.float64), cr.tensor(Y, dtype=cr.float64), sched,
           lambda _: lrs.append((sched.get_last_lr()[0], dict(opt.param_groups[0]))))
    _train(torch.nn, theirs, topt, torch.tensor(X), torch.tensor(Y), tsched,
           lambda _: tlrs.append((tsched.get_last_lr()[0], dict(topt.param_groups[0]))))
    np.testing.assert_allclose([a for a, _ in lrs], [b for b, _ in tlrs], rtol=1e-10)
    def momentum(group):
        return group["momentum"] if optimizer == "SGD" else group["betas"][0]

    assert [momentum(g) for _, g in lrs] == pytest.approx([momentum(g) for _, g in tlrs])
    _assert_same_params(ours, theirs)


def test_reduce_lr_on_plateau_matches_torch():
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85]
    ours, theirs = _models()
    opt = optim.SGD(ours.parameters(), lr=0.1)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1)
    sched = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.02)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, factor=0.5, patience=2, cooldown=1,
                                                        min_lr=0.02)
    for m in metrics:
        sched.step(m)
        tsched.step(m)
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"])


def test_optimizer_state_dict_round_trip_resumes_exactly():
    ours, _ = _models()
    x, y = cr.tensor(X, dtype=cr.float64), cr.tensor(Y, dtype=cr.float64)
    opt = optim.Adam(ours.parameters(), lr=0.01, amsgrad=True)
    _train(nn, ours, opt, x, y)
    saved_model, saved_opt = ours.state_dict(), opt.state_dict()
    saved_model = {k: v.clone() for k, v in saved_model.items()}
    _train(nn, ours, opt, x, y)
    expected = [p.detach().numpy().copy() for p in ours.parameters()]

    resumed, _ = _models()
    resumed.load_state_dict(saved_model)
    opt2 = optim.Adam(resumed.parameters(), lr=0.5)
    opt2.load_state_dict(saved_opt)
    assert opt2.param_groups[0]["lr"] == 0.01
    _train(nn, resumed, opt2, x, y)
    for p, e in zip(resumed.parameters(), expected):
        np.testing.assert_array_equal(p.detach().numpy(), e)


def test_optimizer_state_dict_layout_matches_torch():
    ours, theirs = _models()
    opt, topt = optim.Adam(ours.parameters()), torch.optim.Adam(theirs.parameters())
    _train(nn, ours, opt, cr.tensor(X, dtype=cr.float64), cr.tensor(Y, dtype=cr.float64))
    _train(torch.nn, theirs, topt, torch.tensor(X), torch.tensor(Y))
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sorted(sd["state"]) == sorted(tsd["state"])
    assert set(sd["state"][0]) == set(tsd["state"][0])
    assert sd["param_groups"][0]["params"] == tsd["param_groups"][0]["params"]
    opt.load_state_dict(tsd)  # torch's state loads into chainrule
    np.testing.assert_allclose(opt.state[next(iter(ours.parameters()))]["exp_avg"],
                               tsd["state"][0]["exp_avg"].numpy())


def test_bad_options_are_explained():
    params = nn.Linear(2, 2).parameters()
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.SGD(params, lr=-1)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum"):
        optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(ValueError, match="Invalid beta parameters"):
        optim.Adam(nn.Linear(2, 2).parameters(), betas=(1.0, 0.9))


def test_step_records_no_graph_and_updates_in_place():
    model = nn.Linear(3, 1)
    weight_array = model.weight._data
    opt = optim.SGD(model.parameters(), lr=0.1)
    model(cr.ones(2, 3)).sum().backward()
    opt.step()
    assert model.weight._data is weight_array and model.weight.grad_fn is None


@pytest.mark.parametrize("options", [dict(lr=0.5, max_iter=5),
                                     dict(lr=1, max_iter=8, history_size=3),
                                     dict(lr=1, max_iter=10, line_search_fn="strong_wolfe"),
                                     dict(lr=0.8, max_iter=4, history_size=2,
                                          line_search_fn="strong_wolfe")])
def test_lbfgs_matches_torch_step_by_step(options):
    ours, theirs = _models()
    opt_ours = optim.LBFGS(ours.parameters(), **options)
    opt_theirs = torch.optim.LBFGS(theirs.parameters(), **options)
    x, y = cr.tensor(X, dtype=cr.float64), cr.tensor(Y, dtype=cr.float64)
    tx, ty = torch.tensor(X), torch.tensor(Y)

    def closure_ours():
        opt_ours.zero_grad()
        loss = nn.MSELoss()(ours(x), y)
        loss.backward()
        return loss

    def closure_theirs():
        opt_theirs.zero_grad()
        loss = torch.nn.MSELoss()(theirs(tx), ty)
        loss.backward()
        return loss

    for _ in range(3):
        first = opt_ours.step(closure_ours)
        expected = opt_theirs.step(closure_theirs)
        np.testing.assert_allclose(first.item(), expected.item(), rtol=1e-8)
        _assert_same_params(ours, theirs)
    state = opt_ours.state[next(iter(ours.parameters()))]
    expected_state = opt_theirs.state[next(iter(theirs.parameters()))]
    assert state["func_evals"] == expected_state["func_evals"]
    assert state["n_iter"] == expected_state["n_iter"]


def test_lbfgs_needs_a_closure():
    model = nn.Linear(2, 1)
    with pytest.raises(RuntimeError, match="needs a closure"):
        optim.LBFGS(model.parameters()).step(None)
