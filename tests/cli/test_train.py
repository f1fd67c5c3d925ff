"""`chainrule train` on a small subset: it learns, writes its outputs, survives Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

import chainrule as cr
from chainrule.cli.main import main

# These tests read the real Fashion-MNIST files; `make test` installs them first.


def test_quick_run_learns_and_writes_metrics_weights_and_curves(tmp_path):
    code = main(["train", "--epochs", "2", "--train-size", "3000", "--test-size", "1000",
                 "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert len(metrics["epochs"]) == 2 and not metrics["interrupted"]
    assert metrics["test_accuracy"] > 0.7, metrics["test_accuracy"]
    assert (tmp_path / "curves.png").stat().st_size > 1000
    state = cr.load(tmp_path / "weights.safetensors")
    assert state["1.weight"].shape == (256, 784)


def test_watch_gradients_writes_a_report_and_the_gradient_flow_picture(tmp_path, capsys):
    code = main(["train", "--epochs", "1", "--train-size", "1280", "--test-size", "200",
                 "--out", str(tmp_path), "--no-progress", "--watch-gradients"])
    assert code == 0
    out = capsys.readouterr().out
    assert "[1] (Linear)" in out and "update/weight" in out and "10 steps" in out
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["gradient_findings"] == []  # the default recipe is healthy
    assert (tmp_path / "gradient_flow.png").read_bytes()[:4] == b"\x89PNG"


def test_nan_policy_stop_diagnoses_the_op_and_ends_the_run(tmp_path, capsys):
    code = main(["train", "--epochs", "2", "--train-size", "640", "--test-size", "100",
                 "--optimizer", "sgd", "--lr", "1e20", "--nan-policy", "stop",
                 "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    captured = capsys.readouterr()
    assert "anomaly detected" in captured.err and "likely cause" in captured.err
    assert "stopping training" in captured.err and "stopped: the NaN policy" in captured.out
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert len(metrics["epochs"]) == 1 and metrics["epochs"][0]["stopped"]


def test_bad_arguments_are_explained(capsys):
    with pytest.raises(SystemExit, match="--epochs must be positive, got 0"):
        main(["train", "--epochs", "0"])


def test_ctrl_c_saves_what_was_trained(tmp_path):
    command = [sys.executable, "-m", "chainrule.cli.main", "train", "--epochs", "500",
               "--train-size", "1000", "--test-size", "200", "--out", str(tmp_path),
               "--no-progress"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # A suite started in the background inherits Ctrl-C ignored, and so would the command,
    # which then never sees the interrupt: give it the terminal's default back.
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("epoch 1/"):
            proc.send_signal(signal.SIGINT)
            break
    out, _ = proc.communicate(timeout=120)
    output = "".join(lines) + out
    assert proc.returncode == 130, output
    assert "interrupted: saving the model trained so far" in output
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["interrupted"] and 1 <= len(metrics["epochs"]) < 500
    assert (tmp_path / "weights.safetensors").exists()


def test_cnn_model_trains_on_a_small_subset(tmp_path):
    code = main(["train", "--model", "cnn", "--epochs", "1", "--train-size", "1024",
                 "--test-size", "500", "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["test_accuracy"] > 0.5, metrics["test_accuracy"]
    state = cr.load(tmp_path / "weights.safetensors")
    assert state["0.weight"].shape == (32, 1, 3, 3) and "1.running_mean" in state


@pytest.mark.parametrize("model", ["lstm", "gru"])
def test_row_sequence_models_train_on_a_small_subset(tmp_path, model):
    code = main(["train", "--model", model, "--epochs", "1", "--train-size", "3000",
                 "--test-size", "500", "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["test_accuracy"] > 0.3, metrics["test_accuracy"]  # chance is 0.1
    state = cr.load(tmp_path / "weights.safetensors")
    gates = 4 if model == "lstm" else 3
    assert state["rnn.weight_hh_l0"].shape == (gates * 128, 128)
