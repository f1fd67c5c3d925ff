"""Imports point down: each layer of the package imports with every higher layer blocked.

The layers, bottom first (STYLE: autograd <- ops <- tensor methods <- nn <- ...).
A module that imports a higher layer, even late inside a function body run at import
time, fails here with the name of the module it reached for.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "chainrule"

LAYERS = [
    ("base", ["chainrule.device", "chainrule.dtypes", "chainrule.random", "chainrule.cuda",
              "chainrule.accelerator", "chainrule.backends", "chainrule.multiprocessing",
              "chainrule.version", "chainrule.distributed", "chainrule.kernels",
              "chainrule.allocator"]),
    ("autograd", ["chainrule.autograd"]),
    ("ops", ["chainrule.ops"]),
    ("tensor", ["chainrule.creation", "chainrule.comparison", "chainrule.tensor",
                "chainrule.linalg", "chainrule.legacy", "chainrule.gradient_tape",
                "chainrule.sparse"]),
    ("nn", ["chainrule.nn"]),
    ("training", ["chainrule.optim", "chainrule.data", "chainrule.io", "chainrule.utils",
                  "chainrule.distributions", "chainrule.viz", "chainrule.checkpoint",
                  "chainrule.onnx"]),
    ("keras", ["chainrule.keras"]),
    ("diagnostics", ["chainrule.diagnostics", "chainrule.explain"]),
    ("cli", ["chainrule.cli"]),
]

CHILD = r"""
import importlib, importlib.abc, sys, types
blocked, wanted, package_dir = {blocked!r}, {wanted!r}, {package_dir!r}

class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        for b in blocked:
            if name == b or name.startswith(b + "."):
                raise ImportError(f"{{name}} is in a higher layer than the one being imported")
        return None

sys.meta_path.insert(0, Blocker())
# chainrule/__init__.py imports every layer; stand in for it with an empty package.
package = types.ModuleType("chainrule")
package.__path__ = [package_dir]
sys.modules["chainrule"] = package
for name in wanted:
    importlib.import_module(name)
print("imported", len(wanted), "modules")
"""


def _modules_of(root: str) -> list[str]:
    relative = root.split(".")[1:]
    path = PACKAGE.joinpath(*relative)
    if path.with_suffix(".py").is_file():
        return [root]
    names = []
    for file in sorted(path.rglob("*.py")):
        parts = file.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(("chainrule",) + parts))
    return names


def test_every_module_belongs_to_a_layer():
    listed = {m for _, roots in LAYERS for root in roots for m in _modules_of(root)}
    present = set(_modules_of("chainrule")) - {"chainrule", "chainrule.__main__"}
    assert present <= listed, f"modules in no layer: {sorted(present - listed)}"


@pytest.mark.parametrize("index", range(len(LAYERS)), ids=[name for name, _ in LAYERS])
def test_layer_imports_without_the_layers_above(index):
    wanted = [m for root in LAYERS[index][1] for m in _modules_of(root)]
    blocked = [root for _, roots in LAYERS[index + 1:] for root in roots]
    code = CHILD.format(blocked=blocked, wanted=wanted, package_dir=str(PACKAGE))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, (
        f"layer {LAYERS[index][0]!r} reaches into a higher layer:\n{result.stderr[-2000:]}"
    )


def test_the_blocker_catches_an_import_that_points_up():
    code = CHILD.format(blocked=["chainrule.ops"], wanted=["chainrule.tensor"],
                        package_dir=str(PACKAGE))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0 and "chainrule.ops" in result.stderr
