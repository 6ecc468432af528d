"""Mailchimp Marketing API v3: one member per subscriber, topics and frequency as tags."""

from __future__ import annotations

import hashlib

from penpal.config import NewsletterSettings
from penpal.db.models import SubscriptionStatus
from penpal.newsletter.providers.base import ProviderError, Subscriber
from penpal.newsletter.providers.http import call

# Mailchimp's own "pending" would send Mailchimp's confirmation email on top of
# ours, so a subscriber reaches Mailchimp once confirmed. Ours -> Mailchimp's.
STATUSES: dict[str, str] = {  # keyed by the stored strings, which the members are
    SubscriptionStatus.SUBSCRIBED: "subscribed",
    SubscriptionStatus.UNSUBSCRIBED: "unsubscribed",
}


def subscriber_hash(email: str) -> str:
    """Mailchimp's member id: the MD5 of the lower-cased address."""
    return hashlib.md5(email.lower().encode("utf-8")).hexdigest()


def api_root(api_key: str, base_url: str | None) -> str:
    """``https://<dc>.api.mailchimp.com``, the data centre being the key's suffix."""
    if base_url:
        return base_url.rstrip("/")
    _, dash, dc = api_key.rpartition("-")
    if not dash or not dc.isalnum():
        raise ProviderError("the Mailchimp API key has no data centre suffix (like -us21)", False)
    return f"https://{dc}.api.mailchimp.com"


class MailchimpProvider:
    name = "Mailchimp"

    def __init__(self, settings: NewsletterSettings) -> None:
        self._settings = settings
        mailchimp = settings.mailchimp
        self._key = mailchimp.api_key or ""
        self._list = mailchimp.list_id or ""
        self._root = api_root(self._key, str(mailchimp.base_url) if mailchimp.base_url else None)

    def sync(self, subscriber: Subscriber) -> None:
        status = STATUSES.get(subscriber.status)
        if status is None:
            return
        member = f"{self._root}/3.0/lists/{self._list}/members/{subscriber_hash(subscriber.email)}"
        self._call("PUT", member, json={
            "email_address": subscriber.email, "status_if_new": status, "status": status,
        })
        if status == "subscribed":
            tags = [*subscriber.topics, f"frequency:{subscriber.frequency}"]
            self._call("POST", f"{member}/tags", json={
                "tags": [{"name": tag, "status": "active"} for tag in tags],
            })

    def _call(self, method: str, url: str, **kwargs) -> None:
        call(method, url, provider=self.name, timeout=self._settings.timeout_seconds,
             retries=self._settings.retries, auth=("penpal", self._key), **kwargs)
