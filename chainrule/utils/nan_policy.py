"""What a training loop does when a step's loss or gradients stop being finite.

`NaNPolicy` is shared by Keras-style `fit(nan_policy=...)` and `chainrule train
--nan-policy`. After each backward, before the optimizer step, `check` looks at the loss
and the gradients. On a non-finite value it re-runs the step's forward and backward under
`autograd.detect_anomaly` to find the op that produced it, writes that diagnosis, and
then, by policy:

- "raise": raises the diagnosis (an `AnomalyError`);
- "stop": ends training after this batch, weights untouched by it;
- "skip_batch": drops this batch's gradients and goes on;
- "rollback": restores the weights and optimizer state saved at the start of the epoch,
  multiplies the learning rate by `lr_factor`, and goes on.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from ..autograd.anomaly import AnomalyError, detect_anomaly

POLICIES = ("raise", "stop", "skip_batch", "rollback")


class NaNPolicy:
    """Args:
        policy: one of "raise", "stop", "skip_batch", "rollback".
        model, optimizer: what is trained (rollback restores both).
        lr_factor: rollback multiplies every group's learning rate by this.
        log: where the diagnosis is written (a function of one string).
    """

    def __init__(self, policy: str, model, optimizer, lr_factor: float = 0.5,
                 log=None) -> None:
        if policy not in POLICIES:
            raise ValueError(f"unknown NaN policy {policy!r}; use one of {', '.join(POLICIES)}")
        self.policy, self.model, self.optimizer = policy, model, optimizer
        self.lr_factor = lr_factor
        self.log = log or (lambda text: print(text, file=sys.stderr, flush=True))
        self.events: list[str] = []  # every diagnosis written, in order
        self.saved = None

    def save_good_state(self) -> None:
        """Remember the current weights and optimizer state (call at each epoch's start)."""
        if self.policy == "rollback":
            self.saved = ({k: v.detach().clone() for k, v in self.model.state_dict().items()},
                          self.optimizer.state_dict())

    def check(self, loss, rerun) -> str:
        """'ok' to take the optimizer step, 'skip' to drop it, 'stop' to end training.

        Args:
            loss: the step's loss (a tensor or a number).
            rerun: a function repeating the step's forward and backward (for diagnosis).
        """
        if math.isfinite(float(loss)) and self._gradients_finite():
            return "ok"
        diagnosis = self._diagnose(rerun)
        if self.policy == "raise":
            raise diagnosis if isinstance(diagnosis, AnomalyError) else RuntimeError(diagnosis)
        action = {"stop": "stopping training",
                  "skip_batch": "skipping this batch",
                  "rollback": f"restoring the weights and optimizer state from the start of "
                              f"the epoch and multiplying the learning rate by "
                              f"{self.lr_factor:g}"}[self.policy]
        text = f"non-finite loss or gradient: {diagnosis}\n{action}"
        self.events.append(text)
        self.log(text)
        self.optimizer.zero_grad()
        if self.policy == "stop":
            return "stop"
        if self.policy == "rollback" and self.saved is not None:
            state, optimizer_state = self.saved
            self.model.load_state_dict(state)
            self.optimizer.load_state_dict(optimizer_state)
            for group in self.optimizer.param_groups:
                group["lr"] *= self.lr_factor
            self.saved = (state, self.optimizer.state_dict())  # the lowered rate sticks
        return "skip"

    def _gradients_finite(self) -> bool:
        total = 0.0
        for group in self.optimizer.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    g = p.grad._data.ravel()
                    total += float(np.dot(g, g))
        return math.isfinite(total)

    def _diagnose(self, rerun):
        self.optimizer.zero_grad()
        try:
            with detect_anomaly():
                rerun()
        except AnomalyError as error:
            return error
        finally:
            self.optimizer.zero_grad()
        return ("anomaly mode found no op producing it when the step was repeated (random "
                "dropout may differ between runs); lower the learning rate or clip gradients")
