"""`Sequential`: Keras's model of stacked layers, with compile / fit / evaluate / predict.

It is an nn.Module; `fit` runs the same loop a chainrule user writes by hand (forward,
loss, backward, optimizer step) over shuffled batches, and prints Keras's per-epoch
progress line.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from ..autograd.grad_mode import no_grad
from ..io import load, save
from ..nn.module import Module
from ..random import numpy_generator
from ..tensor import Tensor
from ..utils.nan_policy import NaNPolicy
from . import losses as losses_module
from . import optimizers as optimizers_module
from .fusion import conv_blocks
from .layer import Layer


class History:
    """What `fit` returns: `history[name]` is the list of per-epoch values."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def record(self, epoch: int, logs: dict) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)


def _accuracy(loss, y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Keras's 'accuracy': sparse, categorical or binary, as the loss implies."""
    if isinstance(loss, losses_module.SparseCategoricalCrossentropy):
        return float(np.mean(y_pred.argmax(-1) == y_true.reshape(y_pred.shape[:-1])))
    if isinstance(loss, losses_module.CategoricalCrossentropy):
        return float(np.mean(y_pred.argmax(-1) == y_true.argmax(-1)))
    threshold = 0.0 if getattr(loss, "from_logits", False) else 0.5
    return float(np.mean((y_pred > threshold) == (y_true.reshape(y_pred.shape) > 0.5)))


class Sequential(Layer):
    """Layers applied in order.

    Args:
        layers: the layers (more can be added with `add`); give the first one
            `input_shape=` to build the model at once.
    """

    def __init__(self, layers=None, name: str | None = None) -> None:
        super().__init__(name=name)
        self.layers: list = []
        for layer in layers or []:
            self.add(layer)
        self.optimizer = self.loss = self._nan_policy = None
        self.metrics_names: list[str] = []

    def add(self, layer: Module) -> None:
        self.add_module(str(len(self.layers)), layer)
        self.layers.append(layer)
        first_shape = getattr(self.layers[0], "input_shape", None)
        if first_shape is not None:
            self.build(first_shape)

    def build(self, input_shape: tuple) -> None:
        shape = tuple(1 if n is None else n for n in input_shape)
        with no_grad():
            self.forward(Tensor._wrap(np.zeros(shape, dtype=np.float32)))
        self.built = True

    def forward(self, inputs):
        x, k = inputs, 0
        while k < len(self.layers):
            fused = conv_blocks(self.layers[k:], x)  # keras/fusion.py
            if fused is not None:
                x, used = fused
                k += used
                continue
            x = self.layers[k](x)
            k += 1
        return x

    @property
    def trainable_variables(self) -> list:
        return [p for p in self.parameters() if p.requires_grad]

    @property
    def weights(self) -> list:
        return list(self.parameters())

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every parameter and buffer, in order."""
        return [t.detach().numpy().copy() for t in self.state_dict().values()]

    def set_weights(self, weights: list) -> None:
        state = self.state_dict()
        if len(weights) != len(state):
            raise ValueError(f"set_weights expects {len(state)} arrays, got {len(weights)}")
        self.load_state_dict(dict(zip(state, weights)))

    def save_weights(self, filepath) -> None:
        """Save the weights with chainrule.save (no pickle: loading runs no code)."""
        save(self.state_dict(), filepath)

    def load_weights(self, filepath) -> None:
        self.load_state_dict(load(filepath))

    # -- training -------------------------------------------------------------------------

    def compile(self, optimizer="rmsprop", loss=None, metrics=None) -> None:
        """Choose the optimizer, the loss and the metrics (names or objects)."""
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = losses_module.get(loss)
        self.metrics_names = ["accuracy" if m in ("accuracy", "acc") else m
                              for m in (metrics or [])]
        unknown = [m for m in self.metrics_names if m != "accuracy"]
        if unknown:
            raise ValueError(f"unknown metrics {unknown}; 'accuracy' is supported")
        # found once here, not by walking every module on every batch
        self._regularized = [m for m in self.modules()
                             if getattr(m, "kernel_regularizer", None) is not None]

    def _loss(self, y, predictions):
        loss = self.loss(y, predictions)
        for layer in self._regularized:
            loss = loss + layer.regularization_loss()
        return loss

    def _input_arrays(self, x) -> list[np.ndarray]:
        """The inputs as a list of arrays: one, or one per input of a functional Model
        with several (given as a list or tuple in the order of its inputs)."""
        count = len(getattr(self, "model_inputs", ())) or 1
        if count == 1:
            several = isinstance(x, (list, tuple)) and len(x) == 1 and \
                isinstance(x[0], (np.ndarray, Tensor))
            return [np.asarray(x[0] if several else x)]
        if isinstance(x, dict) or not isinstance(x, (list, tuple)) or len(x) != count:
            raise ValueError(f"this model takes {count} inputs: pass a list of {count} arrays "
                             f"in the order of its inputs")
        return [np.asarray(a) for a in x]

    def train_on_batch(self, x, y) -> float:
        inputs = [_as_tensor(a) for a in self._input_arrays(x)]
        if self.optimizer.inner is None:
            self.optimizer.build(self.trainable_variables)

        def forward_backward():
            predictions = self(*inputs)
            loss = self._loss(y, predictions)
            self.optimizer.inner.zero_grad()
            loss.backward()
            return loss, predictions

        loss, predictions = forward_backward()
        verdict = "ok" if self._nan_policy is None else \
            self._nan_policy.check(loss, forward_backward)
        if verdict == "ok":
            self.optimizer.step()
        elif verdict == "stop":
            self.stop_training = True
        return loss.item(), predictions.detach().numpy()

    def fit(self, x, y, batch_size: int = 32, epochs: int = 1, verbose="auto",
            callbacks=None, validation_split: float = 0.0, validation_data=None,
            shuffle: bool = True, initial_epoch: int = 0, nan_policy: str | None = None
            ) -> History:
        """Train for `epochs`; returns a History of the per-epoch loss and metrics.

        `nan_policy` (chainrule's addition): what to do when a step's loss or gradients
        are not finite: "raise", "stop", "skip_batch" or "rollback", each writing a
        diagnosis of the op that produced the value (chainrule.utils.nan_policy).
        """
        if self.loss is None:
            raise RuntimeError("You must call compile() before fit(), e.g. "
                               "model.compile(optimizer='adam', loss='mse')")
        if self.optimizer.inner is None:
            self.optimizer.build(self.trainable_variables)
        self._nan_policy = None if nan_policy is None else \
            NaNPolicy(nan_policy, self, self.optimizer.inner)
        x, y = self._input_arrays(x), np.asarray(y)
        count = _samples(x, y)
        if validation_split and validation_data is None:
            cut = int(count * (1 - validation_split))
            validation_data = ([a[cut:] for a in x], y[cut:])
            x, y, count = [a[:cut] for a in x], y[:cut], cut
        history, rng = History(), numpy_generator(None)
        show = verbose not in (0, False)
        steps = -(-count // batch_size)
        callbacks = list(callbacks or [])
        for callback in callbacks:
            callback.set_model(self)
            callback.on_train_begin()
        self.stop_training = False
        for epoch in range(initial_epoch, epochs):
            if self._nan_policy is not None:
                self._nan_policy.save_good_state()
            for callback in callbacks:
                callback.on_epoch_begin(epoch)
            if show:
                print(f"Epoch {epoch + 1}/{epochs}", flush=True)
            start = time.perf_counter()
            self.train()
            order = rng.permutation(count) if shuffle else np.arange(count)
            total, correct, seen = 0.0, 0.0, 0
            for batch, begin in enumerate(range(0, count, batch_size)):
                index = order[begin : begin + batch_size]
                for callback in callbacks:
                    callback.on_train_batch_begin(batch)
                loss, predictions = self.train_on_batch([a[index] for a in x], y[index])
                if self._nan_policy is not None and not math.isfinite(loss):
                    continue  # the policy dealt with this batch; it does not count
                total += loss * len(index)
                if self.metrics_names:
                    correct += _accuracy(self.loss, y[index], predictions) * len(index)
                seen += len(index)
                for callback in callbacks:
                    callback.on_train_batch_end(batch, {"loss": loss})
                if show:
                    _progress(batch + 1, steps, time.perf_counter() - start, total / seen)
                if self.stop_training:
                    break
            logs = {"loss": total / seen}
            if self.metrics_names:
                logs["accuracy"] = correct / seen
            if validation_data is not None:
                values = self.evaluate(*validation_data, batch_size=batch_size, verbose=0)
                values = values if isinstance(values, list) else [values]
                logs.update({f"val_{k}": v for k, v in zip(["loss", *self.metrics_names],
                                                           values)})
            history.record(epoch, logs)
            if show:
                seconds = time.perf_counter() - start
                text = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
                print(f"\r{steps}/{steps} - {seconds:.1f}s - {text}", file=sys.stdout,
                      flush=True)
            for callback in callbacks:
                callback.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for callback in callbacks:
            callback.on_train_end()
        self._nan_policy = None
        self.history = history
        return history

    def evaluate(self, x, y, batch_size: int = 32, verbose="auto"):
        """The loss (and metrics) on (x, y): a number, or [loss, metric, ...]."""
        self.eval()
        x, y = self._input_arrays(x), np.asarray(y)
        count = _samples(x, y)
        total, correct = 0.0, 0.0
        with no_grad():
            for begin in range(0, count, batch_size):
                yb = y[begin : begin + batch_size]
                predictions = self(*[_as_tensor(a[begin : begin + batch_size]) for a in x])
                total += self._loss(yb, predictions).item() * len(yb)
                if self.metrics_names:
                    correct += _accuracy(self.loss, yb, predictions.numpy()) * len(yb)
        self.train()
        if not self.metrics_names:
            return total / count
        return [total / count, correct / count]

    def predict(self, x, batch_size: int = 32, verbose="auto") -> np.ndarray:
        """The model's outputs for x, in batches, as a NumPy array."""
        self.eval()
        x = self._input_arrays(x)
        with no_grad():
            outputs = [self(*[_as_tensor(a[i : i + batch_size]) for a in x]).numpy()
                       for i in range(0, _samples(x), batch_size)]
        self.train()
        return np.concatenate(outputs)

    def summary(self, print_fn=print) -> None:
        """A table of the layers with their output shapes and parameter counts."""
        if not self.built:
            raise ValueError("This model has not yet been built: give the first layer "
                             "input_shape=, or call the model on data first")
        rows, shape = [], self.layers[0].input_shape or (None,)
        for layer in self.layers:
            shape = layer.compute_output_shape(shape) if isinstance(layer, Layer) else shape
            rows.append((f"{layer.name} ({type(layer).__name__})", str(shape),
                         f"{_count(layer.parameters()) + _count(_statistics(layer)):,}"))
        width = [max(len(r[i]) for r in rows + [("Layer (type)", "Output Shape", "Param #")])
                 for i in range(3)]
        line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, width))  # noqa: E731
        trainable = _count(self.trainable_variables)
        # Keras counts moving statistics (BatchNormalization's) as non-trainable weights
        total = _count(self.parameters()) + _count(_statistics(self))
        print_fn("\n".join([f'Model: "{self.name}"', line(("Layer (type)", "Output Shape",
                                                             "Param #"))]
                           + [line(r) for r in rows]
                           + [f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                              f"Non-trainable params: {total - trainable:,}"]))


