"""One reader across channels: a code from one conversation, typed in another."""

import hashlib
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import Table, func, insert, select

from penpal.conversations import CHANNELS
from penpal.db import Database
from penpal.db.models import LinkCode, Reader, utcnow
from penpal.privacy import (
    LinkStatus,
    complete_link,
    export_reader,
    linking,
    reader_id_for,
    start_link,
    unlink,
)
from penpal.privacy.linking import MAX_GUESSES_PER_CODE
from penpal.privacy.throttle import LINK_CODE_SOURCE_TRIES
from penpal.readers import Readers
from penpal.recommend.store import add_to_interest
from tests.privacy.people import OSWIN, ZEPHYRINE, populate
from tests.privacy.scan import app_database_text

TELEGRAM, WEB = "telegram:1", "rest:web-1"


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def readers(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Reader))


def test_a_code_joins_a_new_conversation_to_the_reader(db: Database) -> None:
    Readers(db).remember_name(TELEGRAM, "telegram", "Anna")
    code = start_link(db, TELEGRAM, "telegram")

    assert len(code) == 6 and code.isdigit()
    assert code not in app_database_text(db)  # only its hash is kept
    with db.session() as session:
        stored = session.execute(select(LinkCode.code_hash)).scalar_one()
    assert stored == hashlib.sha256(code.encode()).hexdigest()

    result = complete_link(db, f"{code[:3]} {code[3:]}", WEB, "rest")

    assert result.ok and result.status is LinkStatus.LINKED
    assert reader_id_for(db, WEB) == reader_id_for(db, TELEGRAM) == result.reader_id
    export = export_reader(db, result.reader_id)
    assert [row["channel"] for row in export["identities"]] == ["telegram", "rest"]
    assert complete_link(db, code, WEB, "rest").status is LinkStatus.WRONG  # used up


def test_start_link_creates_the_reader_and_replaces_the_earlier_code(db: Database) -> None:
    first = start_link(db, TELEGRAM, "telegram")
    second = start_link(db, TELEGRAM, "telegram")

    assert readers(db) == 1
    with db.session() as session:
        hashes = session.execute(select(LinkCode.code_hash)).scalars().all()
    assert hashes == [hashlib.sha256(second.encode()).hexdigest()] != [first]
    assert complete_link(db, second, WEB, "rest").status is LinkStatus.LINKED


def test_a_code_is_never_live_twice(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([123456, 123456, 654321])
    monkeypatch.setattr(secrets, "randbelow", lambda _: next(draws))

    assert start_link(db, TELEGRAM, "telegram") == "123456"
    assert start_link(db, WEB, "rest") == "654321"
    assert complete_link(db, "654321", "slack:U1", "slack").reader_id == reader_id_for(db, WEB)


def test_the_same_reader_is_told_so(db: Database) -> None:
    code = start_link(db, TELEGRAM, "telegram")
    result = complete_link(db, code, TELEGRAM, "telegram")
    assert result.ok and result.status is LinkStatus.SAME_READER


def test_a_code_expires_after_ten_minutes(db: Database) -> None:
    now = utcnow()
    code = start_link(db, TELEGRAM, "telegram", now=now)

    late = complete_link(db, code, WEB, "rest", now=now + timedelta(minutes=10, seconds=1))

    assert late.status is LinkStatus.EXPIRED and not late.ok
    assert reader_id_for(db, WEB) is None
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(LinkCode)) == 0


def test_five_wrong_codes_block_the_conversation_for_the_window(db: Database) -> None:
    now = utcnow()
    code = start_link(db, TELEGRAM, "telegram", now=now)
    for minute in range(5):
        at = now + timedelta(minutes=minute)
        assert complete_link(db, wrong(code), WEB, "rest", now=at).status is LinkStatus.WRONG

    blocked = complete_link(db, code, WEB, "rest", now=now + timedelta(minutes=6))
    assert blocked.status is LinkStatus.BLOCKED and reader_id_for(db, WEB) is None
    # Another conversation may still try; the window ends ten minutes after the first try.
    assert complete_link(db, wrong(code), "rest:web-2", "rest", now=now).status is (
        LinkStatus.WRONG)
    fresh = start_link(db, TELEGRAM, "telegram", now=now + timedelta(minutes=9))
    after = complete_link(db, fresh, WEB, "rest", now=now + timedelta(minutes=10, seconds=1))
    assert after.status is LinkStatus.LINKED


def test_a_strangers_wrong_guesses_never_cancel_another_readers_code(db: Database) -> None:
    now = utcnow()
    code = start_link(db, TELEGRAM, "telegram", now=now)
    for guesser in range(LINK_CODE_SOURCE_TRIES.limit * 2):  # the old rule revoked at 20
        result = complete_link(db, wrong(code), f"rest:guesser-{guesser}", "rest", now=now)
        assert result.status in (LinkStatus.WRONG, LinkStatus.BLOCKED)

    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(LinkCode)) == 1
    mine = complete_link(db, code, "slack:U1", "slack", now=now + timedelta(minutes=1))
    assert mine.status is LinkStatus.LINKED and mine.reader_id == reader_id_for(db, TELEGRAM)


