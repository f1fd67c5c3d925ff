"""kl_divergence(p, q) = E_p[log p - log q], in closed form for pairs of the same family."""

from __future__ import annotations

import numpy as np

from .. import ops
from .bernoulli import Bernoulli
from .categorical import Categorical
from .normal import MultivariateNormal, Normal
from .uniform import Uniform

_KL: dict = {}


def register_kl(type_p: type, type_q: type):
    """Decorator: register the closed form of KL(p ‖ q) for these two types."""
    def wrap(fn):
        _KL[(type_p, type_q)] = fn
        return fn
    return wrap


def kl_divergence(p, q):
    """KL(p ‖ q), elementwise over the batch."""
    fn = _KL.get((type(p), type(q)))
    if fn is None:
        raise NotImplementedError(
            f"no closed form of kl_divergence({type(p).__name__}, {type(q).__name__}) is "
            f"registered; register one with @register_kl"
        )
    return fn(p, q)


@register_kl(Normal, Normal)
def _kl_normal(p: Normal, q: Normal):
    ratio = p.scale / q.scale
    gap = (p.loc - q.loc) / q.scale
    return (ratio * ratio + gap * gap - 1) * 0.5 - ops.log(ratio)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn(p: MultivariateNormal, q: MultivariateNormal):
    ratio = p.scale_diag / q.scale_diag
    gap = (p.loc - q.loc) / q.scale_diag
    return ((ratio * ratio + gap * gap - 1) * 0.5 - ops.log(ratio)).sum(-1)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli(p: Bernoulli, q: Bernoulli):
    return (p.probs * (ops.softplus(-q.logits) - ops.softplus(-p.logits))
            + (1 - p.probs) * (ops.softplus(q.logits) - ops.softplus(p.logits)))


@register_kl(Categorical, Categorical)
def _kl_categorical(p: Categorical, q: Categorical):
    terms = p.probs * (p.logits - q.logits)
    return ops.where(p.probs._data == 0, 0.0, terms).sum(-1)


@register_kl(Uniform, Uniform)
def _kl_uniform(p: Uniform, q: Uniform):
    inside = (q.low._data <= p.low._data) & (p.high._data <= q.high._data)
    kl = ops.log((q.high - q.low) / (p.high - p.low))
    return ops.where(inside, kl, np.inf)
