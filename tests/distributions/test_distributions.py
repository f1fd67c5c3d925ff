"""Distributions against torch.distributions: log_prob, entropy, moments, KL, and the
gradients of rsample and log_prob."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.distributions as td

import chainrule as cr
import chainrule.distributions as cd
from tests.oracle import assert_close, random_array

LOC, SCALE = random_array((3,)), np.array([0.5, 1.0, 2.0])
P = np.array([0.2, 0.5, 0.9])
LOGITS = random_array((2, 4))
VALUES = random_array((3,), seed=4)


def both(make_ours, make_theirs, *arrays):
    return make_ours(*[cr.tensor(a, dtype=cr.float64, requires_grad=True) for a in arrays]), \
        make_theirs(*[torch.tensor(a, requires_grad=True) for a in arrays])


CASES = [
    ("normal", lambda: both(cd.Normal, td.Normal, LOC, SCALE), VALUES),
    ("uniform", lambda: both(cd.Uniform, td.Uniform, LOC - 1, LOC + SCALE),
     LOC - 0.5),
    ("bernoulli_probs", lambda: both(lambda p: cd.Bernoulli(probs=p),
                                     lambda p: td.Bernoulli(probs=p), P),
     np.array([1.0, 0.0, 1.0])),
    ("bernoulli_logits", lambda: both(lambda x: cd.Bernoulli(logits=x),
                                      lambda x: td.Bernoulli(logits=x), LOC),
     np.array([0.0, 1.0, 1.0])),
    ("categorical_logits", lambda: both(lambda x: cd.Categorical(logits=x),
                                        lambda x: td.Categorical(logits=x), LOGITS),
     np.array([3, 0])),
    ("categorical_probs", lambda: both(lambda x: cd.Categorical(probs=x),
                                       lambda x: td.Categorical(probs=x), np.abs(LOGITS)),
     np.array([1, 2])),
    ("mvn_diagonal", lambda: both(
        lambda m, s: cd.MultivariateNormal(m, scale_tril=cr.diag(s)),
        lambda m, s: td.MultivariateNormal(m, scale_tril=torch.diag(s)), LOC, SCALE), VALUES),
]


@pytest.mark.parametrize("name,make,value", CASES, ids=[c[0] for c in CASES])
def test_log_prob_entropy_and_moments_match_torch(name, make, value):
    ours, theirs = make()
    v_ours = cr.tensor(value) if value.dtype.kind == "i" else cr.tensor(value, dtype=cr.float64)
    assert_close(ours.log_prob(v_ours), theirs.log_prob(torch.tensor(value)), what="log_prob")
    assert_close(ours.entropy(), theirs.entropy(), what="entropy")
    if not name.startswith("categorical"):
        assert_close(ours.mean, theirs.mean, what="mean")
        assert_close(ours.variance, theirs.variance, what="variance")
    assert ours.batch_shape == tuple(theirs.batch_shape)
    assert ours.event_shape == tuple(theirs.event_shape)
    (ours.log_prob(v_ours).sum() + ours.entropy().sum()).backward()
    (theirs.log_prob(torch.tensor(value)).sum() + theirs.entropy().sum()).backward()


KL_CASES = [
    (lambda lib, a, b: lib.Normal(a, b), (LOC, SCALE), (VALUES, SCALE[::-1].copy())),
    (lambda lib, a: lib.Bernoulli(probs=a), (P,), (P[::-1].copy(),)),
    (lambda lib, a: lib.Categorical(logits=a), (LOGITS,), (LOGITS[::-1].copy(),)),
    (lambda lib, a, b: lib.Uniform(a, b), (LOC - 1, LOC + 1), (LOC - 2, LOC + 3)),
    (lambda lib, a, b: lib.MultivariateNormal(a, scale_tril=(cr if lib is cd else torch).diag(b)),
     (LOC, SCALE), (VALUES, SCALE[::-1].copy())),
]


@pytest.mark.parametrize("make,p_args,q_args", KL_CASES)
def test_kl_divergence_matches_torch(make, p_args, q_args):
    def build(lib, to, args):
        return make(lib, *[to(a) for a in args])

    ours = cd.kl_divergence(build(cd, lambda a: cr.tensor(a, dtype=cr.float64), p_args),
                            build(cd, lambda a: cr.tensor(a, dtype=cr.float64), q_args))
    theirs = td.kl_divergence(build(td, torch.tensor, p_args), build(td, torch.tensor, q_args))
    assert_close(ours, theirs, what="kl")


def test_rsample_is_differentiable_and_has_the_right_statistics():
    cr.manual_seed(0)
    loc = cr.tensor([1.0, -2.0], requires_grad=True)
    scale = cr.tensor([0.5, 2.0], requires_grad=True)
    draws = cd.Normal(loc, scale).rsample((20000,))
    assert draws.shape == (20000, 2)
    np.testing.assert_allclose(draws.detach().numpy().mean(0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(draws.detach().numpy().std(0), [0.5, 2.0], rtol=0.03)
    draws.mean(0).sum().backward()  # d(loc + scale·ε)/dloc = 1
    np.testing.assert_allclose(loc.grad.numpy(), [1.0, 1.0], rtol=1e-3)  # float32 sums
    noise = ((draws.detach() - loc.detach()) / scale.detach()).numpy().mean(0)
    np.testing.assert_allclose(scale.grad.numpy(), noise, rtol=1e-3, atol=1e-4)


def test_sample_frequencies_and_no_gradient():
    cr.manual_seed(1)
    counts = np.bincount(cd.Categorical(probs=cr.tensor([0.1, 0.6, 0.3])).sample((30000,))
                         .numpy(), minlength=3) / 30000
    np.testing.assert_allclose(counts, [0.1, 0.6, 0.3], atol=0.015)
    flips = cd.Bernoulli(probs=cr.tensor([0.25])).sample((20000,))
    assert abs(flips.numpy().mean() - 0.25) < 0.015 and not flips.requires_grad
    with pytest.raises(NotImplementedError, match="score-function"):
        cd.Bernoulli(probs=cr.tensor([0.5])).rsample()
    with pytest.raises(NotImplementedError, match="no closed form"):
        cd.kl_divergence(cd.Normal(0.0, 1.0), cd.Uniform(0.0, 1.0))
