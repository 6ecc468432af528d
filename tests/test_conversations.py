"""Conversation ids namespaced by channel, and identities from before namespacing."""

from __future__ import annotations

from alembic import command
from sqlalchemy import select

from penpal.conversations import channel_of, namespaced, platform_id
from penpal.db import Database, upgrade
from penpal.db.migrate import alembic_config
from penpal.db.models import ChannelIdentity, PendingErasure, Reader, utcnow
from penpal.privacy import forget_reader


def test_an_id_is_namespaced_and_taken_apart_again() -> None:
    assert namespaced("telegram", "12345") == "telegram:12345"
    assert channel_of("telegram:12345") == "telegram"
    assert platform_id("telegram:12345") == "12345"
    assert platform_id("rest:a:b") == "a:b"
    for other in ("12345", "default", "unknown:12345", ":x"):
        assert channel_of(other) is None and platform_id(other) == other


def test_identities_from_before_namespacing_carry_on_and_are_still_erased(db: Database) -> None:
    command.downgrade(alembic_config(db.url), "0006")
    with db.session() as session:
        reader = Reader()
        session.add(reader)
        session.flush()
        session.add_all([
            ChannelIdentity(reader_id=reader.id, conversation_id="12345", channel="telegram"),
            ChannelIdentity(reader_id=reader.id, conversation_id="ada", channel="rest"),
            ChannelIdentity(reader_id=reader.id, conversation_id="odd", channel=None),
        ])
        reader_id = reader.id
    upgrade(db.url)

    with db.session() as session:
        rows = session.execute(select(ChannelIdentity.conversation_id, ChannelIdentity.channel)
                               .where(ChannelIdentity.reader_id == reader_id)).all()
    assert sorted(rows, key=str) == sorted([
        ("12345", None), ("ada", None), ("odd", None),  # old ids: erased with the reader
        ("telegram:12345", "telegram"), ("rest:ada", "rest"),  # where messages now arrive
    ], key=str)

    assert forget_reader(db, reader_id, now=utcnow()).conversations == 5
    with db.session() as session:
        queued = set(session.execute(select(PendingErasure.conversation_id)).scalars())
    assert queued == {"12345", "ada", "odd", "telegram:12345", "rest:ada"}

    command.downgrade(alembic_config(db.url), "0006")
    with db.engine.connect() as connection:
        back = connection.execute(select(ChannelIdentity.conversation_id)).scalars().all()
    assert back == []  # the reader is gone; going down leaves nothing behind
