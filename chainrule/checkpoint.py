"""Training checkpoints: everything needed to continue a run exactly where it stopped.

`save(path, model=..., optimizer=..., scheduler=..., step=..., epoch=...)` writes one
file (the safetensors format of `chainrule.save`) holding the model's and the
optimizer's state, the scheduler's, the state of every random generator (chainrule's
default one, NumPy's and Python's global ones, and any `Generator` passed in `rng`, such
as a DataLoader's), the step and epoch, and whatever metrics and extras are given. The
write is atomic: a crash, even SIGKILL, mid-write leaves the previous checkpoint as it
was. `restore(path, model=..., ...)` puts it all back; continuing then repeats the
uninterrupted run bit for bit. `verify_resume` checks that claim for a given run.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .io.serialization import from_bytes, to_bytes, write_atomically
from .random import Generator, default_generator

FORMAT = "chainrule.checkpoint/1"


def _generators(rng) -> list[Generator]:
    if rng is None:
        return []
    return list(rng.values()) if isinstance(rng, dict) else \
        list(rng) if isinstance(rng, (list, tuple)) else [rng]


def _random_states(rng) -> dict:
    numpy_state = np.random.get_state(legacy=False)
    python_version, python_state, gauss = random.getstate()
    return {"default": default_generator.get_state(), "numpy_global": numpy_state,
            "python": [python_version, list(python_state), gauss],
            "generators": [g.get_state() for g in _generators(rng)]}


def _set_random_states(states: dict, rng) -> None:
    default_generator.set_state(states["default"])
    np.random.set_state(states["numpy_global"])
    version, state, gauss = states["python"]
    random.setstate((version, tuple(state), gauss))
    generators = _generators(rng)
    if len(generators) != len(states["generators"]):
        raise ValueError(f"the checkpoint holds {len(states['generators'])} generators in "
                         f"rng, {len(generators)} were given to restore them into")
    for generator, state in zip(generators, states["generators"]):
        generator.set_state(state)


def save(path, *, model=None, optimizer=None, scheduler=None, step: int | None = None,
         epoch: int | None = None, rng=None, metrics=None, **extra: Any) -> Path:
    """Write a checkpoint to `path` atomically; returns the path.

    Args:
        model, optimizer, scheduler: saved through their `state_dict()`.
        step, epoch: where the run is (the loop's own counters).
        rng: a `Generator` (or a list or dict of them) beside the global ones, e.g. the
            DataLoader's `generator`, whose state decides the next epoch's shuffle.
        metrics: anything saveable (e.g. the history of losses so far).
        **extra: more saveable values, returned by `restore` under their names.
    """
    attached = [s for s in getattr(optimizer, "_lr_schedulers", []) if s() is not None]
    if attached and scheduler is None:
        warnings.warn("the optimizer has a learning-rate scheduler attached but no "
                      "scheduler= was given: a resumed run would restart its schedule; "
                      "pass scheduler=... to save it", stacklevel=2)
    state = {"format": FORMAT, "step": step, "epoch": epoch, "metrics": metrics,
             "extra": extra, "rng": _random_states(rng),
             "model": None if model is None else model.state_dict(),
             "optimizer": None if optimizer is None else optimizer.state_dict(),
             "scheduler": None if scheduler is None else scheduler.state_dict()}
    path = Path(path)
    write_atomically(path, to_bytes(state))
    return path


def load(path) -> dict:
    """The checkpoint's contents as saved (nothing is restored)."""
    state = from_bytes(Path(path).read_bytes(), str(path))
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{path} is not a chainrule training checkpoint (save one with "
                         f"chainrule.checkpoint.save)")
    return state


def restore(path_or_state, *, model=None, optimizer=None, scheduler=None, rng=None) -> dict:
    """Load a checkpoint into the given objects and the random generators; returns it
    (step, epoch, metrics and the extras are read from the returned dict)."""
    state = path_or_state if isinstance(path_or_state, dict) else load(path_or_state)
    for name, target in (("model", model), ("optimizer", optimizer),
                         ("scheduler", scheduler)):
        if target is not None:
            if state[name] is None:
                raise ValueError(f"the checkpoint holds no {name} state to restore")
            target.load_state_dict(state[name])
    _set_random_states(state["rng"], rng)
    return state


def verify_resume(earlier, later, continue_run: Callable[[dict], Any], *, model,
                  optimizer=None, scheduler=None, rng=None) -> list[str]:
    """Check that resuming repeats the original run: restore `earlier`, let
    `continue_run(state)` train on up to where `later` was saved, and compare every
    model and optimizer value with `later`'s. Returns the names that differ (none: the
    resume is exact)."""
    restore(earlier, model=model, optimizer=optimizer, scheduler=scheduler, rng=rng)
    continue_run(load(earlier))
    reference = load(later)
    mismatches = [f"model {k}" for k, v in model.state_dict().items()
                  if not np.array_equal(v.numpy(), reference["model"][k].numpy())]
    if optimizer is not None:
        mismatches += _differences("optimizer", optimizer.state_dict(), reference["optimizer"])
    return mismatches


def _differences(prefix: str, ours, theirs) -> list[str]:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        keys = set(ours) | set(theirs)
        return [d for k in sorted(keys, key=str)
                for d in _differences(f"{prefix}.{k}", ours.get(k), theirs.get(k))]
    if isinstance(ours, (list, tuple)) and isinstance(theirs, (list, tuple)) and \
            len(ours) == len(theirs):
        return [d for i, (a, b) in enumerate(zip(ours, theirs))
                for d in _differences(f"{prefix}[{i}]", a, b)]
    a, b = getattr(ours, "_data", ours), getattr(theirs, "_data", theirs)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return [] if np.array_equal(a, b) else [prefix]
    return [] if a == b else [prefix]
