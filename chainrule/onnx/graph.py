"""`Graph`: what the exporter and a module's own `onnx_export` build ONNX nodes with.

Values are named by strings; `node` adds a node and returns its output name (or names),
`constant` turns a tensor or array into an initializer, `module` converts a whole module.
"""

from __future__ import annotations

import numpy as np

_ONNX_TYPES = {np.dtype(np.float32): 1, np.dtype(np.float64): 11, np.dtype(np.int64): 7,
               np.dtype(np.int32): 6, np.dtype(np.uint8): 2, np.dtype(np.bool_): 9}


class Graph:
    converters: dict = {}  # module type -> converter(graph, module, *inputs), set by export

    def __init__(self, opset_version: int = 17) -> None:
        self.opset_version = opset_version
        self.nodes, self.initializers, self.inputs, self.outputs = [], [], [], []
        self.count = 0

    def _name(self, hint: str) -> str:
        self.count += 1
        return f"{hint}_{self.count}"

    def constant(self, value, name: str | None = None) -> str:
        """An initializer holding `value` (a tensor or an array); returns its name."""
        from onnx import numpy_helper

        array = np.asarray(getattr(value, "_data", value))
        if array.dtype.kind == "i":
            array = array.astype(np.int64)
        name = name or self._name("const")
        self.initializers.append(numpy_helper.from_array(np.array(array, order="C"), name))
        return name

    def node(self, op_type: str, inputs: list[str], n_outputs: int = 1, **attributes):
        """Add a node; returns its output's name, or a list of names if n_outputs > 1."""
        from onnx import helper

        outputs = [self._name(op_type.lower()) for _ in range(n_outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, outputs, **attributes))
        return outputs[0] if n_outputs == 1 else outputs

    def module(self, module, *inputs):
        """The outputs of `module` applied to `inputs`, as ONNX nodes."""
        own = getattr(module, "onnx_export", None)
        if own is not None:
            return own(self, *inputs)
        for kind in type(module).__mro__:
            if kind in self.converters:
                return self.converters[kind](self, module, *inputs)
        raise NotImplementedError(
            f"ONNX export does not know {type(module).__name__}; supported: "
            f"{', '.join(sorted(t.__name__ for t in self.converters))}, or give the module a "
            f"method onnx_export(self, graph, *inputs) that builds its nodes")

    def _value_info(self, name: str, example, dynamic_batch: bool):
        from onnx import helper

        array = np.asarray(getattr(example, "_data", example))
        shape = ["batch" if dynamic_batch and i == 0 else n for i, n in enumerate(array.shape)]
        return helper.make_tensor_value_info(name, _ONNX_TYPES[array.dtype], shape)

    def input(self, name: str, example, dynamic_batch: bool) -> str:
        self.inputs.append(self._value_info(name, example, dynamic_batch))
        return name

    def output(self, value: str, name: str, example, dynamic_batch: bool) -> None:
        self.nodes.append(_identity(value, name))
        self.outputs.append(self._value_info(name, example, dynamic_batch))

    def proto(self, producer: str):
        from onnx import helper

        graph = helper.make_graph(self.nodes, "chainrule", self.inputs, self.outputs,
                                  self.initializers)
        return helper.make_model(graph, producer_name=producer,
                                 opset_imports=[helper.make_opsetid("", self.opset_version)])


def _identity(source: str, target: str):
    from onnx import helper

    return helper.make_node("Identity", [source], [target])
