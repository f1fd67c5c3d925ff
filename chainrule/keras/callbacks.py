"""Keras's callbacks: code that `fit` calls at the start and end of training, of each
epoch and of each batch, with the logs (loss, metrics) so far.

A callback reaches the model through `self.model`; setting `model.stop_training`
ends `fit` after the current epoch.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path


class Callback:
    """Base class: override the hooks you need."""

    model = None

    def set_model(self, model) -> None:
        self.model = model

    def on_train_begin(self, logs=None) -> None: ...

    def on_train_end(self, logs=None) -> None: ...

    def on_epoch_begin(self, epoch: int, logs=None) -> None: ...

    def on_epoch_end(self, epoch: int, logs=None) -> None: ...

    def on_train_batch_begin(self, batch: int, logs=None) -> None: ...

    def on_train_batch_end(self, batch: int, logs=None) -> None: ...


class _Monitor(Callback):
    """Shared by the callbacks that watch one logged value for improvement."""

    def __init__(self, monitor: str, mode: str, min_delta: float) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        self.monitor, self.mode, self.min_delta = monitor, mode, abs(min_delta)

    def improves(self, current: float, reference: float | None) -> bool:
        if reference is None:
            return True
        if self.mode == "min":
            return current < reference - self.min_delta
        return current > reference + self.min_delta

    def value(self, logs) -> float | None:
        return None if not logs or self.monitor not in logs else float(logs[self.monitor])


class EarlyStopping(_Monitor):
    """Stop when `monitor` has not improved for `patience` epochs; with
    restore_best_weights, end with the weights of the best epoch (also when training
    ends without stopping early)."""

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline=None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0) -> None:
        super().__init__(monitor, mode, min_delta)
        self.patience, self.baseline = patience, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch

    def on_train_begin(self, logs=None) -> None:
        self.wait, self.stopped_epoch, self.best, self.best_epoch = 0, 0, None, 0
        self.best_weights = None

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        current = self.value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        self.wait += 1
        if self.improves(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self.improves(current, self.baseline):
                self.wait = 0
                return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(_Monitor):
    """Save the weights after each epoch to `filepath` (which may contain {epoch} and
    logged names), or only when `monitor` improved, with save_best_only."""

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = True,
                 mode: str = "auto") -> None:
        super().__init__(monitor, mode, 0.0)
        self.filepath, self.save_best_only = str(filepath), save_best_only
        self.best = None

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            current = self.value(logs)
            if current is None or not self.improves(current, self.best):
                return
            self.best = current
        self.model.save_weights(path)


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by `factor` when `monitor` has not improved for
    `patience` epochs, then wait `cooldown` epochs; never below min_lr."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0) -> None:
        super().__init__(monitor, mode, min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0, got {factor}")
        self.factor, self.patience, self.cooldown, self.min_lr = factor, patience, cooldown, \
            min_lr
        self.best, self.wait, self.cooldown_counter = None, 0, 0

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        current = self.value(logs)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.improves(current, self.best):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                lr = self.model.optimizer.learning_rate
                if lr > self.min_lr:
                    self.model.optimizer.learning_rate = max(lr * self.factor, self.min_lr)
                    self.cooldown_counter, self.wait = self.cooldown, 0


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch's start to schedule(epoch, lr)."""

    def __init__(self, schedule, verbose: int = 0) -> None:
        self.schedule = schedule

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        optimizer = self.model.optimizer
        optimizer.learning_rate = float(self.schedule(epoch, optimizer.learning_rate))


class CSVLogger(Callback):
    """Write one row per epoch (epoch and every logged value) to a CSV file."""

    def __init__(self, filename, separator: str = ",", append: bool = False) -> None:
        self.filename, self.separator, self.append = Path(filename), separator, append

    def on_train_begin(self, logs=None) -> None:
        self.keys = None
        if not self.append:
            self.filename.write_text("")

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        logs = logs or {}
        with self.filename.open("a", newline="") as f:
            writer = csv.writer(f, delimiter=self.separator)
            if self.keys is None:
                self.keys = sorted(logs)
                if f.tell() == 0:
                    writer.writerow(["epoch", *self.keys])
            writer.writerow([epoch, *(logs.get(k, "NA") for k in self.keys)])


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite."""

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
