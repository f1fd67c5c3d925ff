"""fit's NaN policies: each one diagnoses the op, then raises, stops, skips or rolls back."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import keras
from chainrule.autograd import AnomalyError
from chainrule.keras import layers


def _model_and_data():
    cr.manual_seed(0)
    model = keras.Sequential([layers.Dense(4, activation="relu", input_shape=(3,)),
                              layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 3)).astype(np.float32), rng.normal(size=64)
    x[37, 1] = np.nan  # in the third batch of 16
    return model, x, y


def _finite(model) -> bool:
    return all(np.isfinite(w).all() for w in model.get_weights())


def test_raise_names_the_first_op_that_saw_the_nan():
    model, x, y = _model_and_data()
    with pytest.raises(AnomalyError, match="input already held NaN") as caught:
        model.fit(x, y, batch_size=16, shuffle=False, verbose=0, nan_policy="raise")
    assert caught.value.op == "Linear" and caught.value.origin.module_path == "[0]"


def test_stop_ends_training_with_the_weights_of_the_last_good_step(capsys):
    model, x, y = _model_and_data()
    history = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
                        nan_policy="stop")
    assert history.epoch == [0] and _finite(model)
    assert "stopping training" in capsys.readouterr().err


def test_skip_batch_trains_on_the_other_batches(capsys):
    model, x, y = _model_and_data()
    history = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
                        nan_policy="skip_batch")
    assert history.epoch == [0, 1, 2] and np.isfinite(history.history["loss"]).all()
    assert _finite(model)
    assert capsys.readouterr().err.count("skipping this batch") == 3  # once per epoch


def test_rollback_restores_the_epoch_start_and_halves_the_learning_rate():
    model, x, y = _model_and_data()
    start = model.get_weights()
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0, nan_policy="rollback")
    # the last batch after the rollback trained from the restored weights at half the rate
    assert model.optimizer.inner.param_groups[0]["lr"] == pytest.approx(0.05) and _finite(model)
    assert any(not np.allclose(a, b) for a, b in zip(start, model.get_weights()))


def test_an_unknown_policy_is_refused():
    model, x, y = _model_and_data()
    with pytest.raises(ValueError, match="unknown NaN policy 'ignore'"):
        model.fit(x, y, verbose=0, nan_policy="ignore")
