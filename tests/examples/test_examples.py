"""The example programs run, on tiny settings, and show what they are about.

Their full runs (accuracy, samples) are reported in the README, not asserted here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_char_lm_learns_something_and_generates_text(capsys):
    loss = load("char_lm").main(["--steps", "30", "--sample-every", "30", "--seq-len", "24"])
    output = capsys.readouterr().out
    assert loss < np.log(76) - 0.5  # below the uniform guess over the corpus's characters
    assert "step 30: loss" in output and "'The " in output


def test_transformer_learns_to_reverse_on_a_short_run(capsys):
    accuracy = load("transformer_reverse").main(["--steps", "120"])
    assert accuracy > 0.5, accuracy  # chance is 1/12
    assert "final token accuracy" in capsys.readouterr().out


def test_clipping_tames_the_exploding_rnn(capsys):
    results = load("exploding_gradients").main(["--steps", "60"])
    unclipped, clipped = results.values()
    norms = [n for _, n in unclipped]
    assert not np.all(np.isfinite(norms)) or max(norms) > 1e6
    assert all(np.isfinite(loss) for loss, _ in clipped)
    assert "without clipping" in capsys.readouterr().out


def test_keras_cnn_example_trains_a_little(capsys):
    accuracy = load("keras_cnn").main(["--epochs", "1", "--limit", "1200", "--batch-size", "64"])
    assert accuracy > 0.5, accuracy
    assert "Total params: 422,026" in capsys.readouterr().out


def test_graph_networks_classify_the_karate_club_from_two_labels(tmp_path, capsys):
    result = load("graph_networks").main(["--sbm-nodes", "400", "--out", str(tmp_path)])
    assert result["karate_gcn"] >= 0.9 and result["karate_gat"] >= 0.8
    assert result["sbm_gcn"] > result["sbm_mlp"] + 0.2  # the graph carries the labels
    picture = (tmp_path / "karate_gcn.png").read_bytes()
    assert picture[:8] == b"\x89PNG\r\n\x1a\n" and len(picture) > 5000
    assert "GCN" in capsys.readouterr().out
