"""chainrule.diagnostics: backpropagation made visible while a model trains.

- `GradientMonitor`: gradient health per layer and step, with warnings that name the
  layer, the evidence and the remedy (vanishing, exploding, dead ReLUs, update sizes).
"""

from .findings import Finding, GradientWarning, Thresholds
from .gradient_monitor import GradientMonitor

__all__ = ["Finding", "GradientMonitor", "GradientWarning", "Thresholds"]
