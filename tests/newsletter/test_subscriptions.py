"""Signing up with double opt-in, on SQLite and PostgreSQL, with a real SMTP server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from penpal.config import NewsletterSettings
from penpal.db import Database
from penpal.db.clock import utcnow
from penpal.db.models import (
    ConsentRecord,
    NewsletterSubscription,
    NewsletterToken,
    Reader,
    TryCounter,
)
from penpal.newsletter import InvalidEmail, Newsletter
from penpal.privacy import forget_conversation
from penpal.privacy.throttle import NEWSLETTER_CODE_TRIES
from tests.newsletter.conftest import closed_port_settings, make_newsletter
from tests.newsletter.support import body_of, confirm_code, confirm_link, parsed


def _status(db: Database, email: str) -> str:
    with db.session() as session:
        return session.execute(select(NewsletterSubscription.status).where(
            NewsletterSubscription.email == email)).scalar_one()


def test_signup_sends_a_real_email_and_the_code_confirms_it(
    newsletter: Newsletter, inbox: list[Any], db: Database
) -> None:
    signup = newsletter.subscribe("chat-1", "telegram", "Anna@Example.org",
                                  ["worldbuilding", "maps"], "weekly")
    assert (signup.outcome, signup.email, signup.mail_sent) == (
        "pending", "anna@example.org", True)
    [envelope] = inbox
    assert envelope.rcpt_tos == ["anna@example.org"]
    message = parsed(envelope)
    assert "confirm your subscription" in message["Subject"]
    assert message["List-Unsubscribe"].startswith("<http://127.0.0.1:5055/newsletter/unsub")
    assert "valid for 48 hours" in body_of(envelope)
    assert _status(db, "anna@example.org") == "pending"

    typed = confirm_code(envelope).lower().replace("-", " ")
    confirmed = newsletter.confirm_code("chat-1", typed)
    assert (confirmed.outcome, confirmed.email, confirmed.sync) == (
        "confirmed", "anna@example.org", "synced")
    assert _status(db, "anna@example.org") == "subscribed"
    assert newsletter.confirm_code("chat-1", confirm_code(envelope)).outcome == "already"


def test_a_code_confirms_only_a_signup_of_the_conversation_that_asked_for_it(
    newsletter: Newsletter, inbox: list[Any], db: Database
) -> None:
    newsletter.subscribe("rest:anna", "rest", "anna@example.org", ["craft"], "weekly")
    newsletter.subscribe("rest:bo", "rest", "bo@example.org", ["craft"], "weekly")
    annas = confirm_code(inbox[0])

    for stranger in ("rest:bo", "telegram:never-seen"):
        refused = newsletter.confirm_code(stranger, annas)
        assert (refused.outcome, refused.email) == ("unknown", None)
    assert _status(db, "anna@example.org") == _status(db, "bo@example.org") == "pending"
    assert newsletter.confirm_code("rest:anna", annas).outcome == "confirmed"


def test_a_conversation_gets_a_few_tries_at_a_code_and_then_the_link(
    newsletter: Newsletter, inbox: list[Any], db: Database, settings: NewsletterSettings
) -> None:
    now = utcnow()
    newsletter.subscribe("rest:anna", "rest", "anna@example.org", ["craft"], "weekly")
    newsletter.subscribe("rest:bo", "rest", "bo@example.org", ["craft"], "weekly")
    annas, bos = confirm_code(inbox[0]), confirm_code(inbox[1])
    for _ in range(NEWSLETTER_CODE_TRIES.limit):
        assert newsletter.confirm_code("rest:anna", "ZZZZ-9999", now=now).outcome == "unknown"

    another_process = make_newsletter(db, settings)  # the count is in the database
    assert another_process.confirm_code("rest:anna", annas, now=now).outcome == "blocked"
    assert _status(db, "anna@example.org") == "pending"
    assert newsletter.confirm_code("rest:bo", bos, now=now).outcome == "confirmed"
    later = now + NEWSLETTER_CODE_TRIES.window
    assert newsletter.confirm_code("rest:anna", annas, now=later).outcome == "confirmed"

    forget_conversation(db, "rest:anna")  # the counter names the conversation: it goes too
    with db.session() as session:
        subjects = session.execute(select(TryCounter.subject)).scalars().all()
    assert subjects == ["rest:bo"]


def test_while_codes_are_blocked_the_link_in_the_email_confirms(
    newsletter: Newsletter, inbox: list[Any], db: Database
) -> None:
    newsletter.subscribe("rest:anna", "rest", "anna@example.org", ["craft"], "weekly")
    for _ in range(NEWSLETTER_CODE_TRIES.limit + 1):
        newsletter.confirm_code("rest:anna", "ZZZZ-9999")
    assert newsletter.confirm_code("rest:anna", confirm_code(inbox[0])).outcome == "blocked"

    assert newsletter.confirm_token(confirm_link(inbox[0]).rsplit("/", 1)[1]).outcome == (
        "confirmed")
    assert _status(db, "anna@example.org") == "subscribed"


def test_consent_is_recorded_with_its_text_time_and_channel(
    newsletter: Newsletter, db: Database, settings: NewsletterSettings
) -> None:
    newsletter.subscribe("chat-1", "slack", "anna@example.org", ["craft"], "monthly")
    with db.session() as session:
        row = session.execute(select(NewsletterSubscription)).scalar_one()
        assert (row.consent_text, row.consent_channel) == (settings.consent_text, "slack")
        assert row.consented_at is not None
        consent = session.execute(select(ConsentRecord).where(
            ConsentRecord.purpose == "newsletter")).scalar_one()
        assert (consent.granted, consent.channel) == (True, "slack")


def test_the_link_confirms_and_a_second_click_says_already(
    newsletter: Newsletter, inbox: list[Any], db: Database
) -> None:
    newsletter.subscribe("chat-1", "rest", "anna@example.org", ["craft"], "weekly")
    token = confirm_link(inbox[0]).rsplit("/", 1)[1]
    assert newsletter.confirm_token(token).outcome == "confirmed"
    assert _status(db, "anna@example.org") == "subscribed"
    assert newsletter.confirm_token("not-a-token").outcome == "unknown"


def test_a_bad_address_is_refused_with_the_reason(newsletter: Newsletter, db: Database) -> None:
    with pytest.raises(InvalidEmail, match="@"):
        newsletter.subscribe("chat-1", "rest", "anna at example", ["craft"], "weekly")
    with pytest.raises(InvalidEmail, match=r"period|dot|domain"):
        newsletter.subscribe("chat-1", "rest", "anna@example..org", ["craft"], "weekly")
    with pytest.raises(ValueError, match="weekly, monthly"):
        newsletter.subscribe("chat-1", "rest", "anna@example.org", ["craft"], "hourly")
    with db.session() as session:
        assert session.execute(select(func.count(NewsletterSubscription.id))).scalar() == 0


def test_subscribing_twice_is_harmless_and_says_so(
    newsletter: Newsletter, inbox: list[Any], db: Database
) -> None:
    newsletter.subscribe("chat-1", "rest", "anna@example.org", ["craft"], "weekly")
    again = newsletter.subscribe("chat-1", "rest", "ANNA@example.org", ["maps"], "monthly")
    assert again.outcome == "already_pending"
    assert len(inbox) == 1  # the link sent is still valid: no second email
    elsewhere = newsletter.subscribe("chat-2", "rest", "anna@example.org", ["maps"], "weekly")
    assert elsewhere.outcome == "already_pending"

    newsletter.confirm_code("chat-1", confirm_code(inbox[0]))
    assert newsletter.subscribe("chat-1", "rest", "anna@example.org", [], "weekly").outcome == (
        "already_subscribed")
    assert newsletter.subscribe("chat-2", "rest", "anna@example.org", [], "weekly").outcome == (
        "already_subscribed")
    with db.session() as session:
        assert session.execute(select(func.count(NewsletterSubscription.id))).scalar() == 1


def test_an_expired_link_is_refused_and_signing_up_again_sends_a_fresh_one(
    newsletter: Newsletter, inbox: list[Any], db: Database
) -> None:
    long_ago = utcnow() - timedelta(hours=49)
    newsletter.subscribe("chat-1", "rest", "anna@example.org", ["craft"], "weekly", now=long_ago)
    old_token = confirm_link(inbox[0]).rsplit("/", 1)[1]
    expired = newsletter.confirm_token(old_token)
    assert (expired.outcome, expired.email) == ("expired", "anna@example.org")
    assert newsletter.confirm_code("chat-1", confirm_code(inbox[0])).outcome == "expired"
    assert _status(db, "anna@example.org") == "pending"

    again = newsletter.subscribe("chat-1", "rest", "anna@example.org", ["craft"], "weekly")
    assert (again.outcome, again.mail_sent) == ("already_pending", True)
    assert newsletter.confirm_token(old_token).outcome == "unknown"  # replaced
    assert newsletter.confirm_token(confirm_link(inbox[1]).rsplit("/", 1)[1]).outcome == (
        "confirmed")


def test_a_mail_server_that_is_down_loses_no_signup(
    db: Database, settings: NewsletterSettings, inbox: list[Any]
) -> None:
    down = make_newsletter(db, closed_port_settings(settings))
    signup = down.subscribe("chat-1", "rest", "anna@example.org", ["craft"], "weekly")
    assert (signup.outcome, signup.mail_sent) == ("pending", False)
    assert down.deliver_due().mail_failed == 1

    report = make_newsletter(db, settings).deliver_due()  # the server is back
    assert (report.mailed, report.mail_failed) == (1, 0)
    assert confirm_code(inbox[0])
    assert make_newsletter(db, settings).deliver_due().mailed == 0  # sent once


def test_preferences_change_in_one_call_and_unsubscribe_records_the_opt_out(
    newsletter: Newsletter, inbox: list[Any], db: Database
) -> None:
    assert newsletter.change("nobody", frequency="monthly") is None
    newsletter.subscribe("chat-1", "rest", "anna@example.org", ["craft"], "weekly")
    newsletter.confirm_code("chat-1", confirm_code(inbox[0]))
    changed = newsletter.change("chat-1", topics=["worldbuilding"], frequency="monthly")
    assert (changed.topics, changed.frequency, changed.status) == (
        ["worldbuilding"], "monthly", "subscribed")

    gone = newsletter.unsubscribe("chat-1", "rest")
    assert gone.email == "anna@example.org"
    assert _status(db, "anna@example.org") == "unsubscribed"
    assert newsletter.unsubscribe("chat-1", "rest") is None
    with db.session() as session:
        latest = session.execute(select(ConsentRecord.granted).where(
            ConsentRecord.purpose == "newsletter").order_by(ConsentRecord.id.desc())).first()
        assert latest == (False,)

    back = newsletter.subscribe("chat-1", "rest", "anna@example.org", ["maps"], "weekly")
    assert (back.outcome, back.mail_sent) == ("pending", True)  # opting in again: a new email


def test_the_unsubscribe_link_from_the_email_works(
    newsletter: Newsletter, inbox: list[Any], db: Database
) -> None:
    from tests.newsletter.support import unsubscribe_link

    newsletter.subscribe("chat-1", "rest", "anna@example.org", ["craft"], "weekly")
    newsletter.confirm_code("chat-1", confirm_code(inbox[0]))
    token = unsubscribe_link(inbox[0]).rsplit("/", 1)[1]
    assert newsletter.unsubscribe_token(token) == "anna@example.org"
    assert _status(db, "anna@example.org") == "unsubscribed"
    assert newsletter.unsubscribe_token("unknown") is None


def test_forgetting_a_reader_deletes_their_subscription_and_tokens(
    newsletter: Newsletter, db: Database
) -> None:
    newsletter.subscribe("chat-1", "rest", "anna@example.org", ["craft"], "weekly")
    with db.session() as session:
        session.execute(delete(Reader))
    with db.session() as session:
        assert session.execute(select(func.count(NewsletterSubscription.id))).scalar() == 0
        assert session.execute(select(func.count(NewsletterToken.id))).scalar() == 0


def test_an_address_unsubscribed_in_one_chat_can_sign_up_from_another(
    newsletter: Newsletter, inbox: list[Any], db: Database
) -> None:
    newsletter.subscribe("chat-1", "rest", "anna@example.org", ["craft"], "weekly")
    newsletter.confirm_code("chat-1", confirm_code(inbox[0]))
    newsletter.unsubscribe("chat-1", "rest")
    newsletter.subscribe("chat-2", "rest", "zed@example.org", ["maps"], "weekly")
    again = newsletter.subscribe("chat-2", "rest", "anna@example.org", ["maps"], "monthly")
    assert (again.outcome, again.mail_sent) == ("pending", True)
    with db.session() as session:
        rows = session.execute(select(NewsletterSubscription.email)).scalars().all()
    assert rows == ["anna@example.org"]  # chat-2's own pending signup now has this address
