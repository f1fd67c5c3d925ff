"""Keras's functional API: `Input` placeholders, layers called on them, and `Model`.

Calling a layer on a `KerasTensor` (a placeholder with a shape) computes nothing: it
records the call and returns a new placeholder. `Model(inputs, outputs)` keeps that
record and replays it on real tensors, in the order the calls were made, so models
with several inputs, branches and merges work like `Sequential` ones.
"""

from __future__ import annotations

from .layer import KerasTensor
from .models import Sequential


def Input(shape, batch_size: int | None = None, name: str | None = None) -> KerasTensor:  # noqa: N802
    """A model input of per-sample `shape` (Keras's `keras.Input`)."""
    return KerasTensor((batch_size,) + tuple(shape))


class Model(Sequential):
    """A model from input placeholders to output placeholders.

    Example:
        >>> a, b = keras.Input((4,)), keras.Input((3,))
        >>> joined = layers.Concatenate()([layers.Dense(8)(a), b])
        >>> model = keras.Model([a, b], layers.Dense(1)(joined))
    """

    def __init__(self, inputs, outputs, name: str | None = None) -> None:
        super().__init__(name=name or "functional")
        self.model_inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        self.model_outputs = outputs
        self.steps = _calls_in_order(outputs)
        seen: list = []
        for step in self.steps:
            if all(step.layer is not layer for layer in seen):
                seen.append(step.layer)
        for layer in seen:
            self.add_module(str(len(self.layers)), layer)
            self.layers.append(layer)
        self.built = True

    def forward(self, *inputs):
        if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):
            inputs = tuple(inputs[0])
        if len(inputs) != len(self.model_inputs):
            raise ValueError(f"this model takes {len(self.model_inputs)} inputs, got "
                             f"{len(inputs)}")
        values = {id(p): x for p, x in zip(self.model_inputs, inputs)}
        for step in self.steps:
            args = [values[id(p)] for p in step.inputs]
            values[id(step)] = step.layer(args if step.layer.takes_list else args[0])
        outputs = self.model_outputs
        if isinstance(outputs, (list, tuple)):
            return [values[id(o)] for o in outputs]
        return values[id(outputs)]

    def summary(self, print_fn=print) -> None:
        lines = [f'Model: "{self.name}"']
        for step in self.steps:
            count = sum(p.numel() for p in step.layer.parameters())
            lines.append(f"{step.layer.name} ({type(step.layer).__name__})  {step.shape}  "
                         f"{count:,}")
        total = sum(p.numel() for p in self.parameters())
        lines.append(f"Total params: {total:,}")
        print_fn("\n".join(lines))


def _calls_in_order(outputs) -> list[KerasTensor]:
    """Every recorded call leading to `outputs`, each after the calls it depends on."""
    order, seen = [], set()
    stack = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    pending = [(node, False) for node in reversed(stack)]
    while pending:
        node, ready = pending.pop()
        if id(node) in seen or node.layer is None:
            continue
        if ready:
            seen.add(id(node))
            order.append(node)
            continue
        pending.append((node, True))
        pending.extend((parent, False) for parent in node.inputs if id(parent) not in seen)
    return order
