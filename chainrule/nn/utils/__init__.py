"""chainrule.nn.utils: gradient clipping, parameters as one vector, and `rnn` (padding and
packing variable-length sequences), as PyTorch names them."""

from . import rnn
from .clip_grad import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)
