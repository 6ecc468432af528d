"""The ids a channel has already handled, so a resent or replayed one is taken once."""

from __future__ import annotations

from collections import OrderedDict


class RecentIds:
    """The last ``limit`` ids seen (oldest forgotten first)."""

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._seen: OrderedDict[str, None] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """Whether ``key`` is new; it counts as seen from now on."""
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self._limit:
            self._seen.popitem(last=False)
        return True
