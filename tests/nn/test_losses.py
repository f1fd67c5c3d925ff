"""Losses against PyTorch (values and gradients), stability, and the broadcast warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn
from tests.oracle import assert_close, random_array, to_cr, to_torch

rng = np.random.default_rng(0)
LOGITS = random_array((5, 4)) * 2
CLASSES = np.array([0, 3, 1, 3, 2])
CLASSES_IGNORED = np.array([0, -100, 1, 3, -100])
PROBS = rng.dirichlet(np.ones(4), 5)
WEIGHT = np.array([0.5, 2.0, 1.0, 1.5])
K_LOGITS = random_array((2, 3, 4))
K_CLASSES = np.array([[0, 2, 1, 1], [2, 2, 0, 1]])
PRED = random_array((4, 3))
TARGET = random_array((4, 3), seed=7)
P = rng.uniform(0.05, 0.95, (4, 3))
Y = rng.integers(0, 2, (4, 3)).astype(float)


def ce(lib, **kw):
    return lambda x, t: lib.CrossEntropyLoss(**kw)(x, t)


CASES = [
    ("mse", lambda lib, r: lib.MSELoss(reduction=r), PRED, TARGET),
    ("l1", lambda lib, r: lib.L1Loss(reduction=r), PRED, TARGET),
    ("huber", lambda lib, r: lib.HuberLoss(reduction=r, delta=0.5), PRED, TARGET),
    ("smooth_l1", lambda lib, r: lib.SmoothL1Loss(reduction=r, beta=0.7), PRED, TARGET),
    ("smooth_l1_beta0", lambda lib, r: lib.SmoothL1Loss(reduction=r, beta=0.0), PRED, TARGET),
    ("ce", lambda lib, r: lib.CrossEntropyLoss(reduction=r), LOGITS, CLASSES),
    ("ce_weight", lambda lib, r: lib.CrossEntropyLoss(
        weight=WEIGHT if lib is nn else torch.tensor(WEIGHT), reduction=r), LOGITS, CLASSES),
    ("ce_ignore", lambda lib, r: lib.CrossEntropyLoss(reduction=r), LOGITS, CLASSES_IGNORED),
    ("ce_smooth", lambda lib, r: lib.CrossEntropyLoss(reduction=r, label_smoothing=0.2),
     LOGITS, CLASSES),
    ("ce_smooth_weight_ignore", lambda lib, r: lib.CrossEntropyLoss(
        weight=WEIGHT if lib is nn else torch.tensor(WEIGHT), reduction=r, label_smoothing=0.1),
     LOGITS, CLASSES_IGNORED),
    ("ce_probs", lambda lib, r: lib.CrossEntropyLoss(reduction=r), LOGITS, PROBS),
    ("ce_probs_smooth", lambda lib, r: lib.CrossEntropyLoss(reduction=r, label_smoothing=0.3),
     LOGITS, PROBS),
    ("ce_kdim", lambda lib, r: lib.CrossEntropyLoss(reduction=r), K_LOGITS, K_CLASSES),
    ("ce_kdim_smooth_weight", lambda lib, r: lib.CrossEntropyLoss(
        weight=WEIGHT[:3] if lib is nn else torch.tensor(WEIGHT[:3]), reduction=r,
        label_smoothing=0.15), K_LOGITS, K_CLASSES),
    ("nll", lambda lib, r: lib.NLLLoss(reduction=r), LOGITS, CLASSES),
    ("bce", lambda lib, r: lib.BCELoss(reduction=r), P, Y),
    ("bce_logits", lambda lib, r: lib.BCEWithLogitsLoss(reduction=r), PRED * 3, Y),
    ("bce_logits_pos_weight", lambda lib, r: lib.BCEWithLogitsLoss(
        reduction=r, pos_weight=np.array([1.0, 2.0, 0.5]) if lib is nn
        else torch.tensor([1.0, 2.0, 0.5])), PRED * 3, Y),
    ("kl_div", lambda lib, r: lib.KLDivLoss(reduction=r), np.log(PROBS), PROBS[::-1].copy()),
]


def _target(t, lib):
    integer = t.dtype.kind in "iu"
    if lib is nn:
        return cr.tensor(t) if integer else to_cr(t, requires_grad=False)
    return torch.tensor(t) if integer else to_torch(t, requires_grad=False)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,make,x,t", CASES, ids=[c[0] for c in CASES])
def test_loss_matches_torch(name, make, x, t, reduction):
    xs, xt = to_cr(x), to_torch(x)
    ours = make(nn, reduction)(xs, _target(t, nn))
    theirs = make(torch.nn, reduction)(xt, _target(t, torch))
    assert_close(ours, theirs, what=f"{name} value")
    v = np.random.default_rng(1).standard_normal(theirs.shape)
    (ours * cr.tensor(v)).sum().backward()
    (theirs * torch.tensor(v)).sum().backward()
    assert_close(xs.grad, xt.grad, what=f"{name} gradient")


@pytest.mark.parametrize("name", ["ce", "ce_smooth", "ce_smooth_weight_ignore",
                                  "ce_kdim_smooth_weight", "bce_logits"])
def test_losses_pass_gradcheck(name):
    _, make, x, t = next(c for c in CASES if c[0] == name)
    target = _target(t, nn)
    assert cr.autograd.gradcheck(lambda a: make(nn, "mean")(a, target), [to_cr(x)])
    assert cr.autograd.gradgradcheck(lambda a: make(nn, "mean")(a, target), [to_cr(x)])


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_differentiates_both_inputs_to_second_order(reduction):
    # the fused node keeps forward's x - y for backward; with a target that takes a
    # gradient too, and gradients of gradients, it must still be the composed formula
    target = to_cr(PRED[::-1].copy())
    assert cr.autograd.gradcheck(lambda a, b: nn.functional.mse_loss(a, b, reduction),
                                 [to_cr(PRED), target])
    assert cr.autograd.gradgradcheck(lambda a, b: nn.functional.mse_loss(a, b, reduction),
                                     [to_cr(PRED), target])
    ours, theirs = to_cr(PRED), to_torch(PRED)
    ours_t, theirs_t = to_cr(PRED[::-1].copy()), to_torch(PRED[::-1].copy())
    nn.functional.mse_loss(ours, ours_t, reduction).backward()
    torch.nn.functional.mse_loss(theirs, theirs_t, reduction=reduction).backward()
    assert_close(ours_t.grad, theirs_t.grad, what="mse target gradient")
    assert_close(ours.grad, theirs.grad, what="mse input gradient")


def test_extreme_logits_give_finite_losses_and_gradients():
    logits = cr.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]], requires_grad=True)
    loss = nn.CrossEntropyLoss()(logits, cr.tensor([1, 0])) + nn.BCEWithLogitsLoss()(
        logits, cr.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(logits.grad.numpy()))
    assert loss.item() > 1e3


def test_a_target_that_would_broadcast_warns():
    with pytest.warns(UserWarning, match=r"target size \(4,\) that is different to the input "
                                         r"size \(4, 1\)"):
        nn.MSELoss()(cr.zeros(4, 1), cr.zeros(4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.MSELoss()(cr.zeros(4, 1), cr.zeros(4, 1))


def test_bad_targets_and_options_are_explained():
    with pytest.raises(ValueError, match=r"target of shape \(3,\) does not match input of shape"):
        nn.CrossEntropyLoss()(cr.zeros(4, 5), cr.tensor([1, 2, 3]))
    with pytest.raises(IndexError, match="target 7 is out of bounds for 5 classes"):
        nn.CrossEntropyLoss(weight=cr.ones(5))(cr.zeros(2, 5), cr.tensor([1, 7]))
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="between 0 and 1; apply a sigmoid"):
        nn.BCELoss()(cr.tensor([1.5]), cr.tensor([1.0]))


@pytest.mark.parametrize("loss", [
    nn.CrossEntropyLoss(), nn.CrossEntropyLoss(label_smoothing=0.1),
    nn.CrossEntropyLoss(weight=cr.ones(3)), nn.CrossEntropyLoss(ignore_index=1),
    lambda x, t: nn.NLLLoss()(x.log_softmax(1), t)],
    ids=["fused", "smoothed", "weighted", "ignore_index", "nll"])
@pytest.mark.parametrize("bad", [-1, 3, 7])
def test_every_path_rejects_an_out_of_range_target_with_one_message(loss, bad):
    with pytest.raises(IndexError, match=rf"target {bad} is out of bounds for 3 classes"):
        loss(cr.zeros(2, 3), cr.tensor([0, bad]))


def test_an_ignored_target_of_minus_one_is_not_out_of_range():
    loss = nn.CrossEntropyLoss(ignore_index=-1)(cr.tensor([[1.0, 2.0], [0.0, 3.0]]),
                                                cr.tensor([1, -1]))
    expected = torch.nn.CrossEntropyLoss(ignore_index=-1)(
        torch.tensor([[1.0, 2.0], [0.0, 3.0]]), torch.tensor([1, -1]))
    assert np.isclose(loss.item(), expected.item())


@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.1},
                                     {"label_smoothing": 0.1, "weight": cr.ones(4)},
                                     {"ignore_index": 3}])
def test_cross_entropy_with_class_indices_is_one_node(options):
    logits = cr.randn(5, 4, requires_grad=True)
    loss = nn.CrossEntropyLoss(**options)(logits, cr.tensor(CLASSES))
    assert loss.grad_fn.name == "CrossEntropy"
    assert loss.grad_fn.next_functions == ((logits, 0), (None, 0), (None, 0), (None, 0),
                                           (None, 0), (None, 0))



SIGNS = np.array([1.0, -1.0, 1.0, -1.0])
COUNTS = np.array([[0.0, 1.0, 3.0], [2.0, 0.0, 5.0], [1.0, 4.0, 0.0], [7.0, 1.0, 2.0]])
MULTI_LOSSES = [
    ("triplet", lambda lib, r: lib.TripletMarginLoss(margin=2.0, reduction=r), 3),
    ("triplet_swap_p1", lambda lib, r: lib.TripletMarginLoss(p=1.0, swap=True, reduction=r), 3),
    ("cosine_embedding", lambda lib, r: lib.CosineEmbeddingLoss(0.1, reduction=r), 2),
    ("margin_ranking", lambda lib, r: lib.MarginRankingLoss(0.3, reduction=r), 2),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,make,inputs", MULTI_LOSSES, ids=[c[0] for c in MULTI_LOSSES])
def test_metric_learning_losses_match_torch(name, make, inputs, reduction):
    arrays = [random_array((4, 3), seed=s) for s in range(inputs)]
    if name == "margin_ranking":
        arrays = [a[:, 0] for a in arrays]
    xs, ts = [to_cr(a) for a in arrays], [to_torch(a) for a in arrays]
    extra = [] if name.startswith("triplet") else [(cr.tensor(SIGNS), torch.tensor(SIGNS))]
    ours = make(nn, reduction)(*xs, *[e[0] for e in extra])
    theirs = make(torch.nn, reduction)(*ts, *[e[1] for e in extra])
    assert_close(ours, theirs, what=f"{name} value")
    v = np.random.default_rng(1).standard_normal(theirs.shape)
    (ours * cr.tensor(v)).sum().backward()
    (theirs * torch.tensor(v)).sum().backward()
    for x, t in zip(xs, ts):
        assert_close(x.grad, t.grad, what=f"{name} gradient")


SINGLE_LOSSES = [
    ("hinge_embedding", lambda lib, r: lib.HingeEmbeddingLoss(0.7, reduction=r),
     random_array((4, 3)), np.tile(SIGNS[:, None], (1, 3))),
    ("multilabel_soft_margin", lambda lib, r: lib.MultiLabelSoftMarginLoss(reduction=r),
     random_array((4, 3)), (COUNTS > 1).astype(float)),
    ("poisson", lambda lib, r: lib.PoissonNLLLoss(reduction=r), random_array((4, 3)), COUNTS),
    ("poisson_full_rates", lambda lib, r: lib.PoissonNLLLoss(False, True, reduction=r),
     random_array((4, 3), "positive"), COUNTS),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,make,x,t", SINGLE_LOSSES, ids=[c[0] for c in SINGLE_LOSSES])
def test_more_losses_match_torch(name, make, x, t, reduction):
    xs, xt = to_cr(x), to_torch(x)
    ours = make(nn, reduction)(xs, to_cr(t, requires_grad=False))
    theirs = make(torch.nn, reduction)(xt, to_torch(t, requires_grad=False))
    assert_close(ours, theirs, what=f"{name} value")
    v = np.random.default_rng(1).standard_normal(theirs.shape)
    (ours * cr.tensor(v)).sum().backward()
    (theirs * torch.tensor(v)).sum().backward()
    assert_close(xs.grad, xt.grad, what=f"{name} gradient")


@pytest.mark.parametrize("var_shape", [(4, 3), (4,), (4, 1)])
def test_gaussian_nll_matches_torch_including_the_variance_gradient(var_shape):
    var = np.abs(random_array(var_shape, seed=3)) + 0.1
    var[0] = 1e-9  # clamped to eps, still takes gradient
    x, v = to_cr(random_array((4, 3))), to_cr(var)
    tx, tv = to_torch(random_array((4, 3))), to_torch(var)
    y = random_array((4, 3), seed=2)
    ours = nn.GaussianNLLLoss(full=True)(x, to_cr(y, False), v)
    theirs = torch.nn.GaussianNLLLoss(full=True)(tx, to_torch(y, False), tv)
    assert_close(ours, theirs)
    ours.backward()
    theirs.backward()
    assert_close(x.grad, tx.grad)
    assert_close(v.grad, tv.grad)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("concatenated", [False, True])
def test_ctc_loss_matches_torch(reduction, concatenated):
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((7, 3, 5))
    targets = np.array([[1, 2, 0], [3, 3, 4], [2, 0, 0]])  # the repeated 3 needs a blank
    target_lengths, input_lengths = np.array([2, 3, 1]), np.array([7, 6, 4])
    flat = np.concatenate([t[:n] for t, n in zip(targets, target_lengths)])
    x, t = to_cr(logits), to_torch(logits)
    tgt = flat if concatenated else targets
    ours = nn.CTCLoss(reduction=reduction)(x.log_softmax(-1), cr.tensor(tgt),
                                           cr.tensor(input_lengths), cr.tensor(target_lengths))
    theirs = torch.nn.CTCLoss(reduction=reduction)(t.log_softmax(-1), torch.tensor(tgt),
                                                   torch.tensor(input_lengths),
                                                   torch.tensor(target_lengths))
    assert_close(ours, theirs, what="ctc value")
    v = np.random.default_rng(1).standard_normal(theirs.shape)
    (ours * cr.tensor(v)).sum().backward()
    (theirs * torch.tensor(v)).sum().backward()
    assert_close(x.grad, t.grad, what="ctc gradient")


def test_ctc_impossible_alignments_are_zeroed_on_request():
    log_probs = cr.randn(2, 1, 4, dtype=cr.float64, requires_grad=True).log_softmax(-1)
    args = (cr.tensor([[1, 2, 3]]), cr.tensor([2]), cr.tensor([3]))
    assert nn.CTCLoss()(log_probs, *args).item() > 1e20  # 3 labels cannot fit in 2 steps
    loss = nn.CTCLoss(zero_infinity=True)(log_probs, *args)
    loss.backward()
    assert loss.item() == 0.0
