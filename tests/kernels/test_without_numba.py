"""Without numba, chainrule runs on its NumPy references and trains to the same weights.

`make test` also runs this file with numba hidden (scripts/without_numba); either
way it starts a child process with numba hidden and compares a few training steps of
a small CNN there with the same steps here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule import kernels, nn, optim

HIDE_NUMBA = Path(__file__).resolve().parents[2] / "scripts" / "without_numba"

STEPS = """
import json, numpy as np, chainrule as cr
from chainrule import nn, optim
cr.manual_seed(0)
model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(4, 6, 3), nn.GELU(), nn.MaxPool2d(2, ceil_mode=True),
                      nn.Flatten(), nn.Linear(24, 5))
opt = optim.Adam(model.parameters(), lr=0.01)
rng = np.random.default_rng(0)
x = cr.tensor(rng.standard_normal((6, 1, 10, 10)).astype(np.float32))
y = cr.tensor(rng.integers(0, 5, 6))
for _ in range(3):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
print(json.dumps({"path": cr.kernels.active(), "loss": float(loss),
                  "weights": [p.detach().numpy().ravel().tolist() for p in model.parameters()]}))
"""


def _steps_without_numba() -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(HIDE_NUMBA), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", STEPS], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_training_without_numba_matches_this_process():
    child = _steps_without_numba()
    assert child["path"] == "numpy"
    namespace: dict = {}
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        exec(STEPS, namespace)
    here = json.loads(printed.getvalue())
    assert here["loss"] == pytest.approx(child["loss"], rel=1e-5)
    for ours, theirs in zip(here["weights"], child["weights"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)


def test_this_process_reports_its_path_and_fused_needs_numba():
    try:
        import numba  # noqa: F401
    except ImportError:
        assert kernels.active() == "numpy" and kernels.get("adam") is None
        with pytest.raises(RuntimeError, match="chainrule\\[fast\\]"):
            optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1, fused=True)
    else:
        assert kernels.active() == "numba" and kernels.get("adam") is not None
    assert cr.erf(cr.tensor([0.5])).shape == (1,)
