"""The newsletter's outbox: confirmation emails and provider syncs still owed.

The outbox lives on the signup row: ``mail_due`` (a confirmation email to
send) and ``sync_due`` (a state the provider has not seen yet). Both are set
in the transaction that changes the signup and cleared only once the mail
server or provider took it, so one that is down loses nothing:
:meth:`Outbox.deliver_due` (a scheduler job, ``penpal newsletter sync``)
sends what is still due.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from penpal.config import NewsletterSettings
from penpal.db import Database
from penpal.db.clock import utcnow
from penpal.db.models import NewsletterSubscription, NewsletterToken, SubscriptionStatus
from penpal.newsletter.providers import (
    MailError,
    Provider,
    ProviderError,
    SmtpMailer,
    Subscriber,
)
from penpal.newsletter.tokens import digest, new_code, new_token, normalize_code

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DueReport:
    mailed: int
    mail_failed: int
    synced: int
    sync_failed: int


def add_unsubscribe_token(
    session: Session, row: NewsletterSubscription, token: str, moment: datetime
) -> None:
    """Keep ``token`` as an unsubscribe link for ``row`` (one per email sent)."""
    session.add(NewsletterToken(subscription_id=row.id, reader_id=row.reader_id,
                                purpose="unsubscribe", token_hash=digest(token),
                                created_at=moment))


class Outbox:
    """Sends what a signup is owed: its confirmation email, its state to the provider."""

    def __init__(
        self, db: Database, settings: NewsletterSettings, public_url: str,
        mailer: SmtpMailer, provider: Provider,
    ) -> None:
        self._db = db
        self._settings = settings
        self._public_url = public_url.rstrip("/")
        self._mailer = mailer
        self._provider = provider

    def deliver_due(self, now: datetime | None = None) -> DueReport:
        """Send the confirmation emails and provider syncs that failed before."""
        with self._db.session() as session:
            mail = session.execute(select(NewsletterSubscription.id).where(
                NewsletterSubscription.mail_due.is_(True),
                NewsletterSubscription.status == SubscriptionStatus.PENDING,
            )).scalars().all()
            sync = session.execute(select(NewsletterSubscription.id).where(
                NewsletterSubscription.sync_due.is_(True)
            )).scalars().all()
        mailed = sum(self.send_confirmation(subscription_id, now) for subscription_id in mail)
        synced = sum(self.sync(subscription_id) == "synced" for subscription_id in sync)
        return DueReport(mailed, len(mail) - mailed, synced, len(sync) - synced)

    def send_confirmation(self, subscription_id: int, now: datetime | None = None) -> bool:
        """Send a fresh link and code (replacing older ones); False if the mail server failed."""
        moment = utcnow(now)
        token, code, unsubscribe = new_token(), new_code(), new_token()
        hours = self._settings.link_expiry_hours
        with self._db.session() as session:
            row = session.get(NewsletterSubscription, subscription_id)
            if row is None or row.status != SubscriptionStatus.PENDING or not row.mail_due:
                return True
            session.execute(delete(NewsletterToken).where(
                NewsletterToken.subscription_id == row.id, NewsletterToken.purpose == "confirm"))
            session.add_all([
                NewsletterToken(subscription_id=row.id, reader_id=row.reader_id,
                                purpose="confirm", token_hash=digest(token),
                                code_hash=digest(normalize_code(code)), created_at=moment,
                                expires_at=moment + timedelta(hours=hours)),
            ])
            add_unsubscribe_token(session, row, unsubscribe, moment)
            address = row.email
        try:
            self._mailer.send_confirmation(
                address, f"{self._public_url}/newsletter/confirm/{token}", code,
                f"{self._public_url}/newsletter/unsubscribe/{unsubscribe}", hours,
            )
        except MailError as error:
            log.warning("newsletter: confirmation email for subscription %s not sent: %s",
                        subscription_id, error)
            return False
        with self._db.session() as session:
            session.execute(update(NewsletterSubscription)
                            .where(NewsletterSubscription.id == subscription_id)
                            .values(mail_due=False))
        return True

    def sync(self, subscription_id: int) -> str:
        """Tell the provider; ``synced``, ``queued`` (try later) or ``rejected: <why>``."""
        with self._db.session() as session:
            row = session.get(NewsletterSubscription, subscription_id)
            if row is None or not row.sync_due:
                return "synced"
            seen = row.updated_at
            subscriber = Subscriber(row.email, row.status, tuple(row.topics or ()), row.frequency)
        try:
            self._provider.sync(subscriber)
        except ProviderError as error:
            log.warning("newsletter: %s sync of subscription %s failed: %s",
                        self._provider.name, subscription_id, error)
            with self._db.session() as session:
                session.execute(update(NewsletterSubscription)
                                .where(NewsletterSubscription.id == subscription_id)
                                .values(sync_attempts=NewsletterSubscription.sync_attempts + 1,
                                        sync_error=str(error)[:300],
                                        sync_due=error.temporary))
            return "queued" if error.temporary else f"rejected: {error}"
        with self._db.session() as session:
            # Only if nothing changed meanwhile; a newer change stays due.
            session.execute(update(NewsletterSubscription).where(
                NewsletterSubscription.id == subscription_id,
                NewsletterSubscription.updated_at == seen,
            ).values(sync_due=False, sync_error=None, synced_at=utcnow()))
        return "synced"
