"""Weight penalties for `kernel_regularizer`: l1, l2, l1_l2."""

from __future__ import annotations

from .. import ops


class Regularizer:
    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1, self.l2 = l1, l2

    def __call__(self, weight):
        penalty = 0.0
        if self.l1:
            penalty = penalty + ops.abs(weight).sum() * self.l1
        if self.l2:
            penalty = penalty + (weight * weight).sum() * self.l2
        return penalty


def l1(l1: float = 0.01) -> Regularizer:  # noqa: E741
    return Regularizer(l1=l1)


def l2(l2: float = 0.01) -> Regularizer:
    return Regularizer(l2=l2)


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> Regularizer:  # noqa: E741
    return Regularizer(l1, l2)


L1, L2, L1L2 = l1, l2, l1_l2
