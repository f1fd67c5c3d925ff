"""`make lint`'s line budget: a count per package, and a failure for a file over 600 lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "line_count.py"


def _run(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(root)], capture_output=True,
                          text=True)


def test_counts_lines_per_package_and_passes_within_the_budget(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n" * 10)
    (package / "sub" / "b.py").write_text("y = 2\n" * 600)
    result = _run(package)
    assert result.returncode == 0, result.stderr
    counts = dict(line.split() for line in result.stdout.splitlines())
    assert counts == {"pkg": "10", "pkg.sub": "600", "total": "610"}


def test_a_file_over_600_lines_fails_and_is_named(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "big.py").write_text("x = 1\n" * 601)
    result = _run(package)
    assert result.returncode == 1
    assert "big.py: 601 lines, over the budget of 600" in result.stderr


def test_the_package_itself_is_within_the_budget():
    assert _run(SCRIPT.parent.parent / "chainrule").returncode == 0
