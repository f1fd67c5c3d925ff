"""Make numba unimportable, as on a machine without chainrule[fast].

`make test` runs part of the suite a second time with this directory on PYTHONPATH:
Python imports sitecustomize at start-up (pytest's worker processes too), and from
then on `import numba` fails, so chainrule runs its NumPy references only.
"""

import importlib.abc
import sys


class _WithoutNumba(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "numba" or name.startswith("numba."):
            raise ModuleNotFoundError(f"No module named {name!r} (hidden by {__file__})",
                                      name=name)
        return None


sys.meta_path.insert(0, _WithoutNumba())
