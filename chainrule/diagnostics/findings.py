"""What the diagnostics can find, the thresholds they use and the remedies they suggest.

Each finding becomes one warning (a `GradientWarning`) that names where the problem
is, gives the numbers that show it, and says what usually cures it.
"""

from __future__ import annotations

from dataclasses import dataclass


class GradientWarning(UserWarning):
    """A problem with the gradients of a model being trained."""


@dataclass(frozen=True)
class Thresholds:
    """When a measurement becomes a finding (the defaults of `GradientMonitor`).

    Attributes:
        vanishing_ratio: a layer whose gradient norm stays below this fraction of the
            last layer's (three orders of magnitude) has a vanishing gradient.
        exploding_norm: a layer whose gradient norm exceeds this has an exploding
            gradient (so does any non-finite gradient value).
        dead_fraction: an activation whose units were zero on the whole batch for more
            than this fraction of them has dying ReLUs.
        update_ratio_low, update_ratio_high: healthy updates change a layer's weights by
            about 1e-3 of their norm per step; outside this range the learning rate is
            probably too small or too large.
        patience: how many consecutive steps a condition must hold (non-finite values
            and norms past `exploding_norm` count at once).
    """

    vanishing_ratio: float = 1e-3
    exploding_norm: float = 1e3
    dead_fraction: float = 0.5
    update_ratio_low: float = 1e-5
    update_ratio_high: float = 1e-1
    patience: int = 3


REMEDIES = {
    "vanishing": "use ReLU or GELU activations with He (kaiming) initialization instead of "
                 "sigmoid/tanh with large or standard-normal weights; add BatchNorm or "
                 "LayerNorm between layers; for recurrent networks use LSTM or GRU cells",
    "exploding": "clip gradients with nn.utils.clip_grad_norm_(model.parameters(), 1.0); "
                 "lower the learning rate; initialize weights smaller (e.g. orthogonal or "
                 "Xavier for recurrent weights); use LSTM or GRU instead of a plain RNN",
    "dead_relu": "lower the learning rate; use LeakyReLU or GELU; initialize with He "
                 "(kaiming) initialization and small positive biases; add BatchNorm",
    "update_small": "raise the learning rate (or check that the optimizer holds these "
                    "parameters and that they are not frozen)",
    "update_large": "lower the learning rate, or use a warm-up or an adaptive optimizer "
                    "such as Adam",
}


@dataclass(frozen=True)
class Finding:
    """One diagnosis: its kind, where (layer or activation names), evidence and remedy."""

    kind: str
    where: tuple[str, ...]
    evidence: str
    step: int

    @property
    def remedy(self) -> str:
        return REMEDIES[self.kind]

    def __str__(self) -> str:
        title = {"vanishing": "vanishing gradients", "exploding": "exploding gradients",
                 "dead_relu": "dying ReLU units", "update_small": "updates too small",
                 "update_large": "updates too large"}[self.kind]
        return (f"{title} at step {self.step} in {', '.join(self.where)}: {self.evidence}. "
                f"Try: {self.remedy}.")
