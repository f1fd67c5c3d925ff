"""Reverse-mode automatic differentiation: the engine, `Function`, grad mode, the watch
point and gradcheck. Nothing here imports the ops or the Tensor methods above it."""

from .anomaly import AnomalyError, GraphGrowthWarning, detect_anomaly
from .engine import backward, grad
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .hooks import RemovableHandle
from .watch import Origin, Watcher, watch

__all__ = [
    "AnomalyError",
    "GraphGrowthWarning",
    "detect_anomaly",
    "Function",
    "GradcheckError",
    "Origin",
    "RemovableHandle",
    "Watcher",
    "backward",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
    "watch",
]
