"""Buttondown's API (v1): subscribers created with POST, updated with PATCH."""

from __future__ import annotations

from urllib.parse import quote

from penpal.config import NewsletterSettings
from penpal.db.models import SubscriptionStatus
from penpal.newsletter.providers.base import ProviderError, Subscriber
from penpal.newsletter.providers.http import call


class ButtondownProvider:
    name = "Buttondown"

    def __init__(self, settings: NewsletterSettings) -> None:
        self._settings = settings
        self._root = str(settings.buttondown.base_url).rstrip("/")
        self._headers = {"Authorization": f"Token {settings.buttondown.api_key or ''}"}

    def sync(self, subscriber: Subscriber) -> None:
        if subscriber.status == SubscriptionStatus.PENDING:
            return
        subscribed = subscriber.status == SubscriptionStatus.SUBSCRIBED
        fields = {
            "tags": list(subscriber.topics),
            "metadata": {"frequency": subscriber.frequency},
            "type": "regular" if subscribed else "unsubscribed",  # Buttondown's types
        }
        if subscribed:
            try:
                self._call("POST", "/v1/subscribers",
                           json={"email_address": subscriber.email, **fields})
                return
            except ProviderError as error:
                if error.temporary or "already" not in str(error).lower():
                    raise
        self._call("PATCH", f"/v1/subscribers/{quote(subscriber.email, safe='@')}", json=fields)

    def _call(self, method: str, path: str, **kwargs) -> None:
        call(method, f"{self._root}{path}", provider=self.name, headers=self._headers,
             timeout=self._settings.timeout_seconds, retries=self._settings.retries, **kwargs)
