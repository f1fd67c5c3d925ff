"""The benchmarks still run (tiny settings, nothing written); their timings are not tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize("script,expected", [
    ("bench_ops.py", "a * b"),
    ("bench_mlp.py", "regression 1-10-1"),
    ("bench_cnn.py", "chainrule / pytorch"),
    ("bench_rnn.py", "LSTM 28-128"),
    ("bench_keras.py", "throughput relative to chainrule.nn"),
    ("bench_diagnostics.py", "monitored"),
    ("bench_distributed.py", "allreduce/step"),
])
def test_benchmark_runs_and_prints_its_table(script, expected):
    out = subprocess.run([sys.executable, str(BENCH / script), "--quick"], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert expected in out.stdout and "chainrule" in out.stdout
    assert "wrote" not in out.stdout
