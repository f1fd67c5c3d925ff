"""`export`: a model to a standard ONNX file, layer by layer.

Each supported module becomes the ONNX nodes that compute the same function in
inference mode (`CONVERTERS`: Linear, Conv2d, BatchNorm, pooling, Flatten, activations,
Dropout as identity, LSTM/GRU/RNN with their gates reordered to ONNX's, Sequential as a
chain). A module of one's own is exported by giving it a method
`onnx_export(self, graph, *inputs)` that builds its nodes with `graph` (see
`cli/models.py`'s row-sequence classifier). The batch axis stays dynamic.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .graph import Graph


def _pair(value) -> list[int]:
    return list(value) if isinstance(value, (tuple, list)) else [value, value]


def _linear(g: Graph, m, x):
    inputs = [x, g.constant(m.weight)] + ([g.constant(m.bias)] if m.bias is not None else [])
    return g.node("Gemm", inputs, transB=1)


def _conv(g: Graph, m, x):
    if isinstance(m.padding, str):
        raise NotImplementedError(f"ONNX export of padding={m.padding!r}: give numbers")
    pads = _pair(m.padding)
    inputs = [x, g.constant(m.weight)] + ([g.constant(m.bias)] if m.bias is not None else [])
    return g.node("Conv", inputs, kernel_shape=list(m.weight.shape[2:]),
                  strides=_pair(m.stride), pads=pads + pads, dilations=_pair(m.dilation),
                  group=m.groups)


def _batch_norm(g: Graph, m, x):
    if m.running_mean is None:
        raise NotImplementedError("ONNX export of BatchNorm without running statistics")
    n = m.num_features
    scale = m.weight if m.affine else Tensor._wrap(np.ones(n, np.float32))
    shift = m.bias if m.affine else Tensor._wrap(np.zeros(n, np.float32))
    return g.node("BatchNormalization", [x, g.constant(scale), g.constant(shift),
                                         g.constant(m.running_mean),
                                         g.constant(m.running_var)], epsilon=m.eps)


def _pool(op: str):
    def convert(g: Graph, m, x):
        if getattr(m, "ceil_mode", False) or getattr(m, "return_indices", False):
            raise NotImplementedError(f"ONNX export of {type(m).__name__} with ceil_mode or "
                                      f"return_indices")
        pads = _pair(m.padding)
        extra = {"dilations": _pair(m.dilation)} if hasattr(m, "dilation") else \
            {"count_include_pad": int(m.count_include_pad)}
        return g.node(op, [x], kernel_shape=_pair(m.kernel_size), strides=_pair(m.stride),
                      pads=pads + pads, **extra)
    return convert


def _flatten(g: Graph, m, x):
    if m.end_dim != -1:
        raise NotImplementedError("ONNX export of Flatten with end_dim other than -1")
    return g.node("Flatten", [x], axis=m.start_dim)


def _sequential(g: Graph, m, x):
    for child in m:
        x = g.module(child, x)
    return x


# PyTorch's gate blocks in the order ONNX wants them (ONNX: LSTM i,o,f,c; GRU z,r,h)
_GATES = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}


def _recurrent(g: Graph, m, x):
    """(output, h_n) or (output, (h_n, c_n)) of an nn.RNN/LSTM/GRU, from x alone."""
    op = {"LSTM": "LSTM", "GRU": "GRU"}.get(m.mode, "RNN")
    directions = 2 if m.bidirectional else 1
    hidden = m.hidden_size
    sequence = g.node("Transpose", [x], perm=[1, 0, 2]) if m.batch_first else x  # (T, N, I)
    finals_h, finals_c = [], []
    for layer in range(m.num_layers):
        w, r, b = [], [], []
        for suffix in ["", "_reverse"][:directions]:
            def blocks(name, layer=layer, suffix=suffix):
                value = getattr(m, f"{name}_l{layer}{suffix}", None)
                if value is None:
                    return None
                parts = np.split(value.detach().numpy(), len(_GATES[m.mode]))
                return np.concatenate([parts[k] for k in _GATES[m.mode]])
            w.append(blocks("weight_ih"))
            r.append(blocks("weight_hh"))
            bias = [blocks("bias_ih"), blocks("bias_hh")]
            b.append(np.concatenate(bias) if bias[0] is not None else
                     np.zeros(2 * w[-1].shape[0], np.float32))
        attributes = {"hidden_size": hidden,
                      "direction": "bidirectional" if directions == 2 else "forward"}
        if op == "GRU":
            attributes["linear_before_reset"] = 1  # PyTorch's GRU
        if op == "RNN":
            attributes["activations"] = ["Tanh" if m.mode == "RNN_TANH" else "Relu"] * directions
        outputs = g.node(op, [sequence, g.constant(np.stack(w)), g.constant(np.stack(r)),
                              g.constant(np.stack(b))],
                         n_outputs=3 if op == "LSTM" else 2, **attributes)
        y = outputs[0]  # (T, directions, N, H) -> (T, N, directions·H)
        y = g.node("Transpose", [y], perm=[0, 2, 1, 3])
        sequence = g.node("Reshape", [y, g.constant(np.array([0, 0, directions * hidden]))])
        finals_h.append(outputs[1])
        if op == "LSTM":
            finals_c.append(outputs[2])
    output = g.node("Transpose", [sequence], perm=[1, 0, 2]) if m.batch_first else sequence
    h_n = finals_h[0] if len(finals_h) == 1 else g.node("Concat", finals_h, axis=0)
    if op != "LSTM":
        return output, h_n
    c_n = finals_c[0] if len(finals_c) == 1 else g.node("Concat", finals_c, axis=0)
    return output, (h_n, c_n)


def _unary(op: str, **attributes):
    return lambda g, m, x: g.node(op, [x], **attributes)


CONVERTERS = {
    nn.Sequential: _sequential, nn.Linear: _linear, nn.Conv2d: _conv,
    nn.BatchNorm1d: _batch_norm, nn.BatchNorm2d: _batch_norm,
    nn.MaxPool2d: _pool("MaxPool"), nn.AvgPool2d: _pool("AveragePool"),
    nn.Flatten: _flatten, nn.Identity: _unary("Identity"), nn.Dropout: _unary("Identity"),
    nn.ReLU: _unary("Relu"), nn.Sigmoid: _unary("Sigmoid"), nn.Tanh: _unary("Tanh"),
    nn.LSTM: _recurrent, nn.GRU: _recurrent, nn.RNN: _recurrent,
    nn.LeakyReLU: lambda g, m, x: g.node("LeakyRelu", [x], alpha=m.negative_slope),
    nn.Softmax: lambda g, m, x: g.node("Softmax", [x], axis=m.dim if m.dim is not None else -1),
}


def export(model, example_input, path, input_names=("input",), output_names=("output",),
           dynamic_batch: bool = True, opset_version: int = 17) -> None:
    """Write `model` (in eval mode) to `path` as an ONNX file.

    Args:
        model: a module made of supported layers (see `CONVERTERS`), or with its own
            `onnx_export(graph, *inputs)`.
        example_input: a tensor of the input's shape and dtype (its batch size does not
            matter with `dynamic_batch`).
        input_names, output_names: the graph's input and output names.
        dynamic_batch: let the first axis of input and output take any size.
    """
    import onnx

    if isinstance(input_names, str):
        input_names = (input_names,)
    if isinstance(output_names, str):
        output_names = (output_names,)
    example = example_input if isinstance(example_input, Tensor) else \
        Tensor._wrap(np.asarray(example_input))
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            expected = model(example)
        graph = Graph(opset_version)
        output = graph.module(model, graph.input(input_names[0], example, dynamic_batch))
        graph.output(output, output_names[0], expected, dynamic_batch)
        onnx.checker.check_model(graph.proto("chainrule"))
        onnx.save(graph.proto("chainrule"), str(path))
    finally:
        model.train(was_training)


Graph.converters = CONVERTERS
