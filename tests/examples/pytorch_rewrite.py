"""The PyTorch twin of a PyTorch-style example: only its import lines change."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

# imports that stay: chainrule's data set reader and picture writer serve both versions
KEEP = ("from chainrule.data.datasets", "from chainrule.utils import")


def as_pytorch(source: str) -> str:
    """The same program importing torch: import lines change, nothing else does."""
    return "\n".join(re.sub(r"\bchainrule\b", "torch", line)
                     if line.startswith(("import ", "from ")) and not line.startswith(KEEP)
                     else line for line in source.split("\n"))


def load_both(path: Path, folder: Path):
    """The example as a module on chainrule and, rewritten, on PyTorch."""
    modules = []
    for label, text in (("chainrule", path.read_text()),
                        ("pytorch", as_pytorch(path.read_text()))):
        file = folder / f"{label}_{path.name}"
        file.write_text(text)
        spec = importlib.util.spec_from_file_location(f"{label}_{path.stem}", file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        modules.append(module)
    return modules
