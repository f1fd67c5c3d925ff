"""chainrule.diagnostics: backpropagation made visible while a model trains.

- `GradientMonitor`: gradient health per layer and step, with warnings that name the
  layer, the evidence and the remedy (vanishing, exploding, dead ReLUs, update sizes).
- `gradcheck_model`: a model's gradients against finite differences, worst first.

Anomaly mode (the first NaN or Inf, and its cause) is `chainrule.autograd.detect_anomaly`;
graph pictures are `chainrule.viz.graph`; the step-by-step account is `chainrule.explain`.
"""

from .findings import Finding, GradientWarning, Thresholds
from .gradcheck_model import gradcheck_model
from .gradient_monitor import GradientMonitor

__all__ = ["Finding", "GradientMonitor", "GradientWarning", "Thresholds", "gradcheck_model"]
