"""The one small interface every newsletter provider implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Subscriber:
    """What a provider needs to know about one subscriber."""

    email: str
    status: str  # a SubscriptionStatus: pending, subscribed, unsubscribed
    topics: tuple[str, ...]
    frequency: str


class ProviderError(Exception):
    """The provider did not take the change.

    ``temporary`` errors (down, rate-limited, timed out) are retried later;
    the others (a rejected address, a wrong API key) need the writer.
    """

    def __init__(self, message: str, temporary: bool) -> None:
        super().__init__(message)
        self.temporary = temporary


class Provider(Protocol):
    name: str

    def sync(self, subscriber: Subscriber) -> None:
        """Make the provider's record of ``subscriber`` match; raise ProviderError."""
