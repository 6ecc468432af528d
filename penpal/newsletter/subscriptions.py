"""Newsletter signups with double opt-in, preferences and unsubscribing.

A signup is kept as soon as the reader gives it (status ``pending``); the
confirmation email and the provider sync are an outbox on the row
(``mail_due``, ``sync_due``), so a mail server or provider that is down never
loses a signup: :meth:`Newsletter.deliver_due` (a scheduler job) catches up.

The code from the email, typed in chat, confirms only a signup of that
conversation's reader, and a conversation gets a few tries per window
(``NEWSLETTER_CODE_TRIES``); the link in the email always works.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from penpal.config import NewsletterSettings
from penpal.db import Database
from penpal.db.models import (
    ChannelIdentity,
    NewsletterSubscription,
    NewsletterToken,
    Reader,
)
from penpal.newsletter.choices import parse_email
from penpal.newsletter.providers import (
    MailError,
    Provider,
    ProviderError,
    SmtpMailer,
    Subscriber,
)
from penpal.newsletter.tokens import digest, new_code, new_token, normalize_code
from penpal.privacy.clock import as_utc, utc_now
from penpal.privacy.throttle import NEWSLETTER_CODE_TRIES
from penpal.readers import identity_for, reader_for_conversation, record_consent

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class DueReport:
    mailed: int
    mail_failed: int
    synced: int
    sync_failed: int


def _view(row: NewsletterSubscription) -> SubscriptionView:
    return SubscriptionView(row.email, row.status, list(row.topics or []), row.frequency)


def add_unsubscribe_token(
    session: Session, row: NewsletterSubscription, token: str, moment: datetime
) -> None:
    """Keep ``token`` as an unsubscribe link for ``row`` (one per email sent)."""
    session.add(NewsletterToken(subscription_id=row.id, reader_id=row.reader_id,
                                purpose="unsubscribe", token_hash=digest(token),
                                created_at=moment))


class Newsletter:
    def __init__(
        self, db: Database, settings: NewsletterSettings, public_url: str,
        mailer: SmtpMailer, provider: Provider,
    ) -> None:
        self._db = db
        self._settings = settings
        self._public_url = public_url.rstrip("/")
        self._mailer = mailer
        self._provider = provider

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
        moment = utc_now(now)
        for attempt in range(2):
            try:
                with self._db.session() as session:
                    signup, subscription_id = self._keep(
                        session, conversation_id, channel, address, list(topics), frequency, moment
                    )
                break
            except IntegrityError:  # a concurrent signup for the same reader or address won
                if attempt:
                    raise
        if subscription_id is None:
            return signup
        sent = self._send_confirmation(subscription_id, moment)
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
        if existing is not None and existing.status == "subscribed":
            return Signup("already_subscribed", existing.email), None
        if existing is not None and existing.status == "pending" and existing.email == address:
            live = self._live_confirm_token(session, existing.id, moment)
            existing.mail_due = existing.mail_due or not live
            return Signup("already_pending", address), existing.id if existing.mail_due else None
        if existing is not None and existing.reader_id != reader.id:
            if existing.status == "pending":  # that address waits for confirmation elsewhere
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
        existing.status = "pending"
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

    def _send_confirmation(self, subscription_id: int, now: datetime | None = None) -> bool:
        """Send a fresh link and code (replacing older ones); False if the mail server failed."""
        moment = utc_now(now)
        token, code, unsubscribe = new_token(), new_code(), new_token()
        hours = self._settings.link_expiry_hours
        with self._db.session() as session:
            row = session.get(NewsletterSubscription, subscription_id)
            if row is None or row.status != "pending" or not row.mail_due:
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

    # --- confirming -------------------------------------------------------

    def confirm_token(self, token: str, now: datetime | None = None) -> Confirmation:
        """The link from the email was followed."""
        return self._confirm(NewsletterToken.token_hash == digest(token), now)

    def confirm_code(
        self, conversation_id: str, code: str, now: datetime | None = None
    ) -> Confirmation:
        """The code from the email, typed in chat: it confirms only this conversation's reader."""
        with self._db.session() as session:  # its own transaction: a try always counts
            allowed = NEWSLETTER_CODE_TRIES.allows(session, conversation_id, utc_now(now))
        if not allowed:
            return Confirmation("blocked")
        this_reader = select(ChannelIdentity.reader_id).where(
            ChannelIdentity.conversation_id == conversation_id)
        return self._confirm(and_(NewsletterToken.code_hash == digest(normalize_code(code)),
                                  NewsletterToken.reader_id.in_(this_reader)), now)

    def _confirm(self, which, now: datetime | None) -> Confirmation:
        moment = utc_now(now)
        with self._db.session() as session:
            token = session.execute(
                select(NewsletterToken).where(which, NewsletterToken.purpose == "confirm")
            ).scalar_one_or_none()
            if token is None:
                return Confirmation("unknown")
            row = session.get(NewsletterSubscription, token.subscription_id, with_for_update=True)
            if row.status == "subscribed":
                return Confirmation("already", row.email)
            if token.expires_at is None or as_utc(token.expires_at) <= moment:
                return Confirmation("expired", row.email)
            row.status, row.confirmed_at, row.updated_at = "subscribed", moment, moment
            row.sync_due = True  # the token stays: a second click says "already"
            subscription_id, address = row.id, row.email
        return Confirmation("confirmed", address, self._sync(subscription_id))

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
        moment = utc_now(now)
        with self._db.session() as session:
            row = self._reader_subscription(session, conversation_id)
            if row is None or row.status == "unsubscribed":
                return None
            if topics:
                row.topics = list(topics)
            if frequency:
                row.frequency = frequency
            row.updated_at = moment
            row.sync_due = row.status == "subscribed"
            view, subscription_id = _view(row), row.id
        if view.status == "subscribed":
            self._sync(subscription_id)
        return view

    def unsubscribe(
        self, conversation_id: str, channel: str | None, now: datetime | None = None
    ) -> SubscriptionView | None:
        """Unsubscribe the reader of this conversation; None if they were not on the list."""
        with self._db.session() as session:
            row = self._reader_subscription(session, conversation_id)
            if row is None or row.status == "unsubscribed":
                return None
            self._leave(session, row, channel, utc_now(now))
            view, subscription_id = _view(row), row.id
        self._sync(subscription_id)
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
            if row.status != "unsubscribed":
                self._leave(session, row, "email", utc_now(now))
            subscription_id, address = row.id, row.email
        self._sync(subscription_id)
        return address

    def _leave(
        self, session: Session, row: NewsletterSubscription, channel: str | None,
        moment: datetime,
    ) -> None:
        was_confirmed = row.status == "subscribed"
        row.status, row.unsubscribed_at, row.updated_at = "unsubscribed", moment, moment
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

    # --- the outbox -------------------------------------------------------

    def deliver_due(self, now: datetime | None = None) -> DueReport:
        """Send the confirmation emails and provider syncs that failed before."""
        with self._db.session() as session:
            mail = session.execute(select(NewsletterSubscription.id).where(
                NewsletterSubscription.mail_due.is_(True),
                NewsletterSubscription.status == "pending",
            )).scalars().all()
            sync = session.execute(select(NewsletterSubscription.id).where(
                NewsletterSubscription.sync_due.is_(True)
            )).scalars().all()
        mailed = sum(self._send_confirmation(subscription_id, now) for subscription_id in mail)
        synced = sum(self._sync(subscription_id) == "synced" for subscription_id in sync)
        return DueReport(mailed, len(mail) - mailed, synced, len(sync) - synced)

    def _sync(self, subscription_id: int) -> str:
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
            ).values(sync_due=False, sync_error=None, synced_at=utc_now()))
        return "synced"
