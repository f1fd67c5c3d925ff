"""Callbacks on scripted loss sequences, and inside fit."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import keras
from chainrule.keras import callbacks, layers


class ScriptedModel:
    """Stands in for a model: its 'weights' are the epoch they were taken at."""

    def __init__(self) -> None:
        self.epoch, self.stop_training = 0, False
        self.optimizer = keras.optimizers.SGD(learning_rate=1.0)
        self.saved = []

    def get_weights(self):
        return [np.array(self.epoch)]

    def set_weights(self, weights):
        self.epoch = int(weights[0])

    def save_weights(self, path):
        self.saved.append((path, self.epoch))


def run(callback, losses, key="val_loss"):
    """Feed a sequence of epoch losses; returns the epoch fit would stop after."""
    model = ScriptedModel()
    callback.set_model(model)
    callback.on_train_begin()
    last = None
    for epoch, loss in enumerate(losses):
        model.epoch = last = epoch
        callback.on_epoch_begin(epoch)
        callback.on_epoch_end(epoch, {key: loss})
        if model.stop_training:
            break
    callback.on_train_end()
    return last, model


@pytest.mark.parametrize("losses,patience,stop", [
    ([1.0, 0.8, 0.9, 0.85, 0.7, 0.75], 2, 3),  # no improvement at epochs 2 and 3
    ([1.0, 0.9, 0.8, 0.7], 1, 3),  # never stops early
    ([1.0, 1.0, 1.0], 0, 1),  # patience 0: the first epoch without improvement
])
def test_early_stopping_stops_at_the_right_epoch(losses, patience, stop):
    last, _ = run(callbacks.EarlyStopping(patience=patience), losses)
    assert last == stop


@pytest.mark.parametrize("losses,best", [([1.0, 0.5, 0.9, 0.95, 0.99], 1),
                                         ([3.0, 2.0, 1.0, 1.5], 2)])
def test_early_stopping_restores_the_best_weights_stopping_or_not(losses, best):
    _, model = run(callbacks.EarlyStopping(patience=2, restore_best_weights=True), losses)
    assert model.epoch == best


def test_checkpoint_keeps_the_best_epoch_only_when_asked():
    _, model = run(callbacks.ModelCheckpoint("w-{epoch}.bin", save_best_only=True),
                   [1.0, 0.6, 0.8, 0.5, 0.7])
    assert model.saved == [("w-1.bin", 0), ("w-2.bin", 1), ("w-4.bin", 3)]
    _, model = run(callbacks.ModelCheckpoint("w.bin"), [1.0, 2.0])
    assert len(model.saved) == 2


def test_reduce_lr_on_plateau_and_scheduler_change_the_learning_rate():
    _, model = run(callbacks.ReduceLROnPlateau(factor=0.5, patience=2), [1.0, 1.0, 1.0, 1.0,
                                                                         1.0])
    assert model.optimizer.learning_rate == 0.25
    _, model = run(callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.1), [1.0, 1.0])
    assert np.isclose(model.optimizer.learning_rate, 0.01)


def test_fit_runs_callbacks_and_the_checkpoint_holds_the_best_weights(tmp_path):
    cr.manual_seed(0)
    model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
    x = np.random.default_rng(0).random((40, 2))
    y = x @ np.array([2.0, -1.0]) + 0.5
    best = tmp_path / "best.weights"
    history = model.fit(x, y, epochs=8, verbose=0, validation_split=0.25, callbacks=[
        callbacks.ModelCheckpoint(best, save_best_only=True),
        callbacks.CSVLogger(tmp_path / "log.csv"),
        callbacks.EarlyStopping(patience=1, restore_best_weights=True)])
    rows = (tmp_path / "log.csv").read_text().strip().splitlines()
    assert rows[0] == "epoch,loss,val_loss" and len(rows) == len(history.epoch) + 1
    restored = model.get_weights()
    model.load_weights(best)
    for loaded, kept in zip(model.get_weights(), restored):
        np.testing.assert_array_equal(loaded, kept)


def test_terminate_on_nan_stops_training():
    model = keras.Sequential([layers.Dense(1, input_shape=(1,))])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e30), loss="mse")
    x = np.full((64, 1), 1e20)
    with np.errstate(all="ignore"):  # the overflow is the point
        history = model.fit(x, x, epochs=5, batch_size=8, verbose=0,
                            callbacks=[callbacks.TerminateOnNaN()])
    assert len(history.epoch) == 1
