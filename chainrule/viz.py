"""`chainrule.viz.graph`: the computation graph behind a tensor, as Graphviz DOT.

Each op node is drawn with its name and output shape; leaves are drawn as boxes, named
by their module path when the model's parameters are given; the arrows run the way
backpropagation runs, from the output to the leaves. Draw it before `backward()` frees
the graph (or call backward with `retain_graph=True`).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .autograd.function import RELEASED_GRAPH_MESSAGE
from .tensor import Tensor


class Graph:
    """A DOT description of a graph; `source` is the text, `render` draws it."""

    def __init__(self, source: str) -> None:
        self.source = source

    def __str__(self) -> str:
        return self.source

    def _repr_svg_(self) -> str | None:  # drawn inline in notebooks when Graphviz exists
        return self.pipe("svg").decode() if shutil.which("dot") else None

    def pipe(self, format: str = "svg") -> bytes:
        """The picture's bytes, drawn by Graphviz's `dot` program."""
        dot = shutil.which("dot")
        if dot is None:
            raise RuntimeError("drawing the graph needs Graphviz's `dot` program: install it "
                               "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
                               "graphviz), or use `.source`, the DOT text, elsewhere")
        done = subprocess.run([dot, f"-T{format}"], input=self.source.encode(),
                              capture_output=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace')}")
        return done.stdout

    def render(self, path) -> Path:
        """Write the picture; the format comes from the suffix (.svg, .png, .pdf, .dot)."""
        path = Path(path)
        format = path.suffix.lstrip(".").lower() or "svg"
        if format in ("dot", "gv"):
            path.write_text(self.source)
        else:
            path.write_bytes(self.pipe(format))
        return path


def graph(tensor: Tensor, params=None) -> Graph:
    """The graph that backpropagation from `tensor` would walk.

    Args:
        tensor: an output (usually the loss).
        params: names of leaves, e.g. `dict(model.named_parameters())`, or a module.
    """
    if hasattr(params, "named_parameters"):
        params = dict(params.named_parameters())
    names = {id(p): n for n, p in (params or {}).items()}
    lines = ["digraph chainrule {", '  rankdir="BT";',
             '  node [fontname="Helvetica", fontsize=10, style=filled];']
    ids: dict = {}  # what is drawn (a key) -> its DOT id

    def node_id(key, label: str, shape: str, color: str) -> str:
        if key not in ids:
            ids[key] = f"n{len(ids)}"
            lines.append(f'  {ids[key]} [label="{label}", shape={shape}, '
                         f'fillcolor="{color}"];')
        return ids[key]

    def leaf_id(t) -> str:
        name = names.get(id(t), "")
        label = (f"{name}\\n" if name else "") + _shape(t)
        return node_id(id(t), label, "box", "lightblue" if name else "lightgrey")

    entries: dict[int, dict] = {}  # op -> the drawn node each of its inputs goes into
    exits: dict[int, str] = {}  # op -> the drawn node its output comes out of

    def op_id(node, produced) -> str:
        """Draw op `node`, a fused one as the layers inside it (its `parts()`, NOTE
        [ Dense chains ] in ops/dense_chain.py); the id its output comes out of."""
        if id(node) in exits:
            return exits[id(node)]
        if node.inputs is None:
            raise RuntimeError(RELEASED_GRAPH_MESSAGE)
        parts = node.parts() if hasattr(node, "parts") else \
            [(node.name, tuple(produced.shape), None)]
        entry, previous = {}, None
        for k, (name, shape, reads) in enumerate(parts):
            here = node_id((id(node), k), f"{name}\\n{shape}", "ellipse", "white")
            if previous is not None:
                lines.append(f"  {previous} -> {here};")
            for position in (range(len(node.inputs)) if reads is None else reads):
                entry[position] = here
            previous = here
        entries[id(node)], exits[id(node)] = entry, previous
        return previous

    root = tensor.grad_fn
    if root is None:
        leaf_id(tensor)
    else:
        out = op_id(root, tensor)
        lines.append(f'  {out} -> {node_id(id(tensor), "output", "plaintext", "white")};')
        stack, seen = [root], {id(root)}
        while stack:
            node = stack.pop()
            entry = entries[id(node)]
            for position, t in enumerate(node.inputs):
                if not isinstance(t, Tensor) or not t.requires_grad:
                    continue
                here = entry[position]
                parent = t.grad_fn
                if parent is None:
                    lines.append(f"  {leaf_id(t)} -> {here};")
                    continue
                lines.append(f"  {op_id(parent, t)} -> {here};")
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append(parent)
    lines.append("}")
    return Graph("\n".join(lines))


def _shape(t) -> str:
    return str(tuple(t.shape))
