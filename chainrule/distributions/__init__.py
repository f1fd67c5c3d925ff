"""chainrule.distributions: probability distributions with PyTorch's names and methods.

`sample` draws without a gradient; `rsample` draws by reparameterisation (a
differentiable function of the parameters and of noise that does not depend on
them), which is how a VAE backpropagates through its sampling step.
"""

from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .kl import kl_divergence, register_kl
from .normal import MultivariateNormal, Normal
from .uniform import Uniform

__all__ = ["Bernoulli", "Categorical", "Distribution", "MultivariateNormal", "Normal",
           "Uniform", "kl_divergence", "register_kl"]
