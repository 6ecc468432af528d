"""End to end: a reader tells Penpal who they are, and no log of either server says it.

It talks to the shared Penpal (tests/support/stack.py: both servers as real
subprocesses with the trained model), whose logs also hold the other modules'
readers; this reader gives their name, a phone number for the writer
to call back, and their email address for an event and the newsletter
(confirmation emails go to a real SMTP server on loopback). Last, the tracker
store refuses to save a slot, and Rasa logs the failed INSERT with its
parameters: the slot's value. Then every file the servers wrote is read for
any of it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from penpal.db.models import (
    ChannelIdentity,
    HandoffRequest,
    NewsletterSubscription,
    Reader,
    Rsvp,
)
from tests.support.devstack import Stack
from tests.support.stack import SharedPenpal

pytestmark = pytest.mark.e2e

FIRST, LAST = "Zephyrine", "Quillfeather"
NAME, EMAIL, PHONE = f"{FIRST} {LAST}", "zephyrine.q@example.org", "+44 7700 900123"
TRACES = [FIRST, LAST, EMAIL, PHONE, "7700 900123", "7700900123", "900123"]
READER = "zq"


@pytest.fixture(scope="module")
def stack(shared: SharedPenpal) -> Stack:
    """The shared Penpal: the demo events imported, mail to a local SMTP server."""
    return shared.stack


@pytest.fixture(scope="module")
def workdir(shared: SharedPenpal) -> Path:
    return shared.workdir


@pytest.fixture(scope="module")
def smtp(shared: SharedPenpal) -> tuple[int, list[Any]]:
    return shared.smtp


@contextmanager
def refusing_writes(tracker_db: Path) -> Iterator[None]:
    """The tracker store's database refuses to store slots (as a full disk would)."""
    with closing(sqlite3.connect(tracker_db)) as connection:
        connection.execute("CREATE TRIGGER refuse BEFORE INSERT ON events "
                           "WHEN NEW.type_name = 'slot' "
                           "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
        connection.commit()
        try:
            yield
        finally:
            connection.execute("DROP TRIGGER refuse")
            connection.commit()


@pytest.fixture(scope="module")
def conversation(stack: Stack, workdir: Path) -> list[str]:
    """The whole conversation: each turn's replies, joined."""
    turns = [
        "hello",
        f"my name is {NAME}",
        "yes",
        "I want to talk to a real person",
        f"Could you sign my copy? It's for {NAME}, my email is {EMAIL}",
        PHONE,
        "any events coming up?",
        "sign me up for the first one",
        NAME,
        EMAIL,
        "sign me up for the newsletter",
        EMAIL,
        "worldbuilding and maps",
        "weekly",
        "what do you know about me?",
    ]
    replies = [texts(stack.say(READER, turn)) for turn in turns]
    with refusing_writes(workdir / "tracker.db"):
        replies.append(texts(stack.say(READER, f"my name is {NAME}")))
    return replies


def texts(replies: list[dict]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def written_by_the_servers(stack: Stack) -> dict[str, str]:
    """Every file under the servers' folder (their logs), by name."""
    return {str(path.relative_to(stack.workdir)): path.read_text(errors="replace")
            for path in sorted(stack.workdir.rglob("*")) if path.is_file()}


def test_the_conversation_really_happened(
    conversation: list[str], shared: SharedPenpal, smtp: tuple[int, list[Any]]
) -> None:
    replies = "\n".join(conversation)
    assert f"Nice to meet you, {FIRST}" in conversation[1]
    assert "I'll greet you by name" in conversation[2]
    assert "how can Mira Kestrel reach you" in conversation[4]
    assert "I've sent your message" in conversation[5] or "saved" in conversation[5]
    assert "You're on the list for" in conversation[9]
    assert f"I've sent an email to {EMAIL}" in conversation[13]
    assert FIRST in conversation[14]
    assert conversation[15].strip()  # Rasa answered from memory when the write failed
    assert [mail.rcpt_tos for mail in smtp[1] if EMAIL in mail.rcpt_tos] == [[EMAIL]]
    assert "Sorry, something went wrong" not in replies

    with shared.database.session() as session:
        reader = session.execute(select(Reader).join(ChannelIdentity).where(
            ChannelIdentity.conversation_id == f"rest:{READER}")).scalar_one()
        assert FIRST in reader.display_name
        handoff = session.execute(select(HandoffRequest).where(
            HandoffRequest.reader_id == reader.id)).scalar_one()
        assert (handoff.contact, NAME in handoff.message) == ("+447700900123", True)
        assert session.execute(select(Rsvp.name, Rsvp.email).where(
            Rsvp.reader_id == reader.id)).one() == (NAME, EMAIL)
        assert session.execute(select(NewsletterSubscription.email).where(
            NewsletterSubscription.reader_id == reader.id)).scalar_one() == EMAIL


def test_no_log_says_who_the_reader_is(conversation: list[str], stack: Stack) -> None:
    logs = written_by_the_servers(stack)
    assert {"rasa.log", "actions.log"} <= set(logs)
    assert all(logs[name].strip() for name in ("rasa.log", "actions.log"))

    leaks = {
        name: [line for line in text.splitlines()
               if any(trace.lower() in line.lower() for trace in TRACES)]
        for name, text in logs.items()
    }
    assert {name: lines for name, lines in leaks.items() if lines} == {}
