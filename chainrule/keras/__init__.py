"""chainrule.keras: Keras's Sequential / compile / fit and its layers, losses and
optimizers, on chainrule's engine, modules and optimizers (no TensorFlow, no Keras).

Where Keras and PyTorch differ, this namespace follows Keras: losses take
(y_true, y_pred), kernels are (in, out), layers learn their input size on first call.
"""

from . import activations, callbacks, layers, losses, optimizers, regularizers
from .functional import Input, Model
from .layer import KerasTensor
from .models import History, Sequential

__all__ = ["History", "Input", "KerasTensor", "Model", "Sequential", "activations",
           "callbacks", "layers", "losses", "optimizers", "regularizers"]
