"""End to end: signing up, confirming, following and broadcasts against running servers.

The Rasa server (with the trained model) and the action server run as real
subprocesses; emails go to a real SMTP server on loopback, the confirmation
link is followed over HTTP on the action server, and notices and broadcasts
go through Rasa's trigger_intent API.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select, update

from penpal.config import load_config
from penpal.db import Database
from penpal.db.clock import utcnow
from penpal.db.models import ChannelIdentity, NewsletterSubscription
from penpal.newsletter.broadcast import parse_segment, send
from penpal.newsletter.follows import send_new_item_notices
from penpal.newsletter.providers import SmtpMailer
from penpal.push import RasaPusher
from tests.newsletter.support import confirm_code, confirm_link
from tests.newsletter.test_follows import add_item
from tests.support.devstack import Stack
from tests.support.stack import SharedPenpal

pytestmark = pytest.mark.e2e


def texts(replies: list[dict]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


@pytest.fixture(scope="module")
def smtp(shared: SharedPenpal) -> tuple[int, list[Any]]:
    return shared.smtp


@pytest.fixture(scope="module")
def workdir(shared: SharedPenpal) -> Path:
    return shared.workdir


@pytest.fixture(scope="module")
def stack(shared: SharedPenpal) -> Stack:
    return shared.stack


@pytest.fixture(scope="module")
def app_db(shared: SharedPenpal) -> Database:
    return shared.database


def _status(db: Database, email: str) -> str:
    with db.session() as session:
        return session.execute(select(NewsletterSubscription.status).where(
            NewsletterSubscription.email == email)).scalar_one()


def _bot_texts(stack: Stack, sender: str) -> str:
    return "\n".join(event.get("text") or "" for event in stack.tracker(sender)["events"]
                     if event["event"] == "bot")


def test_signing_up_in_chat_and_confirming_by_the_emailed_link(
    stack: Stack, smtp: tuple[int, list[Any]], app_db: Database
) -> None:
    inbox = smtp[1]
    asked = texts(stack.say("nl-anna", "sign me up for the newsletter"))
    assert "I can unsubscribe at any time" in asked and "What email address" in asked
    assert "doesn't look like an email address" in texts(stack.say("nl-anna", "anna at example"))
    assert "Which topics" in texts(stack.say("nl-anna", "anna@example.org"))
    assert "How often" in texts(stack.say("nl-anna", "worldbuilding and maps"))
    done = texts(stack.say("nl-anna", "weekly"))
    assert "I've sent an email to anna@example.org" in done
    [envelope] = [mail for mail in inbox if mail.rcpt_tos == ["anna@example.org"]]
    assert _status(app_db, "anna@example.org") == "pending"

    link = confirm_link(envelope)
    local = stack.rasa_url + "/newsletter/" + link.split("/newsletter/", 1)[1]
    page = requests.get(local, timeout=30)
    assert page.status_code == 200 and "subscribed" in page.text
    assert _status(app_db, "anna@example.org") == "subscribed"

    changed = texts(stack.say("nl-anna", "make it monthly"))
    assert "monthly" in changed and "worldbuilding, maps" in changed
    gone = texts(stack.say("nl-anna", "unsubscribe me from the newsletter"))
    assert "anna@example.org is unsubscribed" in gone
    assert _status(app_db, "anna@example.org") == "unsubscribed"


def test_confirming_with_the_code_typed_in_chat_and_a_duplicate_signup(
    stack: Stack, smtp: tuple[int, list[Any]], app_db: Database
) -> None:
    for text in ["I want the newsletter", "bo@example.org", "all of them", "monthly"]:
        replies = texts(stack.say("nl-bo", text))
    assert "I've sent an email to bo@example.org" in replies
    [envelope] = [mail for mail in smtp[1] if mail.rcpt_tos == ["bo@example.org"]]
    confirmed = texts(stack.say("nl-bo", f"my code is {confirm_code(envelope)}"))
    assert "You're subscribed. Welcome!" in confirmed and "bo@example.org" not in confirmed
    assert _status(app_db, "bo@example.org") == "subscribed"

    for text in ["subscribe me to the newsletter", "bo@example.org", "craft"]:
        stack.say("nl-bo", text)
    assert "already subscribed" in texts(stack.say("nl-bo", "weekly"))


def test_a_follower_is_told_about_a_new_item_on_their_channel_and_a_broadcast_once(
    stack: Stack, app_db: Database, workdir: Path
) -> None:
    started = texts(stack.say("fl-cy", "tell me when you post about worldbuilding"))
    assert "something new about worldbuilding" in started
    assert "You follow: worldbuilding" in texts(stack.say("fl-cy", "what do I follow?"))
    with app_db.session() as session:  # Cy's next visit is on the website's chat widget
        session.execute(update(ChannelIdentity).where(
            ChannelIdentity.conversation_id == "rest:fl-cy").values(channel="socketio"))
    add_item(app_db, "Rivers that run uphill", ["worldbuilding"],
             utcnow() + timedelta(seconds=1))

    report = send_new_item_notices(app_db, RasaPusher(stack.rasa_url), 3,
                                   now=utcnow() + timedelta(minutes=1))
    assert report.sent == 1
    said = _bot_texts(stack, "fl-cy")
    assert "New from Mira Kestrel on worldbuilding: Rivers that run uphill" in said
    assert "/r/" in said
    assert send_new_item_notices(app_db, RasaPusher(stack.rasa_url), 3).sent == 0

    segment = parse_segment("topic:worldbuilding")
    mailer = SmtpMailer(load_config(workdir / "penpal.yml").newsletter, "Mira Kestrel")
    first = send(app_db, segment, RasaPusher(stack.rasa_url), mailer, stack.rasa_url,
                 "Signed copies at the launch!")
    rerun = send(app_db, segment, RasaPusher(stack.rasa_url), mailer, stack.rasa_url,
                 "Signed copies at the launch!")
    assert (first.sent, rerun.sent, rerun.already) == (1, 0, 1)
    assert _bot_texts(stack, "fl-cy").count("Signed copies at the launch!") == 1

    assert "no more updates about worldbuilding" in texts(
        stack.say("fl-cy", "stop those updates")).lower()

