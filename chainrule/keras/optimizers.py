"""Keras's optimizers: chainrule's optimizers behind Keras's names and apply_gradients.

`learning_rate` is Keras's name for lr. The optimizer learns its variables from the
first `apply_gradients` (or from the model in `compile`); the update rules are
chainrule.optim's (Adam here takes Keras's epsilon default, 1e-7).
"""

from __future__ import annotations

from .. import optim
from . import schedules  # noqa: F401  (keras.optimizers.schedules, as in Keras)


class Optimizer:
    """Base class: wraps a chainrule optimizer built on first use.

    `learning_rate` is a number or a `schedules.LearningRateSchedule`, evaluated at
    `iterations` (the steps taken so far) before each step.
    """

    factory = optim.SGD

    def __init__(self, learning_rate=0.01, **options) -> None:
        self.schedule = learning_rate if callable(learning_rate) else None
        self._learning_rate = learning_rate if self.schedule else float(learning_rate)
        self.options, self.inner, self.iterations = options, None, 0

    def build(self, variables) -> None:
        self.inner = self.factory(list(variables), lr=self.learning_rate, **self.options)

    @property
    def learning_rate(self) -> float:
        """The learning rate of the next step."""
        if self.schedule is not None:
            return float(self.schedule(self.iterations))
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        if self.schedule is not None:
            raise TypeError("this optimizer's learning rate comes from a "
                            "LearningRateSchedule and cannot be set; build the optimizer "
                            "with a number as learning_rate to set it by hand")
        self._learning_rate = float(value)
        self._set_inner_rate(self._learning_rate)

    def _set_inner_rate(self, value: float) -> None:
        if self.inner is not None:
            for group in self.inner.param_groups:
                group["lr"] = value

    def step(self) -> None:
        """One update of the variables from their .grad, at the scheduled rate."""
        if self.schedule is not None:
            self._set_inner_rate(self.learning_rate)
        self.inner.step()
        self.iterations += 1

    def apply_gradients(self, grads_and_vars) -> None:
        """Set each variable's gradient and take one step."""
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if self.inner is None:
            self.build([v for _, v in pairs])
        for grad, variable in pairs:
            variable.grad = grad.detach()
        self.step()
        for _, variable in pairs:
            variable.grad = None


class SGD(Optimizer):
    def __init__(self, learning_rate=0.01, momentum: float = 0.0,
                 nesterov: bool = False) -> None:
        super().__init__(learning_rate, momentum=momentum, nesterov=nesterov)


class Adam(Optimizer):
    factory = optim.Adam

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False) -> None:
        super().__init__(learning_rate, betas=(beta_1, beta_2), eps=epsilon, amsgrad=amsgrad)


class AdamW(Optimizer):
    factory = optim.AdamW

    def __init__(self, learning_rate=0.001, weight_decay: float = 0.004,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7) -> None:
        super().__init__(learning_rate, weight_decay=weight_decay, betas=(beta_1, beta_2),
                         eps=epsilon)


class RMSprop(Optimizer):
    factory = optim.RMSprop

    def __init__(self, learning_rate=0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False) -> None:
        super().__init__(learning_rate, alpha=rho, momentum=momentum, eps=epsilon,
                         centered=centered)


class Adagrad(Optimizer):
    factory = optim.Adagrad

    def __init__(self, learning_rate=0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7) -> None:
        super().__init__(learning_rate, initial_accumulator_value=initial_accumulator_value,
                         eps=epsilon)


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad}


def get(identifier) -> Optimizer:
    if isinstance(identifier, Optimizer):
        return identifier
    if identifier not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {identifier!r}; use one of "
                         f"{', '.join(sorted(OPTIMIZERS))}")
    return OPTIMIZERS[identifier]()
