"""Learning-rate schedules: Keras 3's own schedules are the oracle, and fit and
apply_gradients look the rate up before every step."""

from __future__ import annotations

import os

import numpy as np
import pytest

import chainrule as cr
from chainrule import keras
from chainrule.keras import layers
from chainrule.keras.optimizers import schedules

os.environ.setdefault("KERAS_BACKEND", "torch")
import keras as reference  # noqa: E402  (Keras 3, a test dependency like PyTorch)

CASES = [
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=7, decay_rate=0.5)),
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=7, decay_rate=0.5,
                              staircase=True)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.2, decay_steps=5, decay_rate=0.3)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.2, decay_steps=5, decay_rate=0.3,
                              staircase=True)),
    ("PiecewiseConstantDecay", dict(boundaries=[3, 10], values=[1.0, 0.5, 0.1])),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=20, alpha=0.1)),
    ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=20, warmup_target=0.3,
                         warmup_steps=6)),
]


@pytest.mark.parametrize("name, options", CASES, ids=[c[0] for c in CASES])
def test_schedules_equal_keras(name, options):
    ours = getattr(schedules, name)(**options)
    theirs = getattr(reference.optimizers.schedules, name)(**options)
    for step in range(40):
        expected = float(reference.ops.convert_to_numpy(theirs(step)))
        # Keras computes in float32
        assert ours(step) == pytest.approx(expected, rel=1e-5, abs=1e-9), (name, step)


def test_fit_and_apply_gradients_use_the_scheduled_rate():
    schedule = schedules.PiecewiseConstantDecay([4], [0.5, 0.1])
    model = keras.Sequential([layers.Dense(1, input_shape=(2,), use_bias=False)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule), loss="mse")
    model.fit(np.ones((12, 2)), np.zeros(12), batch_size=2, epochs=1, verbose=0)
    optimizer = model.optimizer
    assert optimizer.iterations == 6
    assert optimizer.inner.param_groups[0]["lr"] == 0.1  # the rate of step 5
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        optimizer.learning_rate = 0.3
    # apply_gradients: the first steps at 0.5, each moving w by -0.5 · grad
    w = cr.zeros(3, requires_grad=True)
    tape_optimizer = keras.optimizers.SGD(learning_rate=schedule)
    tape_optimizer.apply_gradients([(cr.ones(3), w)])
    np.testing.assert_allclose(w.detach().numpy(), -0.5)
    with pytest.raises(ValueError, match="one value more"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1])
