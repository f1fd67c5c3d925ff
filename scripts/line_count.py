"""Lines of code per package of chainrule, and the file budget: no file over 600 lines.

Run by `make lint`: growth is a decision, so it is printed on every run, and a file
past the budget fails the build (split it by family, as ops/ is split).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

LIMIT = 600
ROOT = Path(__file__).resolve().parent.parent / "chainrule"


def main(root: Path = ROOT) -> int:
    per_package: Counter = Counter()
    too_long = []
    for path in sorted(root.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        package = path.parent.relative_to(root.parent).as_posix().replace("/", ".")
        per_package[package] += lines
        if lines > LIMIT:
            too_long.append((path.relative_to(root.parent), lines))
    width = max(map(len, per_package))
    for package, lines in sorted(per_package.items()):
        print(f"{package:<{width}}  {lines:5d}")
    print(f"{'total':<{width}}  {sum(per_package.values()):5d}")
    for path, lines in too_long:
        print(f"{path}: {lines} lines, over the budget of {LIMIT}; split it by family",
              file=sys.stderr)
    return 1 if too_long else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT))
