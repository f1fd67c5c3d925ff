"""`chainrule.multiprocessing`: the standard library's, which shares CPU tensors by pickling
their arrays (there is no device memory to share)."""

from multiprocessing import *  # noqa: F403
from multiprocessing import get_context, set_start_method  # noqa: F401
