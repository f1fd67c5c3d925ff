"""`RemovableHandle`: what registering a hook returns, for tensors and modules alike."""

from __future__ import annotations


class RemovableHandle:
    """Removes the hook it was returned for from its registry (a dict, in call order).

    Usable as a context manager: the hook is removed when the block ends.
    """

    def __init__(self, registry: dict, key: int) -> None:
        self.registry, self.id = registry, key

    @classmethod
    def add(cls, registry: dict, value) -> RemovableHandle:
        """Store `value` under a new key, after the ones already there."""
        key = max(registry, default=-1) + 1
        registry[key] = value
        return cls(registry, key)

    def remove(self) -> None:
        self.registry.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
