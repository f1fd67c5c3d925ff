"""`chainrule.backends`: PyTorch's backend switches, so the lines that set them work.

chainrule has one backend, NumPy on the CPU: `mps` and `cudnn` are not available,
and the cudnn flags are accepted and have no effect.
"""

from . import cudnn, mps