def _progress(step: int, steps: int, seconds: float, loss: float) -> None:
    """Keras's running line: steps done, the estimated time left, the loss so far."""
    if step % max(steps // 20, 1) and step != steps:
        return
    eta = seconds / step * (steps - step)
    print(f"\r{step}/{steps} - ETA: {eta:.0f}s - loss: {loss:.4f}", end="", file=sys.stdout,
          flush=True)


def _count(tensors) -> int:
    return sum(t.numel() for t in tensors)


def _statistics(module: Module) -> list:
    """The floating-point buffers (moving means and variances) of a module."""
    return [b for b in module.buffers() if b.dtype.kind == "f"]


def _samples(x: list, y=None) -> int:
    """The number of samples, checked to agree between every input and the targets."""
    counts = {len(a) for a in x} | ({len(y)} if y is not None else set())
    if len(counts) != 1:
        raise ValueError(f"inputs and targets hold different numbers of samples: "
                         f"{[len(a) for a in x]} inputs, {None if y is None else len(y)} "
                         f"targets; every array needs one row per sample")
    return counts.pop()


def _as_tensor(x) -> Tensor:
    if isinstance(x, Tensor):
        return x
    array = np.asarray(x)
    return Tensor._wrap(array.astype(np.float32) if array.dtype == np.float64 else array)
