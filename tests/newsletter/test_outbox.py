"""The outbox on its own: what a signup is owed, sent once the mail server or provider is back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from penpal.config import NewsletterSettings
from penpal.db import Database
from penpal.db.models import NewsletterSubscription
from penpal.newsletter import Outbox
from penpal.newsletter.providers import ProviderError, SmtpMailer, SmtpProvider, Subscriber
from tests.newsletter.conftest import PUBLIC_URL, closed_port_settings, make_newsletter
from tests.newsletter.support import confirm_code


class DownProvider:
    name = "Down"

    def __init__(self) -> None:
        self.seen: list[Subscriber] = []

    def sync(self, subscriber: Subscriber) -> None:
        self.seen.append(subscriber)
        raise ProviderError("503 from the provider", temporary=True)


def _outbox(db: Database, settings: NewsletterSettings, provider: Any = None) -> Outbox:
    return Outbox(db, settings, PUBLIC_URL, SmtpMailer(settings, "Mira Kestrel"),
                  provider or SmtpProvider())


def _due(db: Database) -> tuple[bool, bool]:
    with db.session() as session:
        row = session.execute(select(NewsletterSubscription)).scalar_one()
        return row.mail_due, row.sync_due


def test_the_newsletter_hands_what_is_owed_to_its_outbox(
    db: Database, settings: NewsletterSettings, inbox: list[Any]
) -> None:
    down = make_newsletter(db, closed_port_settings(settings))
    assert isinstance(down.outbox, Outbox)
    assert not down.subscribe("chat-1", "rest", "anna@example.org", ["craft"], "weekly").mail_sent
    assert _due(db) == (True, False)

    report = _outbox(db, settings).deliver_due()  # the mail server is back
    assert (report.mailed, report.mail_failed, report.synced, report.sync_failed) == (1, 0, 0, 0)
    assert confirm_code(inbox[0])
    assert _due(db) == (False, False)
    assert _outbox(db, settings).deliver_due().mailed == 0  # sent once


def test_a_provider_that_is_down_keeps_the_sync_due(
    db: Database, settings: NewsletterSettings, inbox: list[Any]
) -> None:
    provider = DownProvider()
    newsletter = make_newsletter(db, settings, provider)
    newsletter.subscribe("chat-1", "rest", "anna@example.org", ["craft"], "weekly")
    confirmed = newsletter.confirm_code("chat-1", confirm_code(inbox[0]))
    assert (confirmed.outcome, confirmed.sync) == ("confirmed", "queued")
    assert [seen.status for seen in provider.seen] == ["subscribed"]
    assert _due(db) == (False, True)

    assert _outbox(db, settings, provider).deliver_due().sync_failed == 1
    report = _outbox(db, settings).deliver_due()  # the provider is back
    assert (report.synced, report.sync_failed) == (1, 0)
    assert _due(db) == (False, False)
