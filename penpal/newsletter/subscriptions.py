"""Newsletter signups with double opt-in, preferences and unsubscribing.

A signup is kept as soon as the reader gives it (status ``pending``); the
confirmation email and the provider sync go through the outbox on the row
(penpal.newsletter.outbox), so a mail server or provider that is down never
loses a signup: :meth:`Newsletter.deliver_due` (a scheduler job) catches up.

The code from the email, typed in chat, confirms only a signup of that
conversation's reader, and a conversation gets a few tries per window
(``NEWSLETTER_CODE_TRIES``); the link in the email always works.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from penpal.config import NewsletterSettings
from penpal.db import Database
from penpal.db.clock import as_utc, utcnow
from penpal.db.models import (
    ChannelIdentity,
    NewsletterSubscription,
    NewsletterToken,
    Reader,
    SubscriptionStatus,
)
from penpal.db.retry import ON_CONFLICT, transaction
from penpal.newsletter.choices import parse_email
from penpal.newsletter.outbox import DueReport, Outbox, add_unsubscribe_token
from penpal.newsletter.providers import Provider, SmtpMailer
from penpal.newsletter.tokens import digest, normalize_code
from penpal.privacy.throttle import NEWSLETTER_CODE_TRIES
from penpal.readers import identity_for, reader_for_conversation, record_consent

__all__ = [
    "Confirmation", "DueReport", "Newsletter", "Signup", "SubscriptionView",
    "add_unsubscribe_token",
]

NEWSLETTER = "newsletter"  # the consent purpose


@dataclass(frozen=True)
class Signup:
    """``pending`` (new: check your inbox), ``already_pending`` or ``already_subscribed``."""

    outcome: str
    email: str
    mail_sent: bool = False


@dataclass(frozen=True)
class Confirmation:
    """``confirmed``, ``already`` (confirmed before), ``expired``, ``unknown`` or ``blocked``
    (too many codes tried in this conversation); and the sync."""

    outcome: str
    email: str | None = None
    sync: str | None = None  # synced, queued (provider down), rejected: <reason>


@dataclass(frozen=True)
class SubscriptionView:
    email: str
    status: str
    topics: list[str]
    frequency: str


def _view(row: NewsletterSubscription) -> SubscriptionView:
    return SubscriptionView(row.email, row.status, list(row.topics or []), row.frequency)


class Newsletter:
    """Signing up, confirming, changing and leaving; what is owed goes through the outbox."""

    def __init__(
        self, db: Database, settings: NewsletterSettings, public_url: str,
        mailer: SmtpMailer, provider: Provider,
    ) -> None:
        self._db = db
        self._settings = settings
        self.outbox = Outbox(db, settings, public_url, mailer, provider)

    def deliver_due(self, now: datetime | None = None) -> DueReport:
        """Send the confirmation emails and provider syncs that failed before."""
        return self.outbox.deliver_due(now)

    # --- signing up -------------------------------------------------------

    def subscribe(
        self, conversation_id: str, channel: str | None, email: str,
        topics: Sequence[str], frequency: str, now: datetime | None = None,
    ) -> Signup:
        """Keep the signup (pending) and send the confirmation email.

        Raises InvalidEmail for a bad address and ValueError for an unknown
        frequency. Signing up again is harmless: the outcome says so.
        """
        address = parse_email(email)
        if frequency not in self._settings.frequencies:
            raise ValueError(f"frequency must be one of {', '.join(self._settings.frequencies)}")
        moment = utcnow(now)
        # A concurrent signup for the same reader or address may win: then it is found.
        signup, subscription_id = transaction(self._db, lambda session: self._keep(
            session, conversation_id, channel, address, list(topics), frequency, moment
        ), ON_CONFLICT)
        if subscription_id is None:
            return signup
        sent = self.outbox.send_confirmation(subscription_id, moment)
        return Signup(signup.outcome, signup.email, sent)

    def _keep(
        self, session: Session, conversation_id: str, channel: str | None, address: str,
        topics: list[str], frequency: str, moment: datetime,
    ) -> tuple[Signup, int | None]:
        """The signup row; the id is returned when a confirmation email is due."""
        reader = reader_for_conversation(session, conversation_id, channel)
        existing = session.execute(
            select(NewsletterSubscription)
            .where(or_(NewsletterSubscription.reader_id == reader.id,
                       NewsletterSubscription.email == address))
            .order_by((NewsletterSubscription.email == address).desc())
            .with_for_update()
        ).scalars().first()
        if existing is not None and existing.status == SubscriptionStatus.SUBSCRIBED:
            return Signup("already_subscribed", existing.email), None
        if (existing is not None and existing.status == SubscriptionStatus.PENDING
                and existing.email == address):
            live = self._live_confirm_token(session, existing.id, moment)
            existing.mail_due = existing.mail_due or not live
            return Signup("already_pending", address), existing.id if existing.mail_due else None
        if existing is not None and existing.reader_id != reader.id:
            if existing.status == SubscriptionStatus.PENDING:  # it awaits confirmation elsewhere
                return Signup("already_pending", address), None
            session.delete(existing)  # unsubscribed: the address is free to sign up again
            session.flush()
            existing = session.execute(select(NewsletterSubscription).where(
                NewsletterSubscription.reader_id == reader.id)).scalar_one_or_none()
        if existing is None:
            existing = NewsletterSubscription(reader_id=reader.id, email=address)
            session.add(existing)
        existing.email = address
        existing.topics = topics
        existing.frequency = frequency
        existing.status = SubscriptionStatus.PENDING
        existing.consent_text = self._settings.consent_text
        existing.consent_channel = channel
        existing.consented_at = moment
        existing.confirmed_at = existing.unsubscribed_at = None
        existing.mail_due = True
        existing.updated_at = moment
        record_consent(session, reader, NEWSLETTER, True, channel)
        session.flush()
        return Signup("pending", address), existing.id

    def _live_confirm_token(self, session: Session, subscription_id: int, moment: datetime) -> bool:
        expires = session.execute(
            select(NewsletterToken.expires_at).where(
                NewsletterToken.subscription_id == subscription_id,
                NewsletterToken.purpose == "confirm",
            )
        ).scalars().all()
        return any(as_utc(at) > moment for at in expires if at is not None)

    # --- confirming -------------------------------------------------------

    def confirm_token(self, token: str, now: datetime | None = None) -> Confirmation:
        """The link from the email was followed."""
        return self._confirm(NewsletterToken.token_hash == digest(token), now)

    def confirm_code(
        self, conversation_id: str, code: str, now: datetime | None = None
    ) -> Confirmation:
        """The code from the email, typed in chat: it confirms only this conversation's reader."""
        with self._db.session() as session:  # its own transaction: a try always counts
            allowed = NEWSLETTER_CODE_TRIES.allows(session, conversation_id, utcnow(now))
        if not allowed:
            return Confirmation("blocked")
        this_reader = select(ChannelIdentity.reader_id).where(
            ChannelIdentity.conversation_id == conversation_id)
        return self._confirm(and_(NewsletterToken.code_hash == digest(normalize_code(code)),
                                  NewsletterToken.reader_id.in_(this_reader)), now)

    def _confirm(self, which, now: datetime | None) -> Confirmation:
        moment = utcnow(now)
        with self._db.session() as session:
            token = session.execute(
                select(NewsletterToken).where(which, NewsletterToken.purpose == "confirm")
            ).scalar_one_or_none()
            if token is None:
                return Confirmation("unknown")
            row = session.get(NewsletterSubscription, token.subscription_id, with_for_update=True)
            if row.status == SubscriptionStatus.SUBSCRIBED:
                return Confirmation("already", row.email)
            if token.expires_at is None or as_utc(token.expires_at) <= moment:
                return Confirmation("expired", row.email)
            row.status, row.confirmed_at = SubscriptionStatus.SUBSCRIBED, moment
            row.updated_at = moment
            row.sync_due = True  # the token stays: a second click says "already"
            subscription_id, address = row.id, row.email
        return Confirmation("confirmed", address, self.outbox.sync(subscription_id))

    # --- changing and leaving ---------------------------------------------

    def subscription(self, conversation_id: str) -> SubscriptionView | None:
        with self._db.session() as session:
            row = self._reader_subscription(session, conversation_id)
            return None if row is None else _view(row)

    def change(
        self, conversation_id: str, topics: Sequence[str] | None = None,
        frequency: str | None = None, now: datetime | None = None,
    ) -> SubscriptionView | None:
        """New topics and/or frequency; None if the reader has no live subscription."""
        if frequency is not None and frequency not in self._settings.frequencies:
            raise ValueError(f"frequency must be one of {', '.join(self._settings.frequencies)}")
        moment = utcnow(now)
        with self._db.session() as session:
            row = self._reader_subscription(session, conversation_id)
            if row is None or row.status == SubscriptionStatus.UNSUBSCRIBED:
                return None
            if topics:
                row.topics = list(topics)
            if frequency:
                row.frequency = frequency
            row.updated_at = moment
            row.sync_due = row.status == SubscriptionStatus.SUBSCRIBED
            view, subscription_id = _view(row), row.id
        if view.status == SubscriptionStatus.SUBSCRIBED:
            self.outbox.sync(subscription_id)
        return view

    def unsubscribe(
        self, conversation_id: str, channel: str | None, now: datetime | None = None
    ) -> SubscriptionView | None:
        """Unsubscribe the reader of this conversation; None if they were not on the list."""
        with self._db.session() as session:
            row = self._reader_subscription(session, conversation_id)
            if row is None or row.status == SubscriptionStatus.UNSUBSCRIBED:
                return None
            self._leave(session, row, channel, utcnow(now))
            view, subscription_id = _view(row), row.id
        self.outbox.sync(subscription_id)
        return view

    def unsubscribe_token(self, token: str, now: datetime | None = None) -> str | None:
        """The unsubscribe link from an email; the address, or None for an unknown link."""
        with self._db.session() as session:
            found = session.execute(select(NewsletterToken).where(
                NewsletterToken.token_hash == digest(token),
                NewsletterToken.purpose == "unsubscribe",
            )).scalar_one_or_none()
            if found is None:
                return None
            row = session.get(NewsletterSubscription, found.subscription_id, with_for_update=True)
            if row.status != SubscriptionStatus.UNSUBSCRIBED:
                self._leave(session, row, "email", utcnow(now))
            subscription_id, address = row.id, row.email
        self.outbox.sync(subscription_id)
        return address

    def _leave(
        self, session: Session, row: NewsletterSubscription, channel: str | None,
        moment: datetime,
    ) -> None:
        was_confirmed = row.status == SubscriptionStatus.SUBSCRIBED
        row.status, row.unsubscribed_at = SubscriptionStatus.UNSUBSCRIBED, moment
        row.updated_at = moment
        row.mail_due = False
        row.sync_due = was_confirmed or row.synced_at is not None
        session.execute(delete(NewsletterToken).where(
            NewsletterToken.subscription_id == row.id, NewsletterToken.purpose == "confirm"))
        record_consent(session, session.get(Reader, row.reader_id), NEWSLETTER, False, channel)

    def _reader_subscription(
        self, session: Session, conversation_id: str
    ) -> NewsletterSubscription | None:
        identity = identity_for(session, conversation_id)
        if identity is None:
            return None
        return session.execute(select(NewsletterSubscription).where(
            NewsletterSubscription.reader_id == identity.reader_id
        ).with_for_update()).scalar_one_or_none()
