"""chainrule.explain: backpropagation told step by step, and what a prediction looks at.

- `backprop(model, x, y, loss)`: one training step with every value, local derivative,
  chain-rule product and update, checked against finite differences.
- `classic_example()`: the worked example of a 2-input, one-sigmoid-unit network.
- `saliency`, `integrated_gradients`: input attributions for a class score.
"""

from .attributions import integrated_gradients, saliency
from .backprop import backprop
from .classic import classic_example

__all__ = ["backprop", "classic_example", "integrated_gradients", "saliency"]
