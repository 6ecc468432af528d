"""What the recommender knows about one reader."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReaderState:
    """A reader's history; empty for a new reader or one who did not consent.

    ``seen`` holds what was recommended before (never shown again);
    ``interests`` maps a topic to a weight, negative for "not for me".
    """

    liked: frozenset[int] = frozenset()
    disliked: frozenset[int] = frozenset()
    clicked: frozenset[int] = frozenset()
    seen: frozenset[int] = frozenset()
    interests: dict[str, float] = field(default_factory=dict)

    @property
    def excluded(self) -> frozenset[int]:
        """Items never to recommend: already seen, read, liked or rejected."""
        return self.liked | self.disliked | self.clicked | self.seen
