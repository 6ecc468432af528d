"""Broadcasts: segments, dry runs, opt-outs, and reruns that never send twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from penpal.cli import app
from penpal.config import NewsletterSettings
from penpal.db import Database
from penpal.db.clock import utcnow
from penpal.db.models import BroadcastDelivery, ChannelIdentity, Event, Reader, Rsvp
from penpal.newsletter import Newsletter
from penpal.newsletter.broadcast import parse_segment, plan, send
from penpal.newsletter.follows import follow, unfollow
from penpal.newsletter.providers import SmtpMailer
from penpal.push import RasaPusher
from tests.newsletter.conftest import PUBLIC_URL
from tests.newsletter.support import ApiServer, body_of, confirm_code
from tests.newsletter.test_follows import TOPICS, add_item


def _readers(db: Database) -> None:
    follow(db, "tg-1", "telegram", "maps", TOPICS)
    follow(db, "sl-2", "slack", "maps", TOPICS)
    follow(db, "rest-3", "rest", "maps", TOPICS)  # no push channel, no newsletter: unreachable
    follow(db, "tg-4", "telegram", "maps", TOPICS)
    unfollow(db, "tg-4", "telegram")  # "stop those updates"
    follow(db, "tg-4", "telegram", "craft", TOPICS)
    unfollow(db, "tg-4", "telegram")


def test_segments_are_parsed_with_a_clear_error() -> None:
    assert str(parse_segment("topic:Maps")) == "topic:maps"
    assert str(parse_segment("newsletter")) == "newsletter"
    assert str(parse_segment("event:12")) == "event:12"
    assert str(parse_segment("opted-in")) == "opted-in"
    with pytest.raises(ValueError, match="topic:<topic>"):
        parse_segment("everyone")


def test_a_rerun_broadcast_never_sends_twice(db: Database, api: ApiServer,
                                             settings: NewsletterSettings) -> None:
    _readers(db)
    item = add_item(db, "atlas", ["maps"], utcnow())
    segment = parse_segment("topic:maps")
    dry = plan(db, segment, "New essay!", item)
    assert sorted(r.conversation_id for r in dry.to_send) == ["sl-2", "tg-1"]
    assert (dry.already, dry.unreachable) == (0, 1)
    assert dry.text == "New essay!\n\n📖 atlas\nhttps://example.org/atlas"
    assert api.calls == []  # a dry run sends nothing

    mailer = SmtpMailer(settings, "Mira")
    api.statuses = [200, 500]  # the second reader's push fails
    report = send(db, segment, RasaPusher(api.url), mailer, PUBLIC_URL, "New essay!", item)
    assert (report.sent, report.failed, report.unreachable) == (1, 1, 1)

    again = send(db, segment, RasaPusher(api.url), mailer, PUBLIC_URL, "New essay!", item)
    assert (again.sent, again.failed, again.already) == (1, 0, 1)  # only the one that failed
    third = send(db, segment, RasaPusher(api.url), mailer, PUBLIC_URL, "New essay!", item)
    assert (third.sent, third.already) == (0, 2)
    reached = [call.path.split("/")[2] for call in api.calls if call.body]
    assert sorted(reached) == ["sl-2", "sl-2", "tg-1"]  # one failed, then delivered once
    assert all(call.body["name"] == "EXTERNAL_newsletter_broadcast" for call in api.calls)
    with db.session() as session:
        assert len(session.execute(select(BroadcastDelivery)).scalars().all()) == 2


def test_newsletter_subscribers_without_a_push_channel_get_an_email(
    db: Database, newsletter: Newsletter, inbox: list[Any], api: ApiServer,
    settings: NewsletterSettings,
) -> None:
    newsletter.subscribe("rest-1", "rest", "anna@example.org", ["maps"], "weekly")
    newsletter.subscribe("tg-2", "telegram", "bo@example.org", ["maps"], "weekly")
    newsletter.subscribe("rest-3", "rest", "cy@example.org", ["maps"], "weekly")  # never confirms
    for conversation, envelope in zip(("rest-1", "tg-2"), inbox[:2], strict=True):
        newsletter.confirm_code(conversation, confirm_code(envelope))
    segment = parse_segment("newsletter")
    assert [r.via for r in plan(db, segment, "Hello").to_send] == ["email", "telegram"]

    report = send(db, segment, RasaPusher(api.url), SmtpMailer(settings, "Mira"), PUBLIC_URL,
                  "Hello")
    assert report.sent == 2
    [mail] = inbox[3:]
    assert mail.rcpt_tos == ["anna@example.org"]
    assert "Hello" in body_of(mail) and "/newsletter/unsubscribe/" in body_of(mail)


def test_rsvps_of_an_event_and_everyone_who_opted_in(db: Database) -> None:
    _readers(db)
    start = utcnow() + timedelta(days=3)
    with db.session() as session:
        event = Event(uid="launch", title="Launch", starts_at=start,
                      ends_at=start + timedelta(hours=1))
        session.add(event)
        reader = Reader()
        session.add(reader)
        session.add(ChannelIdentity(reader=reader, conversation_id="tg-9", channel="telegram"))
        session.flush()
        session.add(Rsvp(event_id=event.id, reader_id=reader.id, name="Dee",
                         email="dee@example.org", status="going"))
        event_id = event.id
    rsvps = plan(db, parse_segment(f"event:{event_id}"), None, None, event_id)
    assert [r.conversation_id for r in rsvps.to_send] == ["tg-9"]
    assert "Launch" in rsvps.text
    everyone = plan(db, parse_segment("opted-in"), "Hi")
    assert sorted(r.conversation_id for r in everyone.to_send) == ["sl-2", "tg-1"]


def test_the_command_shows_a_dry_run_and_sends(
    sqlite_url: str, config_path: Path, api: ApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PENPAL_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("PENPAL_RASA_URL", api.url)
    db = Database(sqlite_url)
    _readers(db)
    runner = CliRunner()
    dry = runner.invoke(app, ["broadcast", "topic:maps", "-m", "Out now", "--dry-run",
                              "-c", str(config_path)])
    assert dry.exit_code == 0, dry.output
    assert "would send to 2; already reached 0; unreachable 1" in dry.output
    assert api.calls == []
    sent = runner.invoke(app, ["broadcast", "topic:maps", "-m", "Out now", "-c", str(config_path)])
    assert sent.exit_code == 0, sent.output
    assert "sent 2, failed 0" in sent.output and len(api.calls) == 2
    rerun = runner.invoke(app, ["broadcast", "topic:maps", "-m", "Out now", "-c",
                                str(config_path)])
    assert "sent 0, failed 0 (run again to retry them), already reached before 2" in rerun.output
    assert len(api.calls) == 2
    bad = runner.invoke(app, ["broadcast", "topic:maps", "-c", str(config_path)])
    assert bad.exit_code == 2 and "needs a message" in bad.output
    db.dispose()


def test_the_writer_lists_subscribers_and_retries_the_outbox(
    sqlite_url: str, config_path: Path, settings: NewsletterSettings, inbox: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from penpal.newsletter import cli
    from tests.newsletter.conftest import closed_port_settings, make_newsletter

    monkeypatch.setattr(cli.console, "width", 200)
    monkeypatch.setenv("PENPAL_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("PENPAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PENPAL_SMTP_PORT", str(settings.smtp_port))
    db = Database(sqlite_url)
    make_newsletter(db, closed_port_settings(settings)).subscribe(
        "chat-1", "rest", "anna@example.org", ["maps"], "weekly")
    runner = CliRunner()
    listed = runner.invoke(app, ["newsletter", "list"])
    assert listed.exit_code == 0 and "anna@example.org" in listed.output
    assert "pending" in listed.output
    synced = runner.invoke(app, ["newsletter", "sync", "-c", str(config_path)])
    assert "confirmation emails sent: 1 (failed 0)" in synced.output, synced.output
    assert inbox[0].rcpt_tos == ["anna@example.org"]
    db.dispose()
