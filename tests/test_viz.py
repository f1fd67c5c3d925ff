"""viz.graph: the DOT text of a real graph, and a picture drawn by Graphviz."""

from __future__ import annotations

import shutil

import pytest

import chainrule as cr
from chainrule import nn, viz


def test_graph_names_ops_shapes_and_parameters():
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    loss = model(cr.randn(5, 3)).pow(2).mean()
    dot = viz.graph(loss, params=model).source
    assert dot.startswith("digraph chainrule {") and dot.rstrip().endswith("}")
    for text in ('label="Linear\\n(5, 4)"', 'label="ReLU\\n(5, 4)"', 'label="Mean\\n()"',
                 'label="0.weight\\n(4, 3)"', 'label="2.bias\\n(2,)"'):
        assert text in dot, text
    assert dot.count("->") == 9  # 6 parameters into 2 Linears, ReLU, Pow, Mean, output
    loss.backward()
    with pytest.raises(RuntimeError, match="backward"):
        viz.graph(loss)


def test_render_writes_an_image_with_graphviz(tmp_path):
    x = cr.randn(2, requires_grad=True)
    graph = viz.graph((x * 2).sum(), params={"x": x})
    (tmp_path / "g.dot").write_text("")
    assert graph.render(tmp_path / "g.dot").read_text() == graph.source
    assert shutil.which("dot"), "Graphviz's dot is needed (make test installs it)"
    png = graph.render(tmp_path / "g.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 500
    svg = graph.render(tmp_path / "g.svg").read_text()
    assert "<svg" in svg and "Mul" in svg
