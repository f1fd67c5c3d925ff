"""The PyTorch-style example programs run with chainrule, and also with PyTorch when only
their import lines are changed: the test makes that change and runs both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .pytorch_rewrite import as_pytorch

FOLDER = Path(__file__).resolve().parents[2] / "examples" / "pytorch_style"

PROGRAMS = [
    ("mnist_cnn.py", ["--epochs", "1", "--limit", "600", "--batch-size", "100"], "test: average"),
    ("polynomial_regression.py", ["--steps", "500"], "result: y ="),
    ("reinforce.py", ["--episodes", "50"], "episode 50: mean return"),
    ("lbfgs_curve_fit.py", ["--steps", "3"], "fitted a ="),
]


@pytest.mark.parametrize("name,args,expected", PROGRAMS, ids=[p[0] for p in PROGRAMS])
def test_runs_with_chainrule_and_with_pytorch(tmp_path, name, args, expected):
    source = (FOLDER / name).read_text()
    torch_source = as_pytorch(source)
    changed = [(a, b) for a, b in zip(source.split("\n"), torch_source.split("\n")) if a != b]
    assert changed and all(a.startswith(("import ", "from ")) for a, _ in changed)
    for label, text in (("chainrule", source), ("pytorch", torch_source)):
        script = tmp_path / f"{label}_{name}"
        script.write_text(text)
        result = subprocess.run([sys.executable, str(script), *args], capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 0, f"{label}:\n{result.stderr[-3000:]}"
        assert expected in result.stdout, f"{label}:\n{result.stdout[-2000:]}"