def test_many_conversations_on_one_channel_share_its_budget(db: Database) -> None:
    now = utcnow()
    code = start_link(db, TELEGRAM, "telegram", now=now)
    for guesser in range(LINK_CODE_SOURCE_TRIES.limit):
        result = complete_link(db, wrong(code), f"rest:guesser-{guesser}", "rest", now=now)
        assert result.status is LinkStatus.WRONG

    # A fresh conversation on that channel is refused even with the right code ...
    assert complete_link(db, code, "rest:fresh", "rest", now=now).status is LinkStatus.BLOCKED
    assert reader_id_for(db, "rest:fresh") is None
    # ... ids of no known channel are one source of their own, other channels have theirs,
    assert complete_link(db, wrong(code), "web-1", "rest", now=now).status is LinkStatus.WRONG
    assert complete_link(db, code, "slack:U1", "slack", now=now).status is LinkStatus.LINKED
    # ... and the channel's window ends ten minutes after its first try.
    fresh = start_link(db, TELEGRAM, "telegram", now=now + timedelta(minutes=9))
    later = now + LINK_CODE_SOURCE_TRIES.window
    assert complete_link(db, fresh, "rest:fresh", "rest", now=later).status is LinkStatus.LINKED


def test_an_attacker_on_every_channel_tries_at_most_the_stated_number_of_codes(
    db: Database,
) -> None:
    """The module docstring's guarantee, spent as cleverly as the windows allow."""
    assert f"= {MAX_GUESSES_PER_CODE} of the 1,000,000 codes" in " ".join(linking.__doc__.split())
    created = utcnow()
    code = start_link(db, TELEGRAM, "telegram", now=created)
    window, limit = LINK_CODE_SOURCE_TRIES.window, LINK_CODE_SOURCE_TRIES.limit
    opened = created - window + timedelta(seconds=1)  # a window opened just before the code
    guesses = iter(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" != code)
    sources = [f"{channel}:attacker" for channel in sorted(CHANNELS)] + ["attacker"]
    tried = 0
    for source in sources:
        complete_link(db, next(guesses), f"{source}-0", "rest", now=opened)
        for turn, moment in enumerate((created, opened + window)):  # that window, the next
            for n in range(limit + 1):
                result = complete_link(db, next(guesses), f"{source}-{turn}-{n}", "rest",
                                       now=moment)
                tried += result.status is LinkStatus.WRONG

    assert tried == len(sources) * (2 * limit - 1) <= MAX_GUESSES_PER_CODE
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(LinkCode)) == 1  # still live


def test_linking_merges_everything_of_both_readers(
    db: Database, items: list[int], follows: Table
) -> None:
    zephyrine = populate(db, ZEPHYRINE, items)
    oswin = populate(db, OSWIN, items)  # the same person, as it turns out
    with db.session() as session:
        add_to_interest(session, oswin, "sea", 2.0)
        for reader_id, topic in ((zephyrine, "maps"), (oswin, "maps"), (oswin, "sea")):
            session.execute(insert(follows).values(reader_id=reader_id, topic=topic,
                                                   since=utcnow()))
    before = [export_reader(db, reader_id) for reader_id in (zephyrine, oswin)]

    code = start_link(db, ZEPHYRINE.conversations[0], "telegram")
    result = complete_link(db, code, OSWIN.conversations[1], "rest")

    assert result.status is LinkStatus.LINKED and result.reader_id == zephyrine
    assert readers(db) == 1
    merged = export_reader(db, zephyrine)
    assert merged["profile"]["display_name"] == ZEPHYRINE.name
    assert sorted(row["conversation_id"] for row in merged["identities"]) == sorted(
        [*ZEPHYRINE.conversations, *OSWIN.conversations]
    )
    assert {row["topic"]: row["weight"] for row in merged["interests"]} == {
        "maps": 6.0, "folklore": 2.0, "sea": 2.0,
    }
    for section in ("consents", "feedback", "recommendations", "handoff_requests"):
        assert len(merged[section]) == sum(len(export[section]) for export in before), section
    assert sorted(row["message"] for row in merged["handoff_requests"]) == sorted(
        [ZEPHYRINE.message, OSWIN.message]
    )
    assert sorted(row["topic"] for row in merged["tables"]["test_follows"]) == ["maps", "sea"]


def test_a_nameless_reader_takes_the_name_of_the_merged_one(db: Database) -> None:
    code = start_link(db, TELEGRAM, "telegram")
    Readers(db).remember_name(WEB, "rest", "Anna")

    result = complete_link(db, code, WEB, "rest")

    assert export_reader(db, result.reader_id)["profile"]["display_name"] == "Anna"


def test_a_later_no_to_personalisation_drops_the_merged_profile(
    db: Database, items: list[int]
) -> None:
    zephyrine = populate(db, ZEPHYRINE, items)
    Readers(db).set_personalization(WEB, "rest", False)  # the newest answer

    result = complete_link(db, start_link(db, ZEPHYRINE.conversations[0], "telegram"), WEB, "rest")

    merged = export_reader(db, zephyrine)
    assert result.reader_id == zephyrine
    assert merged["interests"] == [] and merged["feedback"] == []
    assert merged["handoff_requests"] and merged["profile"]["display_name"] == ZEPHYRINE.name


def test_unlink_gives_the_conversation_a_fresh_reader(db: Database, items: list[int]) -> None:
    zephyrine = populate(db, ZEPHYRINE, items)
    before = export_reader(db, zephyrine)
    telegram, web = ZEPHYRINE.conversations

    assert unlink(db, web) is True

    fresh = reader_id_for(db, web)
    assert fresh is not None and fresh != zephyrine
    alone = export_reader(db, fresh)
    assert alone["profile"]["display_name"] is None
    assert [row["conversation_id"] for row in alone["identities"]] == [web]
    assert all(not rows for name, rows in alone["tables"].items() if name != "channel_identities")
    kept = export_reader(db, zephyrine)
    assert [row["conversation_id"] for row in kept["identities"]] == [telegram]
    for section in ("consents", "interests", "feedback", "recommendations", "handoff_requests"):
        assert kept[section] == before[section]
    assert unlink(db, telegram) is False  # nothing else to unlink from
    assert unlink(db, "never-seen") is False
