"""Random number generation: `Generator` and `manual_seed`, with exactly saveable state.

Each process has its own default generator (as in PyTorch); pass a `Generator` to
make a stream independent of it (data shuffling, dropout in a worker).
"""

from __future__ import annotations

import numpy as np


class Generator:
    """A seeded stream of random numbers (PCG64), as `torch.Generator`."""

    def __init__(self, seed: int | None = None) -> None:
        self.manual_seed(np.random.SeedSequence().entropy if seed is None else seed)

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed)
        self.numpy = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict:
        """The full state, a dict of plain numbers: saving and restoring it is exact."""
        return {"seed": self._seed, "bit_generator": self.numpy.bit_generator.state}

    def set_state(self, state: dict) -> Generator:
        self._seed = state["seed"]
        self.numpy.bit_generator.state = state["bit_generator"]
        return self


default_generator = Generator(0)


def manual_seed(seed: int) -> Generator:
    """Seed the default generator, so that runs repeat exactly."""
    return default_generator.manual_seed(seed)


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    default_generator.set_state(state)


def numpy_generator(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator).numpy
