"""Keras's learning-rate schedules (`keras.optimizers.schedules`): the learning rate as a
function of the optimizer's step count, looked up before every step.

Pass one as an optimizer's `learning_rate`; the optimizer then counts its steps in
`iterations` and its learning rate can no longer be set by hand (as in Keras).
"""

from __future__ import annotations

import math


class LearningRateSchedule:
    """Base class: `schedule(step) -> learning rate`, step counted from 0."""

    def __call__(self, step: int) -> float:
        raise NotImplementedError


class _StepDecay(LearningRateSchedule):
    """Shared by the schedules of (initial rate, decay steps, decay rate, staircase)."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False) -> None:
        self.initial_learning_rate, self.decay_rate = initial_learning_rate, decay_rate
        self.decay_steps, self.staircase = _positive("decay_steps", decay_steps), staircase

    def progress(self, step: int) -> float:
        """step / decay_steps, floored if staircase."""
        ratio = step / self.decay_steps
        return math.floor(ratio) if self.staircase else ratio


class ExponentialDecay(_StepDecay):
    """lr = initial_learning_rate · decay_rate^(step / decay_steps) (floored if staircase)."""

    def __call__(self, step: int) -> float:
        return self.initial_learning_rate * self.decay_rate ** self.progress(step)


class InverseTimeDecay(_StepDecay):
    """lr = initial_learning_rate / (1 + decay_rate · step / decay_steps)."""

    def __call__(self, step: int) -> float:
        return self.initial_learning_rate / (1 + self.decay_rate * self.progress(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[0] while step <= boundaries[0], values[i] while step <= boundaries[i], and
    values[-1] after the last boundary."""

    def __init__(self, boundaries: list, values: list) -> None:
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"PiecewiseConstantDecay needs one value more than boundaries: "
                             f"got {len(boundaries)} boundaries and {len(values)} values")
        self.boundaries, self.values = list(boundaries), list(values)

    def __call__(self, step: int) -> float:
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]


class CosineDecay(LearningRateSchedule):
    """An optional linear warm-up from initial_learning_rate to warmup_target over
    warmup_steps, then a half cosine over decay_steps down to alpha times the peak."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0,
                 name: str = "CosineDecay", warmup_target: float | None = None,
                 warmup_steps: int = 0) -> None:
        self.initial_learning_rate, self.alpha = initial_learning_rate, alpha
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.warmup_target, self.warmup_steps = warmup_target, warmup_steps

    def __call__(self, step: int) -> float:
        peak = self.initial_learning_rate
        if self.warmup_target is not None:
            if step < self.warmup_steps:
                return peak + (self.warmup_target - peak) * step / self.warmup_steps
            peak, step = self.warmup_target, step - self.warmup_steps
        fraction = min(step, self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1 + math.cos(math.pi * fraction))
        return peak * ((1 - self.alpha) * cosine + self.alpha)


def _positive(name: str, value: int) -> int:
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return value
