"""A small memo for values that depend on particular objects (a grid, a priority array, a
restriction, a table), keyed by their identity and by plain values.

Each entry keeps its objects alive, so an identity is never reused while the entry is stored;
the oldest entry goes first once the memo is full. Any room may use it (it imports nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class IdentityMemo(Generic[T]):
    """Values by (the identities of ``objects``, ``key``), at most ``limit`` of them."""

    def __init__(self, limit: int):
        self.limit = limit
        self._store: dict[tuple[tuple[int, ...], Hashable], tuple[tuple[Any, ...], T]] = {}

    def get(self, objects: tuple[Any, ...], key: Hashable, compute: Callable[[], T]) -> T:
        """The stored value, or ``compute()`` stored and returned."""
        full = (tuple(id(o) for o in objects), key)
        found = self._store.get(full)
        if found is not None:
            return found[1]
        value = compute()
        if len(self._store) >= self.limit:
            self._store.pop(next(iter(self._store)))
        self._store[full] = (objects, value)
        return value

    def clear(self) -> None:
        self._store.clear()

    def __len__(self) -> int:
        return len(self._store)
