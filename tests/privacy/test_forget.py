"""Forget me: nothing about the reader is left, in the app database or Rasa's history."""

from datetime import timedelta

from sqlalchemy import Table, func, insert, select

from penpal.db import Database
from penpal.db.models import PendingErasure, Reader, TryCounter, utcnow
from penpal.privacy import (
    complete_link,
    erase_conversations,
    export_reader,
    forget_conversation,
    forget_reader,
    reader_id_for,
)
from tests.privacy.people import OSWIN, ZEPHYRINE, Person, populate
from tests.privacy.rasa_store import Rasa
from tests.privacy.scan import app_database_text, traces, tracker_store_text


def talk(rasa: Rasa, person: Person) -> None:
    """Both of the person's conversations, as Rasa keeps them."""
    for conversation in person.conversations:
        rasa.conversation(
            conversation,
            (f"hi, I'm {person.name}", f"Nice to meet you, {person.name}!"),
            (person.said, "Noted."),
            (person.message, "What is your email?"),
            (f"reach me at {person.email}", "Thanks, I'll pass it on."),
        )


def test_forget_me_leaves_no_trace_anywhere(
    db: Database, items: list[int], follows: Table, rasa: Rasa, tracker_url: str
) -> None:
    zephyrine = populate(db, ZEPHYRINE, items)
    populate(db, OSWIN, items)
    with db.session() as session:
        session.execute(
            insert(follows).values(reader_id=zephyrine, topic="maps", since=utcnow())
        )
    complete_link(db, "no-code", ZEPHYRINE.conversations[1], "rest")  # a link attempt counter
    talk(rasa, ZEPHYRINE)
    talk(rasa, OSWIN)
    before = tracker_store_text(tracker_url)
    assert traces(before, ZEPHYRINE.traces) == ZEPHYRINE.traces  # the scan can see them

    report = forget_conversation(db, ZEPHYRINE.conversations[0])
    erased = erase_conversations(tracker_url, db, grace_seconds=0)

    assert report.found and report.conversations == 2
    assert report.rows["readers"] == 1 and report.rows["test_follows"] == 1
    assert report.rows["handoff_requests"] == 1 and report.rows["feedback"] == 3
    assert erased == 2 * (3 + 4 * 4)  # session start, then 4 events per turn
    assert traces(app_database_text(db), ZEPHYRINE.traces) == []
    assert traces(tracker_store_text(tracker_url), ZEPHYRINE.traces) == []
    # The other reader is intact, in both places.
    assert traces(app_database_text(db), OSWIN.traces) == OSWIN.traces
    assert traces(tracker_store_text(tracker_url), OSWIN.traces) == OSWIN.traces
    oswin = reader_id_for(db, OSWIN.conversations[0])
    assert oswin is not None and len(export_reader(db, oswin)["feedback"]) == 3


def test_what_rasa_saves_after_the_forget_turn_is_erased_too(
    db: Database, items: list[int], rasa: Rasa, tracker_url: str
) -> None:
    populate(db, ZEPHYRINE, items)
    talk(rasa, OSWIN)
    conversation = ZEPHYRINE.conversations[0]
    tracker = rasa.conversation(conversation, (ZEPHYRINE.said, "Noted."))
    asked = utcnow()

    # The forget action runs in the middle of the turn ...
    forget_conversation(db, conversation, now=asked)
    assert erase_conversations(tracker_url, db, now=asked + timedelta(seconds=1)) == 0
    # ... and Rasa saves the turn after the action returned.
    rasa.turn(tracker, ("please forget me", f"Done. Goodbye, {ZEPHYRINE.name}."))

    assert erase_conversations(tracker_url, db, now=asked + timedelta(seconds=6)) >= 11
    assert traces(tracker_store_text(tracker_url), ZEPHYRINE.traces) == []
    assert "please forget me" not in tracker_store_text(tracker_url)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(PendingErasure)) == 0
    assert erase_conversations(tracker_url, db, grace_seconds=0) == 0  # idempotent
    assert OSWIN.said in tracker_store_text(tracker_url)


def test_rasa_rewrites_a_whole_history_erased_during_the_turn(
    db: Database, rasa: Rasa, tracker_url: str
) -> None:
    """Why erasure waits: Rasa saves every event it does not find stored."""
    conversation = ZEPHYRINE.conversations[0]
    tracker = rasa.conversation(conversation, (ZEPHYRINE.said, "Noted."))
    forget_conversation(db, conversation)
    erase_conversations(tracker_url, db, grace_seconds=0)

    rasa.turn(tracker, ("please forget me", "Done."))

    assert ZEPHYRINE.said in tracker_store_text(tracker_url)


def test_a_conversation_without_a_reader_is_still_erased(
    db: Database, rasa: Rasa, tracker_url: str
) -> None:
    rasa.conversation("visitor-1", (ZEPHYRINE.said, "Noted."))
    rasa.conversation("visitor-2", (OSWIN.said, "Noted."))

    report = forget_conversation(db, "visitor-1")
    assert not report.found and report.conversations == 1
    assert erase_conversations(tracker_url, db, grace_seconds=0) == 7

    assert ZEPHYRINE.said not in tracker_store_text(tracker_url)
    assert OSWIN.said in tracker_store_text(tracker_url)


def test_erasure_waits_while_the_tracker_store_has_no_events_table(
    db: Database, tracker_url: str, tmp_path
) -> None:
    forget_conversation(db, "visitor-1")
    missing = f"sqlite:///{tmp_path / 'never-created.db'}"

    assert erase_conversations(missing, db, grace_seconds=0) == 0
    assert erase_conversations(tracker_url, db, grace_seconds=0) == 0  # no events table yet
    assert not (tmp_path / "never-created.db").exists()
    with db.session() as session:
        assert session.get(PendingErasure, "visitor-1") is not None


def test_forgetting_again_or_an_unknown_reader_is_harmless(
    db: Database, items: list[int]
) -> None:
    reader_id = populate(db, ZEPHYRINE, items)
    assert forget_reader(db, reader_id).found
    again = forget_reader(db, reader_id)
    assert not again.found and again.lines() == ["Nothing was kept about this reader."]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Reader)) == 0
        assert session.scalar(select(func.count()).select_from(TryCounter)) == 0
        pending = session.execute(select(PendingErasure.conversation_id)).scalars().all()
    assert sorted(pending) == sorted(ZEPHYRINE.conversations)
