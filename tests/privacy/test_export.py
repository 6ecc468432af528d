import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Table, func, insert, or_, select

from penpal.db import Database
from penpal.db.models import ExportLink, utcnow
from penpal.newsletter.tokens import digest
from penpal.privacy import (
    UnknownReader,
    create_export_link,
    export_for_token,
    export_reader,
    summary_lines,
)
from penpal.privacy.schema import CREDENTIAL_TABLES, reader_tables
from penpal.readers import Readers
from tests.privacy.people import OSWIN, ZEPHYRINE, populate
from tests.privacy.scan import app_database_text


def test_the_export_holds_every_kind_of_data_about_the_reader(
    db: Database, items: list[int]
) -> None:
    reader_id = populate(db, ZEPHYRINE, items)
    populate(db, OSWIN, items)

    export = json.loads(json.dumps(export_reader(db, reader_id)))  # JSON as it is

    assert export["profile"]["display_name"] == ZEPHYRINE.name
    assert datetime.fromisoformat(export["profile"]["created_at"]).utcoffset() == timedelta(0)
    assert [(row["conversation_id"], row["channel"]) for row in export["identities"]] == [
        (ZEPHYRINE.conversations[0], "telegram"), (ZEPHYRINE.conversations[1], "rest"),
    ]
    assert [(row["purpose"], row["granted"], row["channel"]) for row in export["consents"]] == [
        ("remember_name", True, "telegram"), ("personalize", True, "telegram"),
        ("handoff", True, "telegram"),
    ]
    assert [(row["topic"], row["weight"]) for row in export["interests"]] == [
        ("maps", 3.0), ("folklore", 1.0),
    ]
    assert [(row["item_title"], row["kind"]) for row in export["feedback"]] == [
        ("The Cartographer's Daughter", "liked"), ("Songs of the Drowned Bells", "disliked"),
        ("The Cartographer's Daughter", "clicked"),
    ]
    shown = {row["item_title"]: row for row in export["recommendations"]}
    assert set(shown) == {"The Cartographer's Daughter", "Songs of the Drowned Bells"}
    assert shown["The Cartographer's Daughter"]["clicked_at"] is not None
    assert shown["Songs of the Drowned Bells"]["clicked_at"] is None
    assert all(row["shown_at"] for row in shown.values())
    [handoff] = export["handoff_requests"]
    assert handoff["message"] == ZEPHYRINE.message
    assert handoff["contact"] == ZEPHYRINE.email
    assert handoff["transcript"][0] == {"speaker": "reader", "text": ZEPHYRINE.said}
    assert handoff["status"] == "pending"
    assert OSWIN.name not in json.dumps(export)


def test_every_table_pointing_at_readers_is_exported_row_by_row(
    db: Database, items: list[int], follows: Table
) -> None:
    reader_id = populate(db, ZEPHYRINE, items)
    populate(db, OSWIN, items)
    with db.session() as session:
        session.execute(insert(follows).values(reader_id=reader_id, topic="maps", since=utcnow()))

    tables = export_reader(db, reader_id)["tables"]

    expected = {t.name for t in reader_tables()} - CREDENTIAL_TABLES
    assert set(tables) == expected and "test_follows" in expected
    with db.session() as session:
        for linked in reader_tables():
            if linked.name in CREDENTIAL_TABLES:
                continue
            stored = session.execute(
                select(func.count()).select_from(linked.table)
                .where(or_(*(column == reader_id for column in linked.columns)))
            ).scalar_one()
            assert stored >= 1, f"the test reader has nothing in {linked.name}"
            assert len(tables[linked.name]) == stored, linked.name
    assert [row["topic"] for row in tables["test_follows"]] == ["maps"]
    assert set(tables["handoff_requests"][0]) == {
        "id", "reader_id", "message", "contact", "transcript", "status", "notify_attempts",
        "created_at", "notified_at",
    }


def test_access_secrets_are_not_exported(db: Database, items: list[int]) -> None:
    reader_id = populate(db, ZEPHYRINE, items)
    token = create_export_link(db, reader_id)
    assert token not in json.dumps(export_reader(db, reader_id))


def test_no_export_for_an_unknown_reader(db: Database) -> None:
    with pytest.raises(UnknownReader):
        export_reader(db, 999)


def test_a_summary_fits_a_chat_message(db: Database, items: list[int]) -> None:
    reader_id = populate(db, ZEPHYRINE, items)
    export = export_reader(db, reader_id)
    day = export["consents"][0]["recorded_at"][:10]

    assert summary_lines(export) == [
        f"Your name: {ZEPHYRINE.name}",
        "2 conversations (rest, telegram)",
        "Interests: maps, folklore",
        "3 reactions to picks",
        "2 picks shown to you (1 opened)",
        "1 message to the writer",
        "Newsletter: subscribed (weekly, maps)",
        "Following: maps",
        "1 event sign-up",
        "2 messages sent to you (reminders, new work, news)",
        f"Consent: remembering your name yes ({day}, telegram)",
        f"Consent: personalisation yes ({day}, telegram)",
        f"Consent: passing your messages to the writer yes ({day}, telegram)",
    ]


def test_a_summary_names_tables_added_later_and_the_latest_answers(
    db: Database, items: list[int], follows: Table
) -> None:
    reader_id = populate(db, ZEPHYRINE, items)
    Readers(db).forget_name(ZEPHYRINE.conversations[1], "rest")
    with db.session() as session:
        for topic in ("maps", "sea"):
            session.execute(insert(follows).values(reader_id=reader_id, topic=topic,
                                                   since=utcnow()))

    lines = summary_lines(export_reader(db, reader_id))

    assert lines[0] == "No name kept"
    assert any(line.startswith("Consent: remembering your name no (") and line.endswith(", rest)")
               for line in lines)
    assert lines[-1] == "Also kept: test follows (2)"


def test_an_export_link_works_until_it_expires(db: Database, items: list[int]) -> None:
    reader_id = populate(db, ZEPHYRINE, items)
    now = utcnow()
    token = create_export_link(db, reader_id, ttl=timedelta(hours=1), now=now)

    assert len(token) >= 32 and token.replace("-", "").replace("_", "").isalnum()
    assert token not in app_database_text(db)  # only its hash is kept
    with db.session() as session:
        assert session.get(ExportLink, digest(token)).reader_id == reader_id
    opened = export_for_token(db, token, now=now + timedelta(minutes=59))
    assert opened is not None and opened["profile"]["display_name"] == ZEPHYRINE.name
    assert export_for_token(db, token, now=now + timedelta(minutes=61)) is None
    with db.session() as session:
        assert session.get(ExportLink, digest(token)) is None  # the expired link is gone
    assert export_for_token(db, token, now=now) is None
    assert export_for_token(db, "not-a-token") is None
    assert export_for_token(db, "x" * 1000) is None


def test_export_links_are_unique(db: Database, items: list[int]) -> None:
    reader_id = populate(db, ZEPHYRINE, items)
    assert len({create_export_link(db, reader_id) for _ in range(20)}) == 20
